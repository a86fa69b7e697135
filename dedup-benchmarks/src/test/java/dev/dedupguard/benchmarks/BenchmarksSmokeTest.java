package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs every benchmark once with tiny settings, so that the benchmark module cannot rot between real runs. */
class BenchmarksSmokeTest {

    @Test
    void contentionReportRunsEveryWorkloadAndWritesItsThreeFiles(@TempDir Path out) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ContentionReport.Results r = ContentionReport.run("h2", ContentionReport.Profile.of("smoke"),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        ContentionReport.write(r, out, "--profile smoke --database h2");

        // 2 thread counts x 2 rounds x (baseline + one-round-trip + 6 guards + 2 with the attempt log + Spring
        // Integration + Camel)
        assertThat(r.distinct()).hasSize(2 * 2 * 12);
        assertThat(r.reuploads()).hasSize(2 * 2 * 12);
        assertThat(r.distinct()).allSatisfy(t -> {
            assertThat(t.errors()).as(t.subject()).isZero();
            assertThat(t.registrations()).as(t.subject()).isPositive();
            assertThat(t.cpuNanos()).as(t.subject()).isPositive();
            assertThat(t.allocatedBytes()).as(t.subject()).isPositive();
        });
        assertThat(r.distinct()).extracting(Workloads.Throughput::subject).contains(
                "spring-integration JdbcMetadataStore", "camel JdbcMessageIdRepository");
        assertThat(r.distinct()).extracting(Workloads.Throughput::round).containsOnly(0, 1);
        assertThat(r.hot()).hasSize(10);
        assertThat(r.held()).hasSize(8 * 3);
        assertThat(r.batches()).hasSize(6 * 2);
        assertThat(r.roundTrips()).hasSize(12);
        // H2 runs in this JVM: no server process, no sockets, no network to delay
        assertThat(r.remote()).isEmpty();
        assertThat(r.distinct()).allSatisfy(t -> {
            assertThat(t.serverCpuNanos()).isEqualTo(-1);
            assertThat(t.exchanges()).isEqualTo(-1);
        });
        assertThat(r.roundTrips()).filteredOn(x -> x.subject().endsWith("UNIQUE_CONSTRAINT")).allSatisfy(x -> {
            assertThat(x.joinedNewFile()).as(x.subject()).isPositive();
            assertThat(x.joinedDuplicate()).as(x.subject()).isPositive();
        });
        for (Workloads.HotFile h : r.hot()) {
            if (!h.subject().contains("NO_LOCK")) {
                assertThat(h.duplicateRows()).as(h.subject()).isZero();
                assertThat(h.keysWithOneWinner()).as(h.subject()).isEqualTo(h.keys());
            }
            if (!h.subject().contains("NO_LOCK") && !h.subject().startsWith("camel")) {
                assertThat(h.exceptions()).as(h.subject()).isZero();
            }
        }
        assertThat(r.held()).filteredOn(h -> h.scenario().equals("same file") && !h.subject().contains("NO_LOCK"))
                .allSatisfy(h -> {
                    assertThat(h.waitedMillis()).as(h.subject()).isPositive();
                    assertThat(h.outcome()).isEqualTo("duplicate of the holder's row");
                });
        assertThat(r.held()).filteredOn(h -> h.scenario().equals("same file") && h.subject().contains("NO_LOCK"))
                .allSatisfy(h -> assertThat(h.outcome()).isEqualTo("STORED A SECOND ROW"));
        String md = Files.readString(out.resolve("benchmarks.md"));
        assertThat(md).contains("## The design note's comparison table, measured", "## Targets", "## W1", "## W2",
                "## W3", "## W4", "## W5", "## SQL round trips", "## Environment", "## Cost per registration (W1)",
                "## Cost per registration (W3)", "## Against the one-round-trip raw subject", "| one-round-trip |",
                "## The other libraries", "spring-integration-jdbc 7.1.2", "camel-sql 4.14.1",
                "above Spring Integration's JdbcMetadataStore", ">= 0.90x the one-round-trip raw subject",
                "Joined jooq UNIQUE_CONSTRAINT", "not measured: H2 runs in this JVM");
        assertThat(md).containsPattern("\\| (PASS|\\*\\*MISS\\*\\* by )");
        assertThat(Files.readString(out.resolve("benchmarks.json"))).contains("\"distinct\"", "\"perSecond\"");
        assertThat(Files.readString(out.resolve("benchmarks.svg"))).startsWith("<svg").contains("jooq UNIQUE_CONSTRAINT",
                "spring-integration JdbcMetadataStore");
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("W1 distinct", "W5 batch");
    }

    @Test
    void jmhBenchmarkRunsForEveryBackendAndTheOtherLibrariesOnce() throws Exception {
        Options options = new OptionsBuilder()
                .include(RegistrationBenchmark.class.getSimpleName())
                .param("database", "h2")
                .param("strategy", "UNIQUE_CONSTRAINT")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .threads(2)
                .build();
        var results = new Runner(options).run();
        assertThat(results).hasSize(6 * 2);
        for (RunResult r : results) {
            assertThat(r.getPrimaryResult().getScore()).as(r.getParams().toString()).isPositive();
        }
    }
}
