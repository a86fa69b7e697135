package dev.dedupguard.benchmarks;

import static dev.dedupguard.benchmarks.ContentionReport.find;
import static dev.dedupguard.benchmarks.ContentionReport.fmt;
import static dev.dedupguard.benchmarks.ContentionReport.ratio;

import dev.dedupguard.Strategy;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Renders one run's results as Markdown, JSON and an SVG chart. */
final class ReportWriter {
    private ReportWriter() {
    }

    private static String label(String backend, Strategy s) {
        return backend + " " + s;
    }

    static String markdown(ContentionReport.Results r, String args) {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks: registering the same file under contention\n\n");
        md.append("Produced by `mvn -B -ntp -q -pl dedup-benchmarks -am package -DskipTests exec:java")
                .append(args.isBlank() ? "" : " -Dexec.args=\"" + args + "\"").append("`. Every figure below was ")
                .append("measured in this run; each ratio is against the raw JDBC baseline (one `INSERT ... ON CONFLICT ")
                .append("DO NOTHING RETURNING id` on PostgreSQL, a plain `INSERT` whose duplicate-key error is caught on ")
                .append("H2 and MariaDB, and a commit per file: 2 round trips for a new file) measured in the same run, ")
                .append("on the same pool and database, unless it says otherwise. Beside it runs the **one-round-trip** ")
                .append("raw subject: the same statement in auto-commit (`INSERT ... RETURNING id` on MariaDB), one round ")
                .append("trip for a new file, the least a registration can cost: the physical limit of the job. Every ")
                .append("cell also gives the database server's CPU per registration (its processes, from `/proc`), ")
                .append("beside the client's, and the round trips per call. The remote profile measures W1 again with ")
                .append("every byte between client and server delayed by a proxy, as across a network. Timings on a ")
                .append("2-core machine are noisy: read ratios, not absolute numbers, and rerun on your own database ")
                .append("with `--database jdbc:postgresql://...`.\n\n");
        int rounds = r.profile().rounds();
        md.append("Profile `").append(r.profile().name()).append("`: ").append(rounds == 1 ? "one round; every ratio is "
                + "a single measurement (use `--profile stable` for medians and spreads)" : rounds + " rounds per thread "
                + "count; each round measures every subject once, in an order rotated by one subject per round, and a "
                + "ratio is taken between the subject and the baseline of the same round. A figure is the median "
                + "across rounds, followed by the range (min-max) of the rounds in parentheses").append(". The database "
                + "server, the client threads and the JIT share the machine's cores; on a shared 2-core machine a "
                + "round-to-round spread of 10-20% is normal.\n\n");

        md.append("## Environment\n\n| | |\n| --- | --- |\n");
        r.environment().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));

        md.append("\n## The design note's comparison table, measured\n\n");
        md.append("The note claimed: no lock never blocks and races; `SELECT FOR UPDATE` blocks the same file briefly "
                + "(\"10-50 ms\"); a unique constraint \"fails instantly\" with no performance impact. Measured:\n\n");
        md.append("| strategy | backend | blocks a different file? (W4) | blocks the same file? (W4) | duplicates admitted "
                + "(W2) | throughput vs baseline, 1 / 16 threads (W1) | SQL round trips, new / duplicate | what a "
                + "loser gets (W2) |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        int maxThreads = r.profile().threads().get(r.profile().threads().size() - 1);
        for (Strategy s : ContentionReport.STRATEGIES) {
            for (String backend : ContentionReport.BACKENDS) {
                String subject = label(backend, s);
                Workloads.Held sameStripe = find(r.held(), h -> h.subject().equals(subject)
                        && h.scenario().equals("other file, same lock stripe"));
                Workloads.Held otherStripe = find(r.held(), h -> h.subject().equals(subject)
                        && h.scenario().startsWith("other file, same case"));
                Workloads.Held same = find(r.held(), h -> h.subject().equals(subject) && h.scenario().equals("same file"));
                List<Workloads.HotFile> hot = r.hot().stream().filter(h -> h.subject().equals(subject)).toList();
                long dupRows = hot.stream().mapToLong(Workloads.HotFile::duplicateRows).sum();
                long keys = hot.stream().mapToLong(Workloads.HotFile::keys).sum();
                Map<String, Long> losers = new TreeMap<>();
                hot.forEach(h -> h.loserOutcomes().forEach((k, v) -> losers.merge(k, v, Long::sum)));
                ContentionReport.RoundTrips rt = find(r.roundTrips(), x -> x.subject().equals(subject));
                md.append("| ").append(s).append(" | ").append(backend).append(" | ")
                        .append(blocks(otherStripe) ? "**yes** (" + ms(otherStripe.waitedMillis()) + ")"
                                : blocks(sameStripe) ? "only a file on the same lock stripe (1 in "
                                + BenchDatabase.STRIPES + "): " + ms(sameStripe.waitedMillis()) : "no")
                        .append(" | ").append(blocks(same) ? "yes, until the holder commits: "
                                + ms(same.waitedMillis()) + ", then: " + same.outcome() : "no: " + same.outcome())
                        .append(" | ").append(dupRows == 0 ? "0 of " + keys + " keys" : "**" + dupRows
                                + " extra rows for " + keys + " keys**")
                        .append(" | ").append(fmt(ratio(r.distinct(), subject, 1))).append("x / ")
                        .append(fmt(ratio(r.distinct(), subject, maxThreads))).append("x")
                        .append(" | ").append(rt.newFile()).append(" / ").append(rt.duplicate())
                        .append(" | ").append(losers).append(" |\n");
            }
        }
        ContentionReport.RoundTrips base = find(r.roundTrips(), x -> x.subject().startsWith(Subject.BASELINE));
        ContentionReport.RoundTrips one = find(r.roundTrips(), x -> x.subject().startsWith(Subject.ONE_ROUND_TRIP));
        md.append("\nThe baseline needs ").append(base.newFile()).append(" round trips for a new file and ")
                .append(base.duplicate()).append(" for a duplicate, the one-round-trip subject ").append(one.newFile())
                .append(" and ").append(one.duplicate()).append(" (statements and commits at the JDBC boundary")
                .append(base.exchangesNewFile() < 0 ? "" : "; the driver's exchanges with the server: "
                        + base.exchangesNewFile() + " / " + base.exchangesDuplicate() + " and " + one.exchangesNewFile()
                        + " / " + one.exchangesDuplicate())
                .append("). Blocking is counted when the second registration waited at least 90% of the ")
                .append(r.profile().hold().toMillis()).append(" ms the first kept its transaction open.\n");

        md.append("\n## Targets\n\nEach throughput target is checked on the median ratio at every thread count; "
                + "the lowest median is the one that decides. A MISS says by how much, and what the CPU figures (client "
                + "and server, per registration, medians at that thread count) and the round trips per call say.\n\n"
                + "| target | measured in this run | verdict |\n| --- | --- | --- |\n");
        for (Target t : targets(r)) {
            md.append("| ").append(t.what).append(" | ").append(t.measured).append(" | ")
                    .append(t.met ? "PASS" : "**MISS** " + t.why).append(" |\n");
        }

        throughputTable(md, "W1: distinct files (every registration a new key)", r.distinct(), r.profile().threads());
        throughputTable(md, "W3: re-uploads (10% of registrations repeat a stored key)", r.reuploads(),
                r.profile().threads());
        oneRoundTripTable(md, r);
        costTable(md, "W1", r.distinct(), r.profile().threads());
        costTable(md, "W3", r.reuploads(), r.profile().threads());
        remote(md, r);
        alternatives(md, r);

        md.append("\n## W2: hot file (every racer registers the same new key at the same instant)\n\n")
                .append("| subject | racers | keys | keys with exactly one winner | duplicate rows | exceptions to callers"
                        + " | loser outcomes | loser latency p50 / p99 |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Workloads.HotFile h : r.hot()) {
            md.append("| ").append(h.subject()).append(" | ").append(h.racers()).append(" | ").append(h.keys())
                    .append(" | ").append(h.keysWithOneWinner()).append(" | ").append(h.duplicateRows()).append(" | ")
                    .append(h.exceptions()).append(h.stalls() > 0 ? " (**stalled " + h.stalls() + "x**: sessions ended "
                            + "after " + Workloads.STALL.toSeconds() + " s without progress)" : "").append(" | ")
                    .append(h.loserOutcomes()).append(" | ")
                    .append(ms(h.loserP50Millis())).append(" / ").append(ms(h.loserP99Millis())).append(" |\n");
        }

        md.append("\n## W4: held transaction (the first registrant keeps its transaction open for ")
                .append(r.profile().hold().toMillis()).append(" ms)\n\n")
                .append("| subject | second registration | waited | and got |\n| --- | --- | --- | --- |\n");
        for (Workloads.Held h : r.held()) {
            md.append("| ").append(h.subject()).append(" | ").append(h.scenario()).append(" | ")
                    .append(h.waitedMillis() == 0 ? "no" : ms(h.waitedMillis())).append(" | ").append(h.outcome())
                    .append(" |\n");
        }

        md.append("\n## W5: batch (`registerAll` of ").append(r.profile().batchFiles()).append(" new files vs as many "
                + "single registrations, one thread; ").append(r.profile().batchRounds())
                .append(" measurement(s) per subject; medians)\n\nClient CPU: the calling thread's; server CPU: "
                        + "the database server's processes during the call(s); round trips: the driver's exchanges "
                        + "with the server. Raw multi-row insert: as many other new files stored without the library in "
                        + "one transaction (PostgreSQL: one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING "
                        + "RETURNING id` of arrays; MariaDB: `INSERT IGNORE ... VALUES` chunks of 500), the job's "
                        + "physical limit: its time, its speedup over the same singles, and its client / server CPU.\n\n"
                        + "| subject | registerAll | singles | speedup | client CPU, registerAll / "
                        + "singles | server CPU, registerAll / singles | round trips, registerAll / singles | raw "
                        + "multi-row insert |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (String subject : r.batches().stream().map(Workloads.Batch::subject).distinct().toList()) {
            List<Workloads.Batch> bs = r.batches().stream().filter(b -> b.subject().equals(subject)).toList();
            md.append("| ").append(subject).append(" | ")
                    .append(ms(median(bs, Workloads.Batch::batchMillis))).append(" | ")
                    .append(ms(median(bs, Workloads.Batch::singlesMillis))).append(" | ")
                    .append(speedup(r, subject).ratio()).append(" | ")
                    .append(ms(median(bs, b -> b.batchClientCpuNanos() / 1e6))).append(" / ")
                    .append(ms(median(bs, b -> b.singlesClientCpuNanos() / 1e6))).append(" | ")
                    .append(orDash(median(bs, b -> nanOr(b.batch().serverNanos()) / 1e6), ReportWriter::ms))
                    .append(" / ")
                    .append(orDash(median(bs, b -> nanOr(b.singles().serverNanos()) / 1e6), ReportWriter::ms))
                    .append(" | ")
                    .append(orDash(median(bs, b -> nanOr(b.batch().exchanges())), ReportWriter::count))
                    .append(" / ")
                    .append(orDash(median(bs, b -> nanOr(b.singles().exchanges())), ReportWriter::count))
                    .append(" | ").append(raw(bs)).append(" |\n");
        }

        md.append("\n## SQL round trips per registration\n\n")
                .append("Counted at the JDBC boundary (`CountingDataSource`: each executed statement, commit, rollback "
                        + "and savepoint call) for one registration after a warm-up one, on one connection. Own: the "
                        + "guard's own transaction, its commit included. Joined: inside a transaction of the caller's, "
                        + "without the caller's begin and commit. Driver exchanges: what the network sees for the same "
                        + "own-transaction calls (a send after a receive begins one): it includes what a driver sends "
                        + "for `setAutoCommit` or `setTransactionIsolation`, and counts statements the driver pipelines "
                        + "in one message as one.\n\n")
                .append("| subject | own: new file | own: duplicate | joined: new file | joined: duplicate | driver "
                        + "exchanges: new file / duplicate |\n| --- | --- | --- | --- | --- | --- |\n");
        r.roundTrips().forEach(x -> md.append("| ").append(x.subject()).append(" | ").append(x.newFile())
                .append(" | ").append(x.duplicate()).append(" | ").append(x.joinedNewFile() < 0 ? "-" : x.joinedNewFile())
                .append(" | ").append(x.joinedDuplicate() < 0 ? "-" : x.joinedDuplicate()).append(" | ")
                .append(x.exchangesNewFile() < 0 ? "-" : x.exchangesNewFile() + " / " + x.exchangesDuplicate())
                .append(" |\n"));

        md.append("\n## Reproduce\n\n```bash\n# this report (stable profile, about 20 min on 2 cores; embedded PostgreSQL; "
                + "--database h2|mariadb or a JDBC URL),\n# written to dedup-benchmarks/target/contention-report; "
                + "add --out docs to replace the committed one\n"
                + "mvn -B -ntp -q -pl dedup-benchmarks -am package -DskipTests exec:java -Dexec.args=\"--profile stable\"\n"
                + "# allocation per registration as JMH measures it (gc.alloc.rate.norm, bytes per operation)\n"
                + "java -jar dedup-benchmarks/target/benchmarks.jar RegistrationBenchmark.distinctFiles -p database=postgres "
                + "-p strategy=UNIQUE_CONSTRAINT -f 1 -wi 1 -w 2s -i 3 -r 2s -t 4 -prof gc\n"
                + "# JMH, about 90 s: W1/W3 for one strategy on embedded PostgreSQL, 4 threads (JMH's defaults: ~5 hours)\n"
                + "java -jar dedup-benchmarks/target/benchmarks.jar RegistrationBenchmark -p database=postgres "
                + "-p strategy=UNIQUE_CONSTRAINT -f 1 -wi 1 -w 2s -i 3 -r 2s -t 4\n"
                + "# a CPU profile of one subject (async-profiler flame graph, or --profiler jfr), see docs/performance.md\n"
                + "mvn -B -ntp -q -pl dedup-benchmarks -am package -DskipTests exec:java "
                + "-Dexec.mainClass=dev.dedupguard.benchmarks.ProfileSubject "
                + "-Dexec.args=\"--subject jooq:UNIQUE_CONSTRAINT --threads 4\"\n```\n\n"
                + "Charts: `benchmarks.svg` (W1 throughput as a ratio to the baseline, on loopback and through the "
                + "proxy); raw figures: `benchmarks.json`.\n");
        return md.toString();
    }

    private static boolean blocks(Workloads.Held h) {
        return h.waitedMillis() > 0;
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, millis < 10 ? "%.1f ms" : "%.0f ms", millis);
    }

    private static void throughputTable(StringBuilder md, String title, List<Workloads.Throughput> cells,
            List<Integer> threads) {
        md.append("\n## ").append(title).append("\n\nRegistrations per second (median across rounds), and the ratio to "
                + "the baseline of the same round at the same thread count: median (min-max).\n\n");
        header(md, threads);
        for (String s : subjects(cells)) {
            md.append("| ").append(shortName(s)).append(" |");
            for (int t : threads) {
                List<Workloads.Throughput> rounds = ContentionReport.rounds(cells, s, t);
                double perSecond = ContentionReport.Spread.of(rounds.stream().map(Workloads.Throughput::perSecond)
                        .toList()).median();
                md.append(String.format(Locale.ROOT, " %.0f/s", perSecond));
                if (!s.startsWith(Subject.BASELINE)) {
                    md.append(" (").append(ContentionReport.ratios(cells, s, t).ratio()).append(")");
                }
                long errors = rounds.stream().mapToLong(Workloads.Throughput::errors).sum();
                if (errors > 0) {
                    md.append(", ").append(errors).append(" errors");
                }
                long stalled = rounds.stream().filter(Workloads.Throughput::stalled).count();
                if (stalled > 0) {
                    md.append(", **stalled in ").append(stalled).append(" round(s)**");
                }
                md.append(" |");
            }
            md.append("\n");
        }
    }

    private static void header(StringBuilder md, List<Integer> threads) {
        md.append("| subject |");
        threads.forEach(t -> md.append(" ").append(t).append(t == 1 ? " thread |" : " threads |"));
        md.append("\n| --- |");
        threads.forEach(t -> md.append(" --- |"));
        md.append("\n");
    }

    private static List<String> subjects(List<Workloads.Throughput> cells) {
        return cells.stream().map(Workloads.Throughput::subject).distinct().toList();
    }

    /** {@code baseline}, {@code one-round-trip}, {@code spring-integration}, {@code camel}, or the guard's label. */
    static String shortName(String label) {
        for (String prefix : List.of(Subject.BASELINE, Subject.ONE_ROUND_TRIP)) {
            if (label.startsWith(prefix)) {
                return prefix;
            }
        }
        return label;
    }

    /** The ratio of every subject to the one-round-trip subject of the same round, W1 and W3. */
    private static void oneRoundTripTable(StringBuilder md, ContentionReport.Results r) {
        md.append("\n## Against the one-round-trip raw subject\n\nThe ratio of each subject to the one-round-trip "
                + "subject (raw JDBC, auto-commit: one round trip for a new file) of the same round, median (min-max); "
                + "W1 / W3.\n\n");
        header(md, r.profile().threads());
        for (String s : subjects(r.distinct())) {
            if (s.startsWith(Subject.ONE_ROUND_TRIP)) {
                continue;
            }
            md.append("| ").append(shortName(s)).append(" |");
            for (int t : r.profile().threads()) {
                md.append(" ").append(ContentionReport.paired(r.distinct(), s, Subject.ONE_ROUND_TRIP, t).ratio())
                        .append(" / ").append(ContentionReport.paired(r.reuploads(), s, Subject.ONE_ROUND_TRIP, t)
                                .ratio()).append(" |");
            }
            md.append("\n");
        }
    }

    private static void costTable(StringBuilder md, String workload, List<Workloads.Throughput> cells,
            List<Integer> threads) {
        md.append("\n## Cost per registration (").append(workload).append(")\n\n"
                + "Medians across rounds, per registration: **client** CPU (the registering threads' CPU time, "
                + "`ThreadMXBean`, the driver's work included), **server** CPU (the database server's processes, user + "
                + "system time from `/proc`, background work during the cell included; see the environment for what "
                + "is counted), heap allocated by the registering threads, and **round trips per call** (the "
                + "driver's exchanges with the server during the cell, divided by the calls). The JMH benchmark gives "
                + "the same allocation figure with `-prof gc` (see Reproduce). Cells: client us + server us CPU, KiB, "
                + "round trips.\n\n");
        header(md, threads);
        for (String s : subjects(cells)) {
            md.append("| ").append(shortName(s)).append(" |");
            for (int t : threads) {
                md.append(" ").append(cost(cells, s, t)).append(" |");
            }
            md.append("\n");
        }
    }

    /** {@code 38 + 104 us, 10.5 KiB, 2.00 rt} for one subject at one thread count. */
    private static String cost(List<Workloads.Throughput> cells, String subject, int threads) {
        List<Workloads.Throughput> rounds = ContentionReport.rounds(cells, subject, threads);
        return String.format(Locale.ROOT, "%.0f + %s us, %.1f KiB, %s rt",
                median(rounds, Workloads.Throughput::cpuMicrosPerRegistration),
                orDash(median(rounds, Workloads.Throughput::serverMicrosPerRegistration), v -> String.format(
                        Locale.ROOT, "%.0f", v)),
                median(rounds, Workloads.Throughput::bytesPerRegistration) / 1024,
                orDash(median(rounds, Workloads.Throughput::roundTripsPerCall), v -> String.format(Locale.ROOT,
                        "%.2f", v)));
    }

    /** The remote profile: per delay, throughput and ratios, and the cost per registration. */
    private static void remote(StringBuilder md, ContentionReport.Results r) {
        if (r.remote().isEmpty()) {
            return;
        }
        md.append("\n## Remote database: every byte through a delaying proxy (W1)\n\n"
                + "The same subjects on a pool of the same settings whose connections reach the same server through a "
                + "TCP proxy in the client JVM (`DelayProxy`) that delays each chunk of bytes by a fixed one-way delay "
                + "in each direction: a delay line, so messages sent without waiting are not serialised, nothing is "
                + "reordered and bandwidth is not limited. The proxy's threads share the client's cores; their CPU is "
                + "given apart (proxy us per registration). `tc netem` is not available on the machine the committed "
                + "report ran on.\n");
        for (ContentionReport.RemoteRun run : r.remote()) {
            List<Integer> threads = run.distinct().stream().map(Workloads.Throughput::threads).distinct().toList();
            md.append("\n### ").append(ContentionReport.remoteName(run.oneWay())).append(" each way\n\n")
                    .append(String.format(Locale.ROOT, "A raw `SELECT 1` through the proxy: %.2f ms per round trip "
                            + "(median of %d). Registrations per second, ratio to the baseline and (second) to Spring "
                            + "Integration of the same round:\n\n", run.selectOneMillis(), ContentionReport.PING_COUNT));
            header(md, threads);
            for (String s : subjects(run.distinct())) {
                md.append("| ").append(shortName(s)).append(" |");
                for (int t : threads) {
                    md.append(String.format(Locale.ROOT, " %.0f/s", median(ContentionReport.rounds(run.distinct(), s,
                            t), Workloads.Throughput::perSecond)));
                    if (!s.startsWith(Subject.BASELINE)) {
                        md.append(" (").append(ContentionReport.ratios(run.distinct(), s, t).ratio());
                        if (!s.startsWith(Subject.SPRING_INTEGRATION)) {
                            md.append("; ").append(ContentionReport.paired(run.distinct(), s,
                                    Subject.SPRING_INTEGRATION, t).ratio());
                        }
                        md.append(")");
                    }
                    md.append(" |");
                }
                md.append("\n");
            }
            md.append("\nCost per registration (client us + server us CPU, KiB, round trips per call; proxy us):\n\n");
            header(md, threads);
            for (String s : subjects(run.distinct())) {
                md.append("| ").append(shortName(s)).append(" |");
                for (int t : threads) {
                    md.append(" ").append(cost(run.distinct(), s, t)).append("; ")
                            .append(orDash(median(ContentionReport.rounds(run.distinct(), s, t),
                                    Workloads.Throughput::proxyMicrosPerRegistration), v -> String.format(
                                            Locale.ROOT, "%.0f", v))).append(" |");
                }
                md.append("\n");
            }
        }
    }

    /** The median of {@code f} over {@code items}, ignoring NaN; NaN when nothing is left. */
    static <T> double median(List<T> items, java.util.function.ToDoubleFunction<T> f) {
        List<Double> values = items.stream().map(f::applyAsDouble).filter(v -> !Double.isNaN(v)).toList();
        return values.isEmpty() ? Double.NaN : ContentionReport.Spread.of(values).median();
    }

    private static double nanOr(long measured) {
        return measured < 0 ? Double.NaN : measured;
    }

    private static String orDash(double v, java.util.function.DoubleFunction<String> format) {
        return Double.isNaN(v) ? "-" : format.apply(v);
    }

    private static String count(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static void alternatives(StringBuilder md, ContentionReport.Results r) {
        md.append("\n## The other libraries, as their documentation prescribes\n\n"
                + "- **Spring Integration** `JdbcMetadataStore.putIfAbsent` (spring-integration-jdbc "
                + version(org.springframework.integration.jdbc.metadata.JdbcMetadataStore.class)
                + "), each call in a `TransactionTemplate` over a `DataSourceTransactionManager`, on `INT_METADATA_STORE` "
                + "created by the schema script shipped in its jar for this database. The metadata key is "
                + "`scope:hash:name` (the guard's whole key); the value is a registration number handed out by the "
                + "benchmark, so a duplicate answers with the winner's number. On PostgreSQL its insert ends in "
                + "`ON CONFLICT DO NOTHING`; on other databases a racing duplicate's constraint violation is caught "
                + "inside the store.\n"
                + "- **Camel** `JdbcMessageIdRepository.add` (camel-sql "
                + version(org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository.class)
                + "), with a `TransactionTemplate` over a `DataSourceTransactionManager`, on `CAMEL_MESSAGEPROCESSED` "
                + "with Camel's own DDL (primary key on processor name and message id). The message id is "
                + "`scope:hash` (the column holds 100 characters: the file name does not fit, so the same content "
                + "under another name would count as a duplicate). It answers only added / not added, no id. It "
                + "counts, then inserts: a racer that loses between the two gets Spring's `DuplicateKeyException`.\n"
                + "\nBoth are measured in W1, W2 and W3 only: neither has a joined mode to hold (W4) or a batch call "
                + "(W5). A cell marked **stalled** had registrations still running " + Workloads.STALL.toSeconds()
                + " s after it ended: the run ended their database sessions (they count as errors) and went on. "
                + "Their ratios:\n\n| subject | W1, 1 / " + maxThreads(r) + " threads | W3, 1 / "
                + maxThreads(r) + " threads |\n| --- | --- | --- |\n");
        for (String other : List.of("spring-integration JdbcMetadataStore", "camel JdbcMessageIdRepository")) {
            md.append("| ").append(other).append(" | ")
                    .append(ContentionReport.ratios(r.distinct(), other, 1).ratio()).append(" / ")
                    .append(ContentionReport.ratios(r.distinct(), other, maxThreads(r)).ratio()).append(" | ")
                    .append(ContentionReport.ratios(r.reuploads(), other, 1).ratio()).append(" / ")
                    .append(ContentionReport.ratios(r.reuploads(), other, maxThreads(r)).ratio()).append(" |\n");
        }
    }

    /** The version in a class's jar manifest, or "?" when the jar states none. */
    private static String version(Class<?> type) {
        String v = type.getPackage().getImplementationVersion();
        return v == null ? "?" : v;
    }

    private static int maxThreads(ContentionReport.Results r) {
        return r.profile().threads().get(r.profile().threads().size() - 1);
    }

    private static ContentionReport.Spread speedup(ContentionReport.Results r, String subject) {
        return ContentionReport.Spread.of(r.batches().stream().filter(b -> b.subject().equals(subject))
                .map(Workloads.Batch::speedup).toList());
    }

    /** One of the targets, checked against this run. */
    record Target(String what, String measured, boolean met, String why) {
    }

    /** Issue 19's targets and issue 22's (the attempt log's cost), checked against this run. */
    static List<Target> targets(ContentionReport.Results r) {
        List<Target> targets = new ArrayList<>();
        List<Integer> threads = r.profile().threads();
        for (String backend : ContentionReport.BACKENDS) {
            String subject = label(backend, Strategy.UNIQUE_CONSTRAINT);
            for (String workload : List.of("W1", "W3")) {
                List<Workloads.Throughput> cells = workload.equals("W1") ? r.distinct() : r.reuploads();
                String scenario = workload + " loopback";
                targets.add(ratioTarget(r, scenario, cells, threads, subject, Subject.BASELINE, 1.0, false));
                targets.add(ratioTarget(r, scenario, cells, threads, subject, Subject.ONE_ROUND_TRIP, 0.90, false));
                targets.add(ratioTarget(r, scenario, cells, threads, subject, Subject.SPRING_INTEGRATION, 1.0, true));
            }
        }
        for (String backend : ContentionReport.BACKENDS) {
            String subject = label(backend, Strategy.UNIQUE_CONSTRAINT);
            for (String workload : List.of("W1", "W3")) {
                targets.add(ratioTarget(r, workload + " loopback", workload.equals("W1") ? r.distinct() : r.reuploads(),
                        threads, label(backend + Subject.LOGGED, Strategy.UNIQUE_CONSTRAINT), subject, 0.85, false));
            }
        }
        ContentionReport.RemoteRun oneMs = r.remote().stream()
                .filter(x -> x.oneWay().equals(java.time.Duration.ofMillis(1))).findFirst().orElse(null);
        if (oneMs != null) {
            List<Integer> remoteThreads = r.profile().remoteThreads().stream().filter(t -> t <= 4).toList();
            for (String backend : ContentionReport.BACKENDS) {
                String subject = label(backend, Strategy.UNIQUE_CONSTRAINT);
                targets.add(ratioTarget(r, "W1 remote 1 ms", oneMs.distinct(), remoteThreads, subject,
                        Subject.BASELINE, 1.8, false));
                targets.add(ratioTarget(r, "W1 remote 1 ms", oneMs.distinct(), remoteThreads, subject,
                        Subject.SPRING_INTEGRATION, 1.8, false));
            }
        }
        for (String backend : ContentionReport.BACKENDS) {
            targets.add(ratioTarget(r, "W1 loopback", r.distinct(), threads, label(backend, Strategy.SELECT_FOR_UPDATE),
                    Subject.BASELINE, 0.80, false));
        }
        for (String backend : ContentionReport.BACKENDS) {
            targets.add(batchTarget(r, label(backend, Strategy.UNIQUE_CONSTRAINT)));
        }
        for (String backend : ContentionReport.BACKENDS) {
            String subject = label(backend, Strategy.UNIQUE_CONSTRAINT);
            ContentionReport.RoundTrips rt = find(r.roundTrips(), x -> x.subject().equals(subject));
            int extra = Math.max(rt.joinedNewFile() - rt.newFile(), rt.joinedDuplicate() - rt.duplicate());
            targets.add(new Target("Joined " + subject + ": within 1 extra round trip of own mode",
                    "new file " + rt.joinedNewFile() + " joined vs " + rt.newFile() + " own; duplicate "
                    + rt.joinedDuplicate() + " joined vs " + rt.duplicate() + " own (own includes its commit)",
                    extra <= 1, "by " + (extra - 1) + " round trip(s): joined mode wraps the registration in a "
                    + "savepoint (set and release), which own mode does not need"));
        }
        for (Strategy s : List.of(Strategy.SELECT_FOR_UPDATE, Strategy.UNIQUE_CONSTRAINT)) {
            for (String backend : ContentionReport.BACKENDS) {
                String subject = label(backend, s);
                long dups = r.hot().stream().filter(h -> h.subject().equals(subject))
                        .mapToLong(Workloads.HotFile::duplicateRows).sum();
                long exceptions = r.hot().stream().filter(h -> h.subject().equals(subject))
                        .mapToLong(Workloads.HotFile::exceptions).sum();
                long heldBad = r.held().stream().filter(h -> h.subject().equals(subject))
                        .filter(h -> !h.outcome().startsWith("duplicate of the holder") && !h.outcome()
                                .startsWith("stored its own")).count();
                targets.add(new Target("W2/W4 " + subject + ": zero duplicates, zero exceptions",
                        dups + " duplicate rows, " + exceptions + " exceptions, " + heldBad + " bad W4 outcomes",
                        dups == 0 && exceptions == 0 && heldBad == 0, "see the W2 and W4 tables"));
            }
        }
        return targets;
    }

    /**
     * {@code subject}'s throughput against {@code other}'s (a label prefix) of the same round, at every thread count
     * of {@code threads}: at least {@code target} (or above it, {@code strictly}) in the median at each.
     */
    private static Target ratioTarget(ContentionReport.Results r, String scenario, List<Workloads.Throughput> cells,
            List<Integer> threads, String subject, String other, double target, boolean strictly) {
        String otherName = switch (other) {
            case Subject.BASELINE -> "the two-round-trip baseline";
            case Subject.ONE_ROUND_TRIP -> "the one-round-trip raw subject";
            case Subject.SPRING_INTEGRATION -> "Spring Integration's JdbcMetadataStore";
            default -> other + (subject.contains(Subject.LOGGED) ? " (the attempt log off)" : "");
        };
        String shortOther = switch (other) {
            case Subject.BASELINE -> "the baseline";
            case Subject.ONE_ROUND_TRIP -> "the one-round-trip subject";
            case Subject.SPRING_INTEGRATION -> "Spring Integration";
            default -> other;
        };
        double min = Double.MAX_VALUE;
        ContentionReport.Spread worst = null;
        int at = 0;
        StringBuilder all = new StringBuilder();
        for (int t : threads) {
            ContentionReport.Spread ratio = ContentionReport.paired(cells, subject, other, t);
            all.append(all.length() == 0 ? "" : ", ").append(t).append(": ").append(ratio.ratio());
            if (ratio.median() < min) {
                min = ratio.median();
                worst = ratio;
                at = t;
            }
        }
        boolean met = strictly ? min > target : min >= target;
        String spread = worst != null && worst.n() > 1 && (strictly ? worst.max() > target : worst.max() >= target)
                ? "; the best round at " + at + " threads reached " + fmt(worst.max()) + "x, so the miss is within "
                        + "this machine's round-to-round spread"
                : "";
        String why = "by " + fmt(target - min) + "x at " + at + " threads: " + explain(cells, subject, other,
                shortOther, at, scenario.contains("remote") ? remoteRoundTrip(r, cells) : Double.NaN) + spread;
        return new Target(scenario + " " + subject + (strictly ? " above " : " >= " + fmt(target) + "x ") + otherName
                + " at every thread count (" + threads.get(0) + "-" + threads.get(threads.size() - 1) + ")",
                "lowest median " + fmt(min) + "x at " + at + " threads (" + all + ")", met, why);
    }

    /** The {@code SELECT 1} round trip of the remote run {@code cells} belong to, in milliseconds. */
    private static double remoteRoundTrip(ContentionReport.Results r, List<Workloads.Throughput> cells) {
        return r.remote().stream().filter(x -> x.distinct() == cells).mapToDouble(
                ContentionReport.RemoteRun::selectOneMillis).findFirst().orElse(Double.NaN);
    }

    /**
     * What this run's own figures say about a gap between {@code subject} and {@code other} at {@code threads}: client
     * and server CPU per registration, allocation, round trips per call, and where the difference lies.
     */
    static String explain(List<Workloads.Throughput> cells, String subject, String other, String otherName,
            int threads, double roundTripMillis) {
        List<Workloads.Throughput> mine = ContentionReport.rounds(cells, subject, threads);
        List<Workloads.Throughput> theirs = cells.stream().filter(t -> t.subject().startsWith(other)
                && t.threads() == threads).toList();
        double client = median(mine, Workloads.Throughput::cpuMicrosPerRegistration);
        double otherClient = median(theirs, Workloads.Throughput::cpuMicrosPerRegistration);
        double server = median(mine, Workloads.Throughput::serverMicrosPerRegistration);
        double otherServer = median(theirs, Workloads.Throughput::serverMicrosPerRegistration);
        double rt = median(mine, Workloads.Throughput::roundTripsPerCall);
        double otherRt = median(theirs, Workloads.Throughput::roundTripsPerCall);
        StringBuilder why = new StringBuilder(String.format(Locale.ROOT, "per registration, client CPU %.0f us against "
                + "%.0f us for %s (%+.0f), ", client, otherClient, otherName, client - otherClient));
        if (Double.isNaN(server)) {
            why.append("server CPU not measured, ");
        } else {
            why.append(String.format(Locale.ROOT, "server CPU %.0f us against %.0f us (%+.0f), ", server, otherServer,
                    server - otherServer));
        }
        why.append(String.format(Locale.ROOT, "%.1f KiB against %.1f KiB allocated",
                median(mine, Workloads.Throughput::bytesPerRegistration) / 1024,
                median(theirs, Workloads.Throughput::bytesPerRegistration) / 1024));
        if (!Double.isNaN(rt)) {
            why.append(String.format(Locale.ROOT, ", %.2f round trips per call against %.2f", rt, otherRt));
        }
        why.append(". ");
        if (!Double.isNaN(roundTripMillis) && !Double.isNaN(rt)) {
            why.append(String.format(Locale.ROOT, "Through the proxy a round trip costs %.2f ms, so %.2f round trips per "
                    + "call against %.2f are at least %.1f ms against %.1f ms per call and thread, before any CPU: ",
                    roundTripMillis, rt, otherRt, rt * roundTripMillis, otherRt * roundTripMillis));
            why.append(rt >= otherRt - 0.05 ? "with as many round trips the ratio stays near 1; the target needs fewer "
                    + "round trips per call than " + otherName + "."
                    : String.format(Locale.ROOT, "the round trips alone allow %.2fx.", otherRt / rt));
        } else if (!Double.isNaN(rt) && rt > otherRt + 0.05) {
            why.append(String.format(Locale.ROOT, "It makes %.2f more round trips per call.", rt - otherRt));
        } else if (!Double.isNaN(server)) {
            double extraClient = client - otherClient;
            double extraServer = server - otherServer;
            if (extraClient + extraServer <= 0) {
                why.append("It does no more CPU work per registration than ").append(otherName).append(", so the gap "
                        + "is waiting (locks, scheduling on shared cores) or this round's noise.");
            } else {
                why.append(String.format(Locale.ROOT, "The same round trips; %.0f us more CPU per registration, %s.",
                        extraClient + extraServer, extraServer > extraClient ? "most of it on the server (the SQL "
                                + "it sends costs the server more)" : "most of it on the client (its own per-call "
                                + "work), which on a machine shared with the server is taken from the server"));
            }
        } else {
            why.append("The same round trips; the client CPU difference is what the client adds.");
        }
        return why.toString();
    }

    private static Target batchTarget(ContentionReport.Results r, String subject) {
        ContentionReport.Spread b = speedup(r, subject);
        List<Workloads.Batch> bs = r.batches().stream().filter(x -> x.subject().equals(subject)).toList();
        String figures = String.format(Locale.ROOT, "registerAll(%d) %s against singles %s; client CPU %s against %s; "
                        + "server CPU %s against %s; round trips %s against %s", r.profile().batchFiles(),
                ms(median(bs, Workloads.Batch::batchMillis)), ms(median(bs, Workloads.Batch::singlesMillis)),
                ms(median(bs, x -> x.batchClientCpuNanos() / 1e6)), ms(median(bs, x -> x.singlesClientCpuNanos() / 1e6)),
                orDash(median(bs, x -> nanOr(x.batch().serverNanos()) / 1e6), ReportWriter::ms),
                orDash(median(bs, x -> nanOr(x.singles().serverNanos()) / 1e6), ReportWriter::ms),
                orDash(median(bs, x -> nanOr(x.batch().exchanges())), ReportWriter::count),
                orDash(median(bs, x -> nanOr(x.singles().exchanges())), ReportWriter::count));
        double rawSpeedup = median(bs, Workloads.Batch::rawSpeedup);
        String limit = Double.isNaN(rawSpeedup) ? "" : "; the same number of new files stored without the library as one "
                + "raw multi-row insert in one transaction (the physical limit) took " + raw(bs)
                + (rawSpeedup < 10 ? ", so 10x is beyond this machine's physical limit for this job" : "");
        return new Target("W5 " + subject + ": registerAll(" + r.profile().batchFiles() + ") >= 10x as fast as as many "
                + "single registrations", b.ratio(), b.median() >= 10, "by " + fmt(10 - b.median()) + "x: "
                + figures + limit);
    }

    /** The raw multi-row insert of a subject's W5 measurements: time, speedup over the singles, client / server CPU. */
    private static String raw(List<Workloads.Batch> bs) {
        double speedup = median(bs, Workloads.Batch::rawSpeedup);
        if (Double.isNaN(speedup)) {
            return "-";
        }
        return ms(median(bs, Workloads.Batch::rawMillis)) + " (" + fmt(speedup) + "x; client CPU "
                + ms(median(bs, x -> x.rawClientCpuNanos() / 1e6)) + ", server CPU "
                + orDash(median(bs, x -> nanOr(x.raw().serverNanos()) / 1e6), ReportWriter::ms) + ")";
    }

    static String json(ContentionReport.Results r) {
        StringBuilder sb = new StringBuilder();
        value(sb, r, 0);
        return sb.append('\n').toString();
    }

    private static void value(StringBuilder sb, Object v, int indent) {
        String pad = "  ".repeat(indent + 1);
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String || v instanceof Enum<?>) {
            sb.append('"').append(v.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : v.toString());
        } else if (v instanceof Duration d) {
            sb.append(d.toMillis());
        } else if (v instanceof Map<?, ?> m) {
            sb.append("{");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(i++ == 0 ? "\n" : ",\n").append(pad).append('"').append(e.getKey()).append("\": ");
                value(sb, e.getValue(), indent + 1);
            }
            sb.append("\n").append("  ".repeat(indent)).append("}");
        } else if (v instanceof Collection<?> c) {
            sb.append("[");
            int i = 0;
            for (Object o : c) {
                sb.append(i++ == 0 ? "\n" : ",\n").append(pad);
                value(sb, o, indent + 1);
            }
            sb.append("\n").append("  ".repeat(indent)).append("]");
        } else if (v instanceof Record rec) {
            Map<String, Object> fields = new java.util.LinkedHashMap<>();
            for (RecordComponent rc : rec.getClass().getRecordComponents()) {
                try {
                    fields.put(rc.getName(), rc.getAccessor().invoke(rec));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (rec instanceof Workloads.Throughput t) {
                fields.put("perSecond", t.perSecond());
            }
            value(sb, fields, indent);
        } else {
            value(sb, v.toString(), indent);
        }
    }

    /**
     * W1 throughput of the one-round-trip subject, each guard and the other libraries as a ratio to the baseline,
     * grouped by thread count: on loopback, and (a second panel) through the proxy at the largest delay.
     */
    static String svg(ContentionReport.Results r) {
        List<String> subjects = new ArrayList<>();
        subjects.add(find(r.distinct(), t -> t.subject().startsWith(Subject.ONE_ROUND_TRIP)).subject());
        for (String backend : ContentionReport.BACKENDS) {
            for (Strategy s : ContentionReport.STRATEGIES) {
                subjects.add(label(backend, s));
            }
        }
        subjects.add("spring-integration JdbcMetadataStore");
        subjects.add("camel JdbcMessageIdRepository");
        int width = 1060;
        int panel = 400;
        ContentionReport.RemoteRun far = r.remote().isEmpty() ? null : r.remote().get(r.remote().size() - 1);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">\n", width, far == null ? panel + 20 : 2 * panel + 20));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        chart(svg, 0, width, "W1 distinct files: throughput as a ratio to the raw JDBC baseline ("
                + r.environment().get("database") + ")", r.distinct(), r.profile().threads(), subjects);
        if (far != null) {
            chart(svg, panel, width, "The same through a proxy adding " + ContentionReport.remoteName(far.oneWay())
                    + " each way (SELECT 1: " + String.format(Locale.ROOT, "%.2f", far.selectOneMillis()) + " ms)",
                    far.distinct(), r.profile().remoteThreads(), subjects);
        }
        return svg.append("</svg>\n").toString();
    }

    private static void chart(StringBuilder svg, int y0, int width, String title, List<Workloads.Throughput> cells,
            List<Integer> threads, List<String> subjects) {
        String[] colors = {"#555555", "#c7c7c7", "#6baed6", "#2171b5", "#fdae6b", "#e6550d", "#a63603", "#74c476",
            "#9e9ac8"};
        int left = 60;
        int top = y0 + 40;
        int plotH = 300;
        int groupW = (width - left - 310) / threads.size();
        int barW = (groupW - 16) / subjects.size();
        double max = 1.2;
        for (String s : subjects) {
            for (int t : threads) {
                max = Math.max(max, ratio(cells, s, t) * 1.1);
            }
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"15\">%s</text>\n", left, y0 + 22,
                title));
        for (double tick = 0; tick <= max; tick += max > 3 ? 0.5 : 0.25) {
            double y = top + plotH - tick / max * plotH;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", left, left + groupW
                            * threads.size(), y, y, tick == 1.0 ? "black" : "#eeeeee", left - 6, y + 4, tick));
        }
        for (int g = 0; g < threads.size(); g++) {
            int gx = left + g * groupW + 8;
            for (int i = 0; i < subjects.size(); i++) {
                double ratio = ratio(cells, subjects.get(i), threads.get(g));
                double h = ratio / max * plotH;
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                                + "fill=\"%s\"><title>%s, %d threads: %.2fx</title></rect>\n", gx + i * barW,
                        top + plotH - h, barW - 2, h, colors[i], shortName(subjects.get(i)), threads.get(g), ratio));
            }
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d thread%s</text>\n",
                    gx + groupW / 2 - 8, top + plotH + 18, threads.get(g), threads.get(g) == 1 ? "" : "s"));
        }
        for (int i = 0; i < subjects.size(); i++) {
            int y = top + 20 + i * 22;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>\n", width - 290, y, colors[i], width - 270, y + 12,
                    shortName(subjects.get(i))));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">1.00 = the baseline in the same run</text>\n",
                width - 290, top + 20 + subjects.size() * 22 + 16));
    }
}
