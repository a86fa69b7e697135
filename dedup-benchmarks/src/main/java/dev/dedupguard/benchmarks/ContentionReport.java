package dev.dedupguard.benchmarks;

import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.CountingDataSource;
import jakarta.persistence.EntityManagerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * Runs every workload on every subject (the raw JDBC baseline, and jOOQ and JPA with each strategy) in one run, and
 * writes {@code benchmarks.md}, {@code benchmarks.json} and {@code benchmarks.svg} into the output folder: the design
 * note's comparison table with measured columns, the per-workload tables, the targets, and the environment.
 *
 * <p>The workloads: W1 distinct files (every registration a new key), W2 a hot file (N racers register the same new
 * key at the same instant), W3 re-uploads (10% of registrations repeat a stored key), W4 a held transaction (the
 * first registrant keeps its transaction open; does a second one wait?), W5 a batch ({@code registerAll} against as
 * many single registrations). Options: see {@link #USAGE}.
 */
public final class ContentionReport {
    static final List<String> BACKENDS = List.of("jooq", "jpa");
    static final List<Strategy> STRATEGIES = List.of(Strategy.NO_LOCK, Strategy.SELECT_FOR_UPDATE,
            Strategy.UNIQUE_CONSTRAINT);

    /**
     * How long each measurement runs. Every thread count is measured in {@code rounds} rounds; each round measures
     * every subject once, in an order rotated by one subject per round, so that no subject always runs first or last;
     * the report takes the median across rounds and shows the spread. The remote profile measures W1 again through a
     * proxy that adds each of {@code delays} to each direction, at {@code remoteThreads}, in {@code remoteRounds}
     * rounds (latency-bound cells vary less). {@code prefill} rows of negative cases stay in every table throughout.
     */
    record Profile(String name, List<Integer> threads, Duration cell, Duration warmup, int rounds, List<Integer> racers,
            int hotKeys, Duration hold, int batchFiles, List<Duration> delays, List<Integer> remoteThreads,
            int remoteRounds, int prefill) {
        private static final List<Duration> DELAYS = List.of(Duration.ofNanos(250_000), Duration.ofMillis(1));

        static Profile of(String name) {
            return switch (name) {
                case "quick" -> new Profile(name, List.of(1, 2, 4, 8, 16), Duration.ofMillis(1000),
                        Duration.ofMillis(300), 1, List.of(4, 16), 30, Duration.ofMillis(50), 1000, DELAYS,
                        List.of(1, 2, 4), 1, BenchDatabase.PREFILL);
                case "stable" -> new Profile(name, List.of(1, 2, 4, 8, 16), Duration.ofMillis(1200),
                        Duration.ofMillis(300), 5, List.of(4, 16), 30, Duration.ofMillis(50), 1000, DELAYS,
                        List.of(1, 2, 4), 3, BenchDatabase.PREFILL);
                case "full" -> new Profile(name, List.of(1, 2, 4, 8, 16), Duration.ofSeconds(5), Duration.ofSeconds(2),
                        3, List.of(2, 4, 8, 16), 200, Duration.ofMillis(50), 1000, DELAYS, List.of(1, 2, 4, 8, 16), 3,
                        BenchDatabase.PREFILL);
                case "smoke" -> new Profile(name, List.of(1, 2), Duration.ofMillis(100), Duration.ofMillis(20), 2,
                        List.of(2), 3, Duration.ofMillis(50), 20, List.of(Duration.ofMillis(1)), List.of(1, 2), 1, 500);
                default -> throw new IllegalArgumentException("--profile must be quick, stable or full, was " + name);
            };
        }

        /** How often W5 is measured: every round, at most three times (each takes seconds). */
        int batchRounds() {
            return Math.min(rounds, 3);
        }
    }

    /** The median of a set of measurements and its range. */
    record Spread(double median, double min, double max, int n) {
        static Spread of(List<Double> values) {
            if (values.isEmpty()) {
                throw new IllegalArgumentException("no values");
            }
            List<Double> sorted = values.stream().sorted().toList();
            int n = sorted.size();
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            return new Spread(median, sorted.get(0), sorted.get(n - 1), n);
        }

        /** {@code 0.93x (0.88-0.97)}, or just the median for one measurement. */
        String ratio() {
            return fmt(median) + "x" + (n > 1 ? " (" + fmt(min) + "-" + fmt(max) + ")" : "");
        }
    }

    /**
     * Round trips of one registration of a new file and of a duplicate, in the guard's own transaction and, for the
     * guards, joined to a transaction of the caller's (-1: not measured); the joined figures exclude the caller's own
     * begin and commit. Counted twice: statements, commits, rollbacks and savepoint calls at the JDBC boundary
     * ({@code CountingDataSource}), and the driver's exchanges with the server at its socket (-1 on H2), which also
     * see what a driver sends for {@code setAutoCommit}, a pool's validation, and what it pipelines.
     */
    record RoundTrips(String subject, int newFile, int duplicate, int joinedNewFile, int joinedDuplicate,
            long exchangesNewFile, long exchangesDuplicate) {
    }

    /**
     * W1 through a delaying proxy: the one-way delay, the round trip of a raw {@code SELECT 1} through it (median of
     * {@value #PING_COUNT}, milliseconds) and the cells.
     */
    record RemoteRun(Duration oneWay, double selectOneMillis, List<Workloads.Throughput> distinct) {
    }

    /** Everything one run measured. */
    record Results(Map<String, String> environment, Profile profile, List<Workloads.Throughput> distinct,
            List<Workloads.Throughput> reuploads, List<Workloads.HotFile> hot, List<Workloads.Held> held,
            List<Workloads.Batch> batches, List<RoundTrips> roundTrips, List<RemoteRun> remote) {
    }

    static final int PING_COUNT = 200;

    private ContentionReport() {
    }

    /** The options, as {@code --help} prints them. */
    static final String USAGE = """
            usage: ContentionReport [options]
              --database postgres|h2|mariadb|URL  embedded PostgreSQL 17 (default), in-process H2, embedded MariaDB 11.4,
                                           or a jdbc:postgresql: URL
                                           (user and password as URL parameters)
              --profile quick|stable|full  quick: one round, about 5 min on 2 cores (default); stable: 5 interleaved
                                           rounds (3 for the remote profile), medians and spreads, about 20 min
                                           (the committed report); full: 5 s cells, 3 rounds, more racers
              --out DIR                    where the report goes (default: the module's target/contention-report);
                                           --out docs replaces the committed report
              --help                       this text
            """;

    /**
     * The system property that names the default output folder (else {@code target/contention-report}); the exec
     * plugin sets it to the module's own target folder.
     */
    static final String OUT_PROPERTY = "dedup.report.out";

    /**
     * Runs the report and writes it; exits with status 2 after one line on standard error for a bad option.
     *
     * @param args the options of {@link #USAGE}
     * @throws Exception a failure of the run, with its stack trace
     */
    public static void main(String[] args) throws Exception {
        String database = "postgres";
        String profile = "quick";
        Path out = Path.of(System.getProperty(OUT_PROPERTY, Path.of("target", "contention-report").toString()));
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--database" -> database = value(args, ++i);
                    case "--profile" -> profile = value(args, ++i);
                    case "--out" -> out = Path.of(value(args, ++i));
                    case "--help", "-h" -> {
                        System.out.print(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            Profile.of(profile);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + " (--help lists the options)");
            System.exit(2);
        }
        Results results = run(database, Profile.of(profile), System.out);
        write(results, out, String.join(" ", args));
        Path cwd = Path.of("").toAbsolutePath();
        Path shown = out.toAbsolutePath().startsWith(cwd) ? cwd.relativize(out.toAbsolutePath()) : out;
        System.out.println("wrote " + shown.resolve("benchmarks.md") + ", benchmarks.json, benchmarks.svg"
                + (shown.normalize().equals(Path.of("docs")) ? "" : " (the committed report in docs/ is unchanged; "
                + "--out docs replaces it)"));
        System.exit(0);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    static Results run(String database, Profile p, PrintStream log) throws Exception {
        long started = System.nanoTime();
        try (BenchDatabase db = BenchDatabase.open(database, p.prefill())) {
            Map<String, String> env = environment(db, p);
            List<Subject> subjects = subjects(db, db.dataSource(), db.emf());
            Progress progress = new Progress(log, started);
            progress.say("environment: " + env);
            Workloads.Meters meters = new Workloads.Meters(db.serverCpu(), db.networked(), null, db);

            List<Workloads.Throughput> distinct = new ArrayList<>();
            List<Workloads.Throughput> reuploads = new ArrayList<>();
            interleaved(db, subjects, p.threads(), p.rounds(), p, meters, progress, "W1 distinct", distinct, reuploads);
            List<RemoteRun> remote = db.networked() ? remote(db, p, progress) : List.of();

            List<Workloads.HotFile> hot = new ArrayList<>();
            List<Workloads.Held> held = new ArrayList<>();
            List<Workloads.Batch> batches = new ArrayList<>();
            for (Subject s : subjects.subList(2, subjects.size())) {
                for (int racers : p.racers()) {
                    Workloads.HotFile h = Workloads.hotFile(s, db, racers, p.hotKeys());
                    hot.add(h);
                    progress.say(String.format("W2 hot file     %-32s racers=%2d one winner for %d/%d keys, %d duplicate"
                                    + " rows, %d exceptions, losers %s%s", s.label(), racers, h.keysWithOneWinner(),
                            h.keys(), h.duplicateRows(), h.exceptions(), h.loserOutcomes(), h.stalls() > 0
                                    ? ", STALLED " + h.stalls() + "x: sessions ended" : ""));
                }
                if (!s.guard()) {
                    continue;
                }
                for (Workloads.Held h : Workloads.held(s, p.hold())) {
                    held.add(h);
                    progress.say(String.format("W4 held tx      %-32s %-36s waited %5.0f ms -> %s", s.label(),
                            h.scenario(), h.waitedMillis(), h.outcome()));
                }
                if (s.strategy() != Strategy.NO_LOCK) {
                    for (int round = 0; round < p.batchRounds(); round++) {
                        Workloads.Batch b = round == 0 ? Workloads.batch(s, p.batchFiles(), meters)
                                : Workloads.measureBatch(s, p.batchFiles(), meters);
                        batches.add(b);
                        progress.say(String.format("W5 batch        %-32s registerAll(%d) %.0f ms vs singles %.0f ms: "
                                + "%.1fx; server CPU %.1f vs %.1f ms, round trips %d vs %d", s.label(), b.files(),
                                b.batchMillis(), b.singlesMillis(), b.speedup(), b.batch().serverNanos() / 1e6,
                                b.singles().serverNanos() / 1e6, b.batch().exchanges(), b.singles().exchanges()));
                    }
                }
            }
            db.clear();
            List<RoundTrips> roundTrips = roundTrips(db);
            roundTrips.forEach(r -> progress.say(String.format("round trips     %-32s new file %d, duplicate %d"
                    + "; joined: new file %d, duplicate %d; driver exchanges: new file %d, duplicate %d", r.subject(),
                    r.newFile(), r.duplicate(), r.joinedNewFile(), r.joinedDuplicate(), r.exchangesNewFile(),
                    r.exchangesDuplicate())));
            db.clear();
            List<String> plans = db.planChecks();
            if (!plans.isEmpty()) {
                long indexed = plans.stream().filter("index"::equals).count();
                env.put("key lookups' generic plans", indexed == plans.size() ? "index scans after every clear of the "
                        + "tables (" + plans.size() + " checks of 4 lookups: EXPLAIN EXECUTE with plan_cache_mode = "
                        + "force_generic_plan, pgjdbc's parameter types)"
                        : "NOT ALL INDEX SCANS: " + plans.stream().filter(x -> !x.equals("index")).distinct().toList());
            }
            env.put("run time", String.format("%.0f s", (System.nanoTime() - started) / 1e9));
            return new Results(env, p, distinct, reuploads, hot, held, batches, roundTrips, remote);
        }
    }

    /**
     * W1 through a delaying proxy, for each delay of the profile: every subject on a pool of its own that reaches the
     * server through the proxy, rounds interleaved as on loopback.
     */
    private static List<RemoteRun> remote(BenchDatabase db, Profile p, Progress progress) throws Exception {
        List<RemoteRun> runs = new ArrayList<>();
        for (Duration delay : p.delays()) {
            try (BenchDatabase.Remote route = db.remote(delay)) {
                double ping = selectOne(route.dataSource());
                progress.say(String.format("remote %s each way: SELECT 1 round trip %.2f ms (median of %d)",
                        remoteName(delay), ping, PING_COUNT));
                List<Subject> subjects = subjects(db, route.dataSource(), route.emf());
                Workloads.Meters meters = new Workloads.Meters(db.serverCpu(), true, route.proxy(), db);
                List<Workloads.Throughput> cells = new ArrayList<>();
                interleaved(db, subjects, p.remoteThreads(), p.remoteRounds(), p, meters, progress,
                        "W1 " + remoteName(delay), cells, null);
                runs.add(new RemoteRun(delay, ping, cells));
            }
        }
        return runs;
    }

    /**
     * W1 (into {@code distinct}) and, unless {@code reuploads} is null, W3 for every subject at every thread count,
     * in {@code rounds} rounds with the order of the subjects rotated by one each round, each cell after a warm-up;
     * the tables are cleared after each round.
     */
    private static void interleaved(BenchDatabase db, List<Subject> subjects, List<Integer> threadCounts, int rounds,
            Profile p, Workloads.Meters meters, Progress progress, String name, List<Workloads.Throughput> distinct,
            List<Workloads.Throughput> reuploads) throws Exception {
        for (int threads : threadCounts) {
            for (int round = 0; round < rounds; round++) {
                List<Subject> order = new ArrayList<>(subjects);
                Collections.rotate(order, -round);
                for (Subject s : order) {
                    Workloads.throughput(s, threads, p.warmup(), 0, 0, meters);
                    distinct.add(progress.cell(name, Workloads.throughput(s, threads, p.cell(), 0, round, meters)));
                    if (reuploads != null) {
                        reuploads.add(progress.cell("W3 re-uploads",
                                Workloads.throughput(s, threads, p.cell(), 0.1, round, meters)));
                    }
                }
                db.clear();
                settle(db);
            }
        }
    }

    /** {@code 0.25 ms} or {@code 1 ms}. */
    static String remoteName(Duration oneWay) {
        double ms = oneWay.toNanos() / 1e6;
        return (ms == Math.rint(ms) ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.2f", ms))
                + " ms";
    }

    /** The median round trip of a raw {@code SELECT 1} on one connection of {@code ds}, in milliseconds. */
    static double selectOne(DataSource ds) throws java.sql.SQLException {
        List<Double> millis = new ArrayList<>();
        try (java.sql.Connection c = ds.getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("select 1")) {
            for (int i = 0; i < PING_COUNT + 20; i++) {
                long t0 = System.nanoTime();
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
                if (i >= 20) {
                    millis.add((System.nanoTime() - t0) / 1e6);
                }
            }
        }
        return Spread.of(millis).median();
    }

    /**
     * The baseline, the one-round-trip raw subject, then every backend x strategy, each backend's UNIQUE_CONSTRAINT with
     * the attempt log on, then the other libraries, over
     * {@code ds}.
     */
    static List<Subject> subjects(BenchDatabase db, DataSource ds, EntityManagerFactory emf) {
        List<Subject> subjects = new ArrayList<>();
        subjects.add(Subject.create(Subject.BASELINE, null, db, ds, null));
        subjects.add(Subject.create(Subject.ONE_ROUND_TRIP, null, db, ds, null));
        for (String backend : BACKENDS) {
            for (Strategy s : STRATEGIES) {
                subjects.add(Subject.create(backend, s, db, ds, emf));
            }
        }
        for (String backend : BACKENDS) {
            subjects.add(Subject.create(backend + Subject.LOGGED, Strategy.UNIQUE_CONSTRAINT, db, ds, emf));
        }
        for (String other : Subject.ALTERNATIVES) {
            subjects.add(Subject.create(other, null, db, ds, null));
        }
        return subjects;
    }

    private static List<RoundTrips> roundTrips(BenchDatabase db) {
        CountingDataSource counting = new CountingDataSource(db.dataSource());
        EntityManagerFactory emf = BenchDatabase.factory(counting);
        try {
            List<RoundTrips> out = new ArrayList<>();
            for (Subject s : subjects(db, counting, emf)) {
                FileKey key = Workloads.key(Workloads.freshScope(), 0, 0);
                s.register(Workloads.key(Workloads.freshScope(), 0, 0));
                counting.reset();
                long x0 = ExchangeCountingSocketFactory.exchanges();
                s.register(key);
                long x1 = ExchangeCountingSocketFactory.exchanges();
                int fresh = counting.roundTrips().size();
                counting.reset();
                s.register(key);
                long x2 = ExchangeCountingSocketFactory.exchanges();
                int duplicate = counting.roundTrips().size();
                int joinedFresh = -1;
                int joinedDuplicate = -1;
                if (s.guard()) {
                    joinedFresh = joined(s, counting, Workloads.key(Workloads.freshScope(), 0, 0));
                    joinedDuplicate = joined(s, counting, key);
                }
                boolean socket = db.networked();
                out.add(new RoundTrips(s.label(), fresh, duplicate, joinedFresh, joinedDuplicate,
                        socket ? x1 - x0 : -1, socket ? x2 - x1 : -1));
            }
            return out;
        } finally {
            emf.close();
        }
    }

    /** The round trips of one joined registration, without the caller's begin and rollback. */
    @SuppressWarnings("try") // held only to count what holding sent; closing it rolls the caller's transaction back
    private static int joined(Subject s, CountingDataSource counting, FileKey key) {
        counting.reset();
        try (Subject.Held held = s.hold(key)) {
            return counting.roundTrips().size();
        }
    }

    private static Map<String, String> environment(BenchDatabase db, Profile p) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("date", Instant.now().toString());
        env.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("memory (max heap)", Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        env.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.putAll(db.facts());
        if (db.serverCpu().available()) {
            settle(db);
            env.put("server CPU while idle", idleServerCpu(db.serverCpu()));
        }
        env.put("profile", p.name() + ": " + p.rounds() + " round" + (p.rounds() == 1 ? "" : "s") + " per thread count "
                + "(subjects interleaved, order rotated each round), " + p.cell().toMillis() + " ms per throughput cell "
                + "after " + p.warmup().toMillis() + " ms warm-up, threads " + p.threads() + "; W5 " + p.batchRounds()
                + "x per subject; remote profile: W1 at threads " + p.remoteThreads() + ", " + p.remoteRounds()
                + " round" + (p.remoteRounds() == 1 ? "" : "s") + ", one-way delays "
                + p.delays().stream().map(ContentionReport::remoteName).toList()
                + "; figures are medians across rounds, spreads min-max");
        env.put("connection pool", db.networked() ? "HikariCP, " + BenchDatabase.POOL_SIZE + " connections, one pool "
                + "shared by all subjects for the whole run (auto-commit on; each subject sets its own transaction), "
                + "no keep-alive pings, no lifetime limit; the remote profile has a pool of the same settings per delay"
                : "HikariCP, 24 connections, one pool shared by all subjects for the whole run");
        return env;
    }

    /**
     * Waits (at most {@value #SETTLE_SECONDS} s) until the server's background work after a clear has died down, to
     * under {@value #SETTLED_MILLIS_PER_SECOND} ms of CPU per second, so that it does not land in the next cells: a
     * refill leaves MariaDB flushing pages and purging for seconds. Returns at once when the server CPU is not
     * measured.
     */
    static void settle(BenchDatabase db) {
        ServerCpu cpu = db.serverCpu();
        if (!cpu.available()) {
            return;
        }
        long deadline = System.nanoTime() + SETTLE_SECONDS * 1_000_000_000L;
        long last = cpu.nanos();
        long at = System.nanoTime();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = cpu.nanos();
            long t = System.nanoTime();
            if ((now - last) / 1e6 / ((t - at) / 1e9) < SETTLED_MILLIS_PER_SECOND) {
                return;
            }
            last = now;
            at = t;
        }
    }

    static final int SETTLE_SECONDS = 30;
    static final int SETTLED_MILLIS_PER_SECOND = 20;

    /**
     * The server's CPU over two idle seconds, in milliseconds per second: its background work, which a cell's server
     * CPU includes (it matters where few registrations share a cell, as through the proxy).
     */
    private static String idleServerCpu(ServerCpu cpu) {
        long n0 = cpu.nanos();
        long t0 = System.nanoTime();
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        double perSecond = (cpu.nanos() - n0) / 1e6 / ((System.nanoTime() - t0) / 1e9);
        return String.format(Locale.ROOT, "%.1f ms per second (background processes; included in each cell's figure; "
                + "after each clear of the tables the run waits, up to %d s, until it is under %d ms per second)",
                perSecond, SETTLE_SECONDS, SETTLED_MILLIS_PER_SECOND);
    }

    /** Progress lines with the elapsed time, so that a long run shows it is alive. */
    private record Progress(PrintStream log, long started) {
        void say(String line) {
            log.printf("[%5.1fs] %s%n", (System.nanoTime() - started) / 1e9, line);
        }

        Workloads.Throughput cell(String workload, Workloads.Throughput t) {
            say(String.format(Locale.ROOT, "%-15s %-38s threads=%2d round %d %8.0f registrations/s, client %5.0f us, "
                            + "server %5.0f us CPU, %6.1f KB/reg, %4.2f round trips/call%s%s", workload, t.subject(),
                    t.threads(), t.round() + 1, t.perSecond(), t.cpuMicrosPerRegistration(),
                    t.serverMicrosPerRegistration(), t.bytesPerRegistration() / 1024, t.roundTripsPerCall(),
                    t.errors() > 0 ? ", " + t.errors() + " errors" : "", t.stalled() ? ", STALLED: registrations still "
                    + "running " + Workloads.STALL.toSeconds() + " s after the cell, their sessions ended" : ""));
            return t;
        }
    }

    static void write(Results r, Path out, String args) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("benchmarks.md"), ReportWriter.markdown(r, args));
        Files.writeString(out.resolve("benchmarks.json"), ReportWriter.json(r));
        Files.writeString(out.resolve("benchmarks.svg"), ReportWriter.svg(r));
    }

    /** The ratio of {@code subject} to the baseline at {@code threads}, round by round (same round, same order). */
    static Spread ratios(List<Workloads.Throughput> cells, String subject, int threads) {
        return paired(cells, subject, Subject.BASELINE, threads);
    }

    /** The ratio of {@code subject} to {@code other} (a label, or a label's prefix) per round, at {@code threads}. */
    static Spread paired(List<Workloads.Throughput> cells, String subject, String other, int threads) {
        List<Double> ratios = new ArrayList<>();
        for (Workloads.Throughput t : cells) {
            if (t.subject().equals(subject) && t.threads() == threads) {
                Workloads.Throughput o = find(cells, x -> x.subject().startsWith(other) && x.threads() == threads
                        && x.round() == t.round());
                ratios.add(t.perSecond() / o.perSecond());
            }
        }
        return Spread.of(ratios);
    }

    static double ratio(List<Workloads.Throughput> cells, String subject, int threads) {
        return ratios(cells, subject, threads).median();
    }

    /** The measurements of {@code subject} at {@code threads}, one per round. */
    static List<Workloads.Throughput> rounds(List<Workloads.Throughput> cells, String subject, int threads) {
        return cells.stream().filter(t -> t.subject().equals(subject) && t.threads() == threads).toList();
    }

    static <T> T find(List<T> list, Predicate<T> p) {
        return list.stream().filter(p).findFirst().orElseThrow();
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }
}
