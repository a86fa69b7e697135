package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.testing.LogNoise;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A green run of the jOOQ contract suite on PostgreSQL and H2 (races, timeouts, rollbacks, duplicates by the
 * thousand) puts nothing at WARN or above on the console: expected outcomes are answers, not log lines.
 */
@Tag("slow")
class JooqQuietContractRunTest {
    @Test
    void aGreenContractRunOnPostgresqlAndH2LogsNothingAtWarn() {
        assertThat(LogNoise.noiseOfGreenRun(JooqPostgresContractTest.class, JooqH2ContractTest.class)).isEmpty();
    }
}
