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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

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

    /** How long each measurement runs. */
    record Profile(String name, List<Integer> threads, Duration cell, Duration warmup, List<Integer> racers,
            int hotKeys, Duration hold, int batchFiles) {
        static Profile of(String name) {
            return switch (name) {
                case "quick" -> new Profile(name, List.of(1, 2, 4, 8, 16), Duration.ofMillis(1000),
                        Duration.ofMillis(300), List.of(4, 16), 30, Duration.ofMillis(50), 1000);
                case "full" -> new Profile(name, List.of(1, 2, 4, 8, 16), Duration.ofSeconds(5), Duration.ofSeconds(2),
                        List.of(2, 4, 8, 16), 200, Duration.ofMillis(50), 1000);
                case "smoke" -> new Profile(name, List.of(1, 2), Duration.ofMillis(100), Duration.ofMillis(20),
                        List.of(2), 3, Duration.ofMillis(50), 20);
                default -> throw new IllegalArgumentException("--profile must be quick or full, was " + name);
            };
        }
    }

    /** Round trips of one registration of a new file and of a duplicate. */
    record RoundTrips(String subject, int newFile, int duplicate) {
    }

    /** Everything one run measured. */
    record Results(Map<String, String> environment, Profile profile, List<Workloads.Throughput> distinct,
            List<Workloads.Throughput> reuploads, List<Workloads.HotFile> hot, List<Workloads.Held> held,
            List<Workloads.Batch> batches, List<RoundTrips> roundTrips) {
    }

    private ContentionReport() {
    }

    /** The options, as {@code --help} prints them. */
    static final String USAGE = """
            usage: ContentionReport [options]
              --database postgres|h2|mariadb|URL  embedded PostgreSQL 17 (default), in-process H2, embedded MariaDB 11.4,
                                           or a jdbc:postgresql: URL
                                           (user and password as URL parameters)
              --profile quick|full         quick: about 100 s on 2 cores (default); full: 5 s cells, more racers
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
        try (BenchDatabase db = BenchDatabase.open(database)) {
            Map<String, String> env = environment(db, p);
            List<Subject> subjects = new ArrayList<>();
            subjects.add(Subject.create(Subject.BASELINE, null, db, db.dataSource(), null));
            for (String backend : BACKENDS) {
                for (Strategy s : STRATEGIES) {
                    subjects.add(Subject.create(backend, s, db, db.dataSource(), db.emf()));
                }
            }
            Progress progress = new Progress(log, started);
            progress.say("environment: " + env);

            List<Workloads.Throughput> distinct = new ArrayList<>();
            List<Workloads.Throughput> reuploads = new ArrayList<>();
            for (int threads : p.threads()) {
                for (Subject s : subjects) {
                    Workloads.throughput(s, threads, p.warmup(), 0);
                    distinct.add(progress.cell("W1 distinct", Workloads.throughput(s, threads, p.cell(), 0)));
                    reuploads.add(progress.cell("W3 re-uploads", Workloads.throughput(s, threads, p.cell(), 0.1)));
                }
                db.clear();
            }

            List<Workloads.HotFile> hot = new ArrayList<>();
            List<Workloads.Held> held = new ArrayList<>();
            List<Workloads.Batch> batches = new ArrayList<>();
            for (Subject s : subjects.subList(1, subjects.size())) {
                for (int racers : p.racers()) {
                    Workloads.HotFile h = Workloads.hotFile(s, db, racers, p.hotKeys());
                    hot.add(h);
                    progress.say(String.format("W2 hot file     %-32s racers=%2d one winner for %d/%d keys, %d duplicate"
                                    + " rows, %d exceptions, losers %s", s.label(), racers, h.keysWithOneWinner(),
                            h.keys(), h.duplicateRows(), h.exceptions(), h.loserOutcomes()));
                }
                for (Workloads.Held h : Workloads.held(s, p.hold())) {
                    held.add(h);
                    progress.say(String.format("W4 held tx      %-32s %-36s waited %5.0f ms -> %s", s.label(),
                            h.scenario(), h.waitedMillis(), h.outcome()));
                }
                if (s.strategy() != Strategy.NO_LOCK) {
                    Workloads.Batch b = Workloads.batch(s, p.batchFiles());
                    batches.add(b);
                    progress.say(String.format("W5 batch        %-32s registerAll(%d) %.0f ms vs singles %.0f ms: %.1fx",
                            s.label(), b.files(), b.batchMillis(), b.singlesMillis(), b.speedup()));
                }
            }
            db.clear();
            List<RoundTrips> roundTrips = roundTrips(db);
            roundTrips.forEach(r -> progress.say(String.format("round trips     %-32s new file %d, duplicate %d",
                    r.subject(), r.newFile(), r.duplicate())));
            db.clear();
            env.put("run time", String.format("%.0f s", (System.nanoTime() - started) / 1e9));
            return new Results(env, p, distinct, reuploads, hot, held, batches, roundTrips);
        }
    }

    private static List<RoundTrips> roundTrips(BenchDatabase db) {
        CountingDataSource counting = new CountingDataSource(db.dataSource());
        EntityManagerFactory emf = BenchDatabase.factory(counting);
        try {
            List<RoundTrips> out = new ArrayList<>();
            List<Subject> subjects = new ArrayList<>();
            subjects.add(Subject.create(Subject.BASELINE, null, db, counting, null));
            for (String backend : BACKENDS) {
                for (Strategy s : STRATEGIES) {
                    subjects.add(Subject.create(backend, s, db, counting, emf));
                }
            }
            for (Subject s : subjects) {
                FileKey key = Workloads.key(Workloads.freshScope(), 0, 0);
                counting.reset();
                s.register(key);
                int fresh = counting.roundTrips().size();
                counting.reset();
                s.register(key);
                out.add(new RoundTrips(s.label(), fresh, counting.roundTrips().size()));
            }
            return out;
        } finally {
            emf.close();
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
        env.put("profile", p.name() + ": " + p.cell().toMillis() + " ms per throughput cell after "
                + p.warmup().toMillis() + " ms warm-up, threads " + p.threads());
        env.put("connection pool", "HikariCP, 24 connections, shared by all subjects");
        return env;
    }

    /** Progress lines with the elapsed time, so that a long run shows it is alive. */
    private record Progress(PrintStream log, long started) {
        void say(String line) {
            log.printf("[%5.1fs] %s%n", (System.nanoTime() - started) / 1e9, line);
        }

        Workloads.Throughput cell(String workload, Workloads.Throughput t) {
            say(String.format("%-15s %-32s threads=%2d %8.0f registrations/s%s", workload, t.subject().length() > 32
                    ? "baseline" : t.subject(), t.threads(), t.perSecond(), t.errors() > 0 ? ", " + t.errors()
                    + " errors" : ""));
            return t;
        }
    }

    static void write(Results r, Path out, String args) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("benchmarks.md"), ReportWriter.markdown(r, args));
        Files.writeString(out.resolve("benchmarks.json"), ReportWriter.json(r));
        Files.writeString(out.resolve("benchmarks.svg"), ReportWriter.svg(r));
    }

    static double ratio(List<Workloads.Throughput> cells, String subject, int threads) {
        double base = find(cells, t -> t.subject().startsWith("baseline") && t.threads() == threads).perSecond();
        return find(cells, t -> t.subject().equals(subject) && t.threads() == threads).perSecond() / base;
    }

    static <T> T find(List<T> list, Predicate<T> p) {
        return list.stream().filter(p).findFirst().orElseThrow();
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }
}
