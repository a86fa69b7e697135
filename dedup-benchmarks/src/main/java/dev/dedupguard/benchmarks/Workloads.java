package dev.dedupguard.benchmarks;

import dev.dedupguard.FileKey;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.testing.Keys;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** The workloads of the contention report, each measured on one subject; every run uses scopes no other run uses. */
final class Workloads {
    private static final AtomicLong SCOPES = new AtomicLong(System.currentTimeMillis() * 1000);

    private Workloads() {
    }

    static long freshScope() {
        return SCOPES.incrementAndGet();
    }

    static FileKey key(long scope, int thread, int i) {
        return FileKey.of(Long.toString(scope), Keys.sha256(scope + "/" + thread + "/" + i),
                "evidence-" + thread + "-" + i + ".evtx");
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /**
     * What a cell reads before and after it, beside the worker threads' own CPU: the database server's CPU (when its
     * processes are on this machine), the driver's exchanges with the server (when it talks over TCP), the CPU of this
     * whole JVM (garbage collection, JIT, pool and proxy threads included) and of the delaying proxy (remote cells).
     */
    record Meters(ServerCpu server, boolean exchanges, DelayProxy proxy, BenchDatabase db) {
        /** Nothing but the worker threads' CPU and allocation. */
        static final Meters NONE = new Meters(ServerCpu.unavailable("not measured"), false, null, null);

        Reading read() {
            return new Reading(server.nanos(), exchanges ? ExchangeCountingSocketFactory.exchanges() : -1,
                    OS.getProcessCpuTime(), proxy == null ? -1 : proxy.cpuNanos());
        }
    }

    /** One reading of the {@link Meters}; -1 for what is not measured. */
    record Reading(long serverNanos, long exchanges, long processNanos, long proxyNanos) {
        /** What happened from {@code before} to this reading; -1 where either is not measured. */
        Reading since(Reading before) {
            return new Reading(delta(before.serverNanos, serverNanos), delta(before.exchanges, exchanges),
                    delta(before.processNanos, processNanos), delta(before.proxyNanos, proxyNanos));
        }

        private static long delta(long before, long after) {
            return before < 0 || after < 0 ? -1 : after - before;
        }
    }

    /**
     * W1 (repeatFraction 0) and W3 (0.1): registrations per second over {@code duration} with {@code threads}, in
     * round {@code round} of the profile, with the CPU time and the heap allocation of the worker threads (the client
     * side), and what the {@link Meters} read around the cell: the server's CPU, the round trips (driver exchanges),
     * the whole JVM's CPU and the proxy's (each -1 when not measured). The meters are read while the workers wait,
     * before and after the timed window, so a cell's server CPU includes the server's background work (WAL writer,
     * autovacuum) during it.
     */
    record Throughput(String subject, int threads, int round, long registrations, long errors, double seconds,
            long cpuNanos, long allocatedBytes, long serverCpuNanos, long exchanges, long processCpuNanos,
            long proxyCpuNanos, boolean stalled) {
        double perSecond() {
            return registrations / seconds;
        }

        double cpuMicrosPerRegistration() {
            return registrations == 0 ? 0 : cpuNanos / 1e3 / registrations;
        }

        double bytesPerRegistration() {
            return registrations == 0 ? 0 : (double) allocatedBytes / registrations;
        }

        /** Server CPU per registration in microseconds, NaN when not measured. */
        double serverMicrosPerRegistration() {
            return perRegistration(serverCpuNanos) / 1e3;
        }

        /** The JVM's whole CPU per registration in microseconds, NaN when not measured. */
        double processMicrosPerRegistration() {
            return perRegistration(processCpuNanos) / 1e3;
        }

        /** The delaying proxy's CPU per registration in microseconds, NaN when there is none. */
        double proxyMicrosPerRegistration() {
            return perRegistration(proxyCpuNanos) / 1e3;
        }

        /** Driver exchanges with the server per call (registrations and errors), NaN when not counted. */
        double roundTripsPerCall() {
            return exchanges < 0 || registrations + errors == 0 ? Double.NaN
                    : (double) exchanges / (registrations + errors);
        }

        private double perRegistration(long value) {
            return value < 0 || registrations == 0 ? Double.NaN : (double) value / registrations;
        }
    }

    static Throughput throughput(Subject s, int threads, Duration duration, double repeatFraction) throws Exception {
        return throughput(s, threads, duration, repeatFraction, 0, Meters.NONE);
    }

    static Throughput throughput(Subject s, int threads, Duration duration, double repeatFraction, int round,
            Meters meters) throws Exception {
        long scope = freshScope();
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong cpu = new AtomicLong();
        AtomicLong allocated = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long[] window = new long[2];
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<FileKey> stored = new ArrayList<>();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    start.await();
                    long cpu0 = THREADS.getCurrentThreadCpuTime();
                    long allocated0 = THREADS.getCurrentThreadAllocatedBytes();
                    long end = System.nanoTime() + duration.toNanos();
                    for (int i = 0; System.nanoTime() < end; i++) {
                        boolean repeat = !stored.isEmpty() && random.nextDouble() < repeatFraction;
                        FileKey k = repeat ? stored.get(random.nextInt(stored.size())) : key(scope, thread, i);
                        try {
                            if (s.register(k).isNew()) {
                                stored.add(k);
                            }
                            done.incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                        }
                    }
                    cpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu0);
                    allocated.addAndGet(THREADS.getCurrentThreadAllocatedBytes() - allocated0);
                    return null;
                }));
            }
            Reading before = meters.read();
            start.await();
            window[0] = System.nanoTime();
            boolean stalled = !await(futures, window[0] + duration.toNanos() + STALL.toNanos());
            if (stalled && meters.db() != null) {
                // a registration that has not returned long after the cell ended: end its sessions, so that the
                // thread gets an error and the run goes on
                for (int attempt = 0; attempt < 30 && !await(futures, System.nanoTime() + 1_000_000_000L); attempt++) {
                    meters.db().endBusySessions();
                }
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            window[1] = System.nanoTime();
            Reading cell = meters.read().since(before);
            return new Throughput(s.label(), threads, round, done.get(), errors.get(), (window[1] - window[0]) / 1e9,
                    cpu.get(), allocated.get(), cell.serverNanos(), cell.exchanges(), cell.processNanos(),
                    cell.proxyNanos(), stalled);
        } finally {
            pool.shutdownNow();
        }
    }

    /** How long after a cell's end a registration may still be running before the cell counts as stalled. */
    static final Duration STALL = Duration.ofSeconds(20);

    /** Whether every future finished by {@code deadline} ({@code System.nanoTime()}). */
    private static boolean await(List<Future<?>> futures, long deadline) throws Exception {
        for (Future<?> f : futures) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * W2: {@code racers} threads register the same new key at the same instant, for each of {@code keys} keys;
     * {@code stalls}: how often no racer made progress for {@link #STALL} and their busy sessions were ended.
     */
    record HotFile(String subject, int racers, int keys, long keysWithOneWinner, long duplicateRows, long exceptions,
            Map<String, Long> loserOutcomes, double loserP50Millis, double loserP99Millis, long stalls) {
    }

    static HotFile hotFile(Subject s, BenchDatabase db, int racers, int keys) throws Exception {
        long scope = freshScope();
        CyclicBarrier barrier = new CyclicBarrier(racers);
        ConcurrentLinkedQueue<long[]> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        // a racer whose registration never returns (Spring Integration's putIfAbsent loops on MariaDB) would hold
        // the others at the barrier: after a stall its database session is ended, it gets an error, and the workload
        // stops after that key (the others leave the barrier)
        AtomicLong progress = new AtomicLong(System.nanoTime());
        AtomicLong stalls = new AtomicLong();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        watchdog.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - progress.get() > STALL.toNanos()) {
                stalls.incrementAndGet();
                db.endBusySessions();
                barrier.reset();
                progress.set(System.nanoTime());
            }
        }, 1, 1, TimeUnit.SECONDS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < racers; r++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < keys && stalls.get() == 0; i++) {
                        FileKey k = key(scope, 0, i);
                        try {
                            barrier.await(60, TimeUnit.SECONDS);
                        } catch (BrokenBarrierException e) {
                            return null;
                        }
                        long t0 = System.nanoTime();
                        try {
                            boolean isNew = s.register(k).isNew();
                            results.add(new long[] {i, isNew ? 1 : 0, System.nanoTime() - t0});
                        } catch (RuntimeException e) {
                            failures.add(e.getClass().getSimpleName());
                            results.add(new long[] {i, -1, System.nanoTime() - t0});
                        }
                        progress.set(System.nanoTime());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(300, TimeUnit.SECONDS);
            }
        } finally {
            watchdog.shutdownNow();
            pool.shutdownNow();
        }
        List<List<long[]>> perKey = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            perKey.add(new ArrayList<>());
        }
        results.forEach(r -> perKey.get((int) r[0]).add(r));
        List<Long> loserNanos = new ArrayList<>();
        Map<String, Long> loserOutcomes = new TreeMap<>();
        long oneWinner = 0;
        for (List<long[]> answers : perKey) {
            long news = answers.stream().filter(r -> r[1] == 1).count();
            oneWinner += news == 1 ? 1 : 0;
            boolean winnerSeen = false;
            for (long[] r : answers) {
                if (r[1] == 1 && !winnerSeen) {
                    winnerSeen = true;
                    continue;
                }
                loserNanos.add(r[2]);
                if (r[1] == 1) {
                    loserOutcomes.merge("stored a second row", 1L, Long::sum);
                } else if (r[1] == 0) {
                    loserOutcomes.merge("duplicate reported", 1L, Long::sum);
                }
            }
        }
        failures.forEach(f -> loserOutcomes.merge(f, 1L, Long::sum));
        long rows = s.rows(db, scope);
        Collections.sort(loserNanos);
        int raced = (int) perKey.stream().filter(answers -> !answers.isEmpty()).count();
        // a key whose racers all failed (a stall) stored no row, so it adds no duplicate either
        long stored = perKey.stream().filter(answers -> answers.stream().anyMatch(r -> r[1] == 1)).count();
        return new HotFile(s.label(), racers, raced, oneWinner, rows - stored, failures.size(), loserOutcomes,
                percentile(loserNanos, 0.50), percentile(loserNanos, 0.99), stalls.get());
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    /** W4: a first registrant holds its transaction open; how long a second registration waits, and what it gets. */
    record Held(String subject, String scenario, double holdMillis, double waitedMillis, String outcome) {
    }

    static List<Held> held(Subject s, Duration hold) throws Exception {
        List<Held> out = new ArrayList<>();
        FileKey same = key(freshScope(), 0, 0);
        out.add(heldOnce(s, "same file", same, same, hold));
        FileKey holder = key(freshScope(), 0, 0);
        out.add(heldOnce(s, "other file, same lock stripe", holder, neighbour(holder, true), hold));
        holder = key(freshScope(), 0, 0);
        out.add(heldOnce(s, "other file, same case, other stripe", holder, neighbour(holder, false), hold));
        return out;
    }

    /** Another file of the holder's case whose key maps to the holder's lock stripe, or to another one. */
    private static FileKey neighbour(FileKey holder, boolean sameStripe) {
        int stripe = StoredKey.of(holder, NamePolicy.EXACT).stripe(BenchDatabase.STRIPES);
        for (int i = 1; ; i++) {
            FileKey k = FileKey.of(holder.scope(), Keys.sha256(holder.contentHash() + "/" + i), "other-" + i + ".evtx");
            if ((StoredKey.of(k, NamePolicy.EXACT).stripe(BenchDatabase.STRIPES) == stripe) == sameStripe) {
                return k;
            }
        }
    }

    private static Held heldOnce(Subject s, String scenario, FileKey holderKey, FileKey waiterKey, Duration hold)
            throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Subject.Held held = s.hold(holderKey)) {
            Future<Object[]> second = pool.submit(() -> {
                long t0 = System.nanoTime();
                Object answer;
                try {
                    answer = s.register(waiterKey);
                } catch (RuntimeException e) {
                    answer = e;
                }
                return new Object[] {answer, (System.nanoTime() - t0) / 1e6};
            });
            Thread.sleep(hold.toMillis());
            held.commit();
            Object[] answered = second.get(60, TimeUnit.SECONDS);
            Object result = answered[0];
            double waited = (double) answered[1];
            double waitedMillis = waited >= hold.toMillis() * 0.5 ? waited : 0;
            String outcome;
            if (result instanceof Subject.Outcome o) {
                if (!waiterKey.equals(holderKey)) {
                    outcome = o.isNew() ? "stored its own file" : "reported a duplicate (wrong)";
                } else if (o.isNew()) {
                    outcome = "STORED A SECOND ROW";
                } else {
                    outcome = o.id() == held.outcome().id() ? "duplicate of the holder's row" : "duplicate of another row";
                }
            } else {
                outcome = ((Throwable) result).getClass().getSimpleName();
            }
            return new Held(s.label(), scenario, hold.toMillis(), waitedMillis, outcome);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * W5: {@code registerAll} of {@code files} new files vs as many single registrations, with what the meters read
     * around each ({@code batch} and {@code singles}: server CPU, round trips) and the calling thread's CPU for each;
     * and, as the job's physical limit, as many new files sent without the library ({@code raw}, {@code rawMillis},
     * {@code rawClientCpuNanos}; see {@link #rawBatch}), or {@code rawMillis} -1 where the meters have no database.
     */
    record Batch(String subject, int files, double batchMillis, double singlesMillis, Reading batch, Reading singles,
            long batchClientCpuNanos, long singlesClientCpuNanos, double rawMillis, Reading raw,
            long rawClientCpuNanos) {
        double speedup() {
            return singlesMillis / batchMillis;
        }

        /** How many times as fast as the singles the raw multi-row insert was; NaN if not measured. */
        double rawSpeedup() {
            return rawMillis < 0 ? Double.NaN : singlesMillis / rawMillis;
        }
    }

    static Batch batch(Subject s, int files, Meters meters) {
        measureBatch(s, files, meters);
        return measureBatch(s, files, meters);
    }

    /** One measurement; the first call of {@link #batch} warms up the batch path, which no other workload runs. */
    static Batch measureBatch(Subject s, int files, Meters meters) {
        long scope = freshScope();
        List<FileKey> batch = new ArrayList<>();
        List<FileKey> singles = new ArrayList<>();
        List<FileKey> raw = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            batch.add(key(scope, 1, i));
            singles.add(key(scope, 2, i));
            raw.add(key(scope, 3, i));
        }
        Reading r0 = meters.read();
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        s.registerAll(batch);
        long t1 = System.nanoTime();
        long c1 = THREADS.getCurrentThreadCpuTime();
        Reading r1 = meters.read();
        long c2 = THREADS.getCurrentThreadCpuTime();
        long t2 = System.nanoTime();
        for (FileKey k : singles) {
            s.register(k);
        }
        long t3 = System.nanoTime();
        long c3 = THREADS.getCurrentThreadCpuTime();
        Reading r2 = meters.read();
        if (meters.db() == null) {
            return new Batch(s.label(), files, (t1 - t0) / 1e6, (t3 - t2) / 1e6, r1.since(r0), r2.since(r1), c1 - c0,
                    c3 - c2, -1, r2.since(r2), 0);
        }
        long c4 = THREADS.getCurrentThreadCpuTime();
        long t4 = System.nanoTime();
        rawBatch(meters.db(), raw);
        long t5 = System.nanoTime();
        long c5 = THREADS.getCurrentThreadCpuTime();
        Reading r3 = meters.read();
        return new Batch(s.label(), files, (t1 - t0) / 1e6, (t3 - t2) / 1e6, r1.since(r0), r2.since(r1), c1 - c0,
                c3 - c2, (t5 - t4) / 1e6, r3.since(r2), c5 - c4);
    }

    /**
     * The job's physical limit for a batch: {@code keys} (new files) stored without the library, in one transaction,
     * with the insert that skips duplicates: on PostgreSQL one {@code INSERT ... SELECT FROM unnest(?, ?, ?) ON CONFLICT
     * DO NOTHING RETURNING id} of three arrays; elsewhere multi-row {@code VALUES} chunks of 500 ({@code INSERT IGNORE}
     * on MariaDB).
     *
     * @return how many rows it stored
     */
    static int rawBatch(BenchDatabase db, List<FileKey> keys) {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            int stored = 0;
            try {
                if (db.postgres()) {
                    stored = rawUnnest(c, keys);
                } else {
                    for (int from = 0; from < keys.size(); from += 500) {
                        stored += rawValues(c, keys.subList(from, Math.min(keys.size(), from + 500)), db.mariadb());
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            return stored;
        } catch (SQLException e) {
            throw new IllegalStateException("the raw batch failed", e);
        }
    }

    private static int rawUnnest(Connection c, List<FileKey> keys) throws SQLException {
        Long[] scopes = new Long[keys.size()];
        String[] hashes = new String[keys.size()];
        String[] names = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            scopes[i] = Long.parseLong(keys.get(i).scope());
            hashes[i] = keys.get(i).contentHash();
            names[i] = keys.get(i).fileName();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into bench_file (case_id, file_hash, original_filename) "
                + "select * from unnest(?::bigint[], ?::char(64)[], ?::varchar[]) on conflict (case_id, file_hash, "
                + "original_filename) do nothing returning id")) {
            ps.setArray(1, c.createArrayOf("bigint", scopes));
            ps.setArray(2, c.createArrayOf("varchar", hashes));
            ps.setArray(3, c.createArrayOf("varchar", names));
            int stored = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored++;
                }
            }
            return stored;
        }
    }

    private static int rawValues(Connection c, List<FileKey> keys, boolean ignore) throws SQLException {
        StringBuilder sql = new StringBuilder(ignore ? "insert ignore" : "insert").append(" into bench_file (case_id, "
                + "file_hash, original_filename) values ");
        for (int i = 0; i < keys.size(); i++) {
            sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (FileKey k : keys) {
                ps.setLong(p++, Long.parseLong(k.scope()));
                ps.setString(p++, k.contentHash());
                ps.setString(p++, k.fileName());
            }
            return ps.executeUpdate();
        }
    }

}
