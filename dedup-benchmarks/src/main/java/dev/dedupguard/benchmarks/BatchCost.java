package dev.dedupguard.benchmarks;

import dev.dedupguard.FileKey;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the report's W5 time goes: {@code registerAll} of N new files against as many single registrations, for the
 * given subjects, repeated (the report measures each batch once or a few times after one warm-up), with the physical
 * limit the report measures beside it ({@link Workloads#rawBatch}). Prints, per measurement, wall time, the calling
 * thread's CPU and the server's CPU (from {@code /proc} of the embedded server), and the round trips. With
 * {@code -Dbatchcost.profile} it profiles the first subject's {@code registerAll} with async-profiler instead
 * ({@code target/batch.collapsed}).
 *
 * <p>Usage: {@code BatchCost [files, default 1000] [repeats, default 8] [subject ...]} with the subjects of
 * {@link ProfileSubject} (default {@code jooq:UNIQUE_CONSTRAINT jpa:UNIQUE_CONSTRAINT}), on embedded PostgreSQL or, with
 * {@code -Dbatchcost.database=mariadb}, MariaDB.
 */
public final class BatchCost {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private BatchCost() {
    }

    /**
     * Runs the measurements and prints them.
     *
     * @param args files, repeats, subjects
     * @throws Exception a failure of the run
     */
    public static void main(String[] args) throws Exception {
        int files = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        List<String> names = args.length > 2 ? List.of(args).subList(2, args.length)
                : List.of("jooq:UNIQUE_CONSTRAINT", "jpa:UNIQUE_CONSTRAINT");
        try (BenchDatabase db = BenchDatabase.open(System.getProperty("batchcost.database", "postgres"))) {
            Workloads.Meters meters = new Workloads.Meters(db.serverCpu(), db.networked(), null, db);
            Map<String, Subject> subjects = new LinkedHashMap<>();
            for (String name : names) {
                subjects.put(name, ProfileSubject.subject(db, name));
            }
            if (System.getProperty("batchcost.profile") != null) {
                profile(subjects.values().iterator().next(), files, repeats);
                System.exit(0);
            }
            for (int r = 0; r < repeats; r++) {
                for (Map.Entry<String, Subject> e : subjects.entrySet()) {
                    Workloads.Batch b = Workloads.measureBatch(e.getValue(), files, meters);
                    System.out.printf(Locale.ROOT, "%-28s registerAll %6.1f ms (client %5.1f, server %5.1f, %d rt)"
                                    + "  singles %6.1f ms (client %5.1f, server %5.1f): %.1fx; raw multi-row %5.1f ms "
                                    + "(client %5.1f, server %5.1f): %.1fx%n", e.getKey(),
                            b.batchMillis(), b.batchClientCpuNanos() / 1e6, b.batch().serverNanos() / 1e6,
                            b.batch().exchanges(), b.singlesMillis(), b.singlesClientCpuNanos() / 1e6,
                            b.singles().serverNanos() / 1e6, b.speedup(), b.rawMillis(), b.rawClientCpuNanos() / 1e6,
                            b.raw().serverNanos() / 1e6, b.rawSpeedup());
                }
            }
        }
        System.exit(0);
    }

    private static void profile(Subject s, int files, int repeats) throws Exception {
        for (int r = 0; r < repeats; r++) {
            s.registerAll(batchOf(files));
        }
        one.profiler.AsyncProfiler profiler = one.profiler.AsyncProfilerLoader.load();
        profiler.execute("start,event=cpu,interval=100us,threads");
        long c0 = THREADS.getCurrentThreadCpuTime();
        for (int r = 0; r < repeats; r++) {
            s.registerAll(batchOf(files));
        }
        System.out.printf(Locale.ROOT, "client CPU per batch %.1f ms%n", (THREADS.getCurrentThreadCpuTime() - c0) / 1e6
                / repeats);
        profiler.execute("stop,collapsed,file=" + java.nio.file.Path.of("target/batch.collapsed").toAbsolutePath());
    }

    private static List<FileKey> batchOf(int files) {
        long scope = Workloads.freshScope();
        List<FileKey> keys = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            keys.add(Workloads.key(scope, 1, i));
        }
        return keys;
    }
}
