package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole report on embedded PostgreSQL with tiny settings (about 30 s): server CPU in every cell, round trips per
 * call as the raw subjects send them, the remote profile through the proxy, index plans after every clear.
 */
@Tag("slow")
class ContentionReportPostgresTest {

    @Test
    void everyCellHasServerCpuAndRoundTripsAndTheRemoteProfileRuns(@TempDir Path out) throws Exception {
        ContentionReport.Results r = ContentionReport.run("postgres", ContentionReport.Profile.of("smoke"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        ContentionReport.write(r, out, "--profile smoke");

        assertThat(r.distinct()).allSatisfy(t -> {
            assertThat(t.serverCpuNanos()).as(t.subject()).isPositive();
            assertThat(t.exchanges()).as(t.subject()).isPositive();
        });
        // W1 registers new files only: the raw subjects' round trips per call are exact
        assertThat(r.distinct()).filteredOn(t -> t.subject().startsWith(Subject.BASELINE))
                .allSatisfy(t -> assertThat(t.roundTripsPerCall()).isCloseTo(2.0, within(1e-9)));
        assertThat(r.distinct()).filteredOn(t -> t.subject().startsWith(Subject.ONE_ROUND_TRIP))
                .allSatisfy(t -> assertThat(t.roundTripsPerCall()).isCloseTo(1.0, within(1e-9)));

        assertThat(r.remote()).hasSize(1);
        ContentionReport.RemoteRun remote = r.remote().get(0);
        assertThat(remote.selectOneMillis()).isBetween(2.0, 3.0);
        // 2 thread counts x 1 round x 12 subjects (10, and the two guards with the attempt log on)
        assertThat(remote.distinct()).hasSize(2 * 12).allSatisfy(t -> {
            assertThat(t.proxyCpuNanos()).as(t.subject()).isPositive();
            assertThat(t.serverCpuNanos()).as(t.subject()).isPositive();
        });
        assertThat(remote.distinct()).filteredOn(t -> t.subject().startsWith(Subject.ONE_ROUND_TRIP))
                .allSatisfy(t -> assertThat(t.roundTripsPerCall()).isCloseTo(1.0, within(1e-9)));
        assertThat(r.batches()).allSatisfy(b -> assertThat(b.batch().serverNanos()).isPositive());
        assertThat(r.batches()).allSatisfy(b -> assertThat(b.rawMillis()).isPositive());
        assertThat(r.batches()).allSatisfy(b -> assertThat(b.raw().serverNanos()).isPositive());
        assertThat(r.environment().get("key lookups' generic plans")).startsWith("index scans after every clear");

        String md = Files.readString(out.resolve("benchmarks.md"));
        assertThat(md).contains("## Remote database: every byte through a delaying proxy (W1)", "### 1 ms each way",
                "W1 remote 1 ms jooq UNIQUE_CONSTRAINT >= 1.80x the two-round-trip baseline",
                "PostgreSQL postmaster: process");
        assertThat(Files.readString(out.resolve("benchmarks.svg"))).contains("through a proxy adding 1 ms each way");
    }
}
