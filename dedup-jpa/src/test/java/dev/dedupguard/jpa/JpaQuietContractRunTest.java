package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.testing.LogNoise;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A green run of the JPA contract suite on PostgreSQL puts nothing at WARN or above on the console (the native
 * {@code INSERT ... ON CONFLICT DO NOTHING} fails no statement). Not on H2: there Hibernate's own insert logs
 * {@code HHH000247} for a race's loser before the guard absorbs it (see the README's Gotchas).
 */
@Tag("slow")
class JpaQuietContractRunTest {
    @Test
    void aGreenContractRunOnPostgresqlLogsNothingAtWarn() {
        assertThat(LogNoise.noiseOfGreenRun(JpaPostgresContractTest.class)).isEmpty();
    }
}
