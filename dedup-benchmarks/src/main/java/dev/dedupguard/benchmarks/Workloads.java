package dev.dedupguard.benchmarks;

import dev.dedupguard.FileKey;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.testing.Keys;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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

    /**
     * W1 (repeatFraction 0) and W3 (0.1): registrations per second over {@code duration} with {@code threads}, in
     * round {@code round} of the profile, with the CPU time and the heap allocation of the worker threads (the client
     * side only: the database server's work is not in them).
     */
    record Throughput(String subject, int threads, int round, long registrations, long errors, double seconds,
            long cpuNanos, long allocatedBytes) {
        double perSecond() {
            return registrations / seconds;
        }

        double cpuMicrosPerRegistration() {
            return registrations == 0 ? 0 : cpuNanos / 1e3 / registrations;
        }

        double bytesPerRegistration() {
            return registrations == 0 ? 0 : (double) allocatedBytes / registrations;
        }
    }

    static Throughput throughput(Subject s, int threads, Duration duration, double repeatFraction) throws Exception {
        return throughput(s, threads, duration, repeatFraction, 0);
    }

    static Throughput throughput(Subject s, int threads, Duration duration, double repeatFraction, int round)
            throws Exception {
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
            start.await();
            window[0] = System.nanoTime();
            for (Future<?> f : futures) {
                f.get(duration.toSeconds() + 120, TimeUnit.SECONDS);
            }
            window[1] = System.nanoTime();
        } finally {
            pool.shutdownNow();
        }
        return new Throughput(s.label(), threads, round, done.get(), errors.get(), (window[1] - window[0]) / 1e9,
                cpu.get(), allocated.get());
    }

    /** W2: {@code racers} threads register the same new key at the same instant, for each of {@code keys} keys. */
    record HotFile(String subject, int racers, int keys, long keysWithOneWinner, long duplicateRows, long exceptions,
            Map<String, Long> loserOutcomes, double loserP50Millis, double loserP99Millis) {
    }

    static HotFile hotFile(Subject s, BenchDatabase db, int racers, int keys) throws Exception {
        long scope = freshScope();
        CyclicBarrier barrier = new CyclicBarrier(racers);
        ConcurrentLinkedQueue<long[]> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < racers; r++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < keys; i++) {
                        FileKey k = key(scope, 0, i);
                        barrier.await(60, TimeUnit.SECONDS);
                        long t0 = System.nanoTime();
                        try {
                            boolean isNew = s.register(k).isNew();
                            results.add(new long[] {i, isNew ? 1 : 0, System.nanoTime() - t0});
                        } catch (RuntimeException e) {
                            failures.add(e.getClass().getSimpleName());
                            results.add(new long[] {i, -1, System.nanoTime() - t0});
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(300, TimeUnit.SECONDS);
            }
        } finally {
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
        return new HotFile(s.label(), racers, keys, oneWinner, rows - keys, failures.size(), loserOutcomes,
                percentile(loserNanos, 0.50), percentile(loserNanos, 0.99));
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

    /** W5: {@code registerAll} of {@code files} new files vs as many single registrations. */
    record Batch(String subject, int files, double batchMillis, double singlesMillis) {
        double speedup() {
            return singlesMillis / batchMillis;
        }
    }

    static Batch batch(Subject s, int files) {
        measureBatch(s, files);
        return measureBatch(s, files);
    }

    /** One measurement; the first call of {@link #batch} warms up the batch path, which no other workload runs. */
    static Batch measureBatch(Subject s, int files) {
        long scope = freshScope();
        List<FileKey> batch = new ArrayList<>();
        List<FileKey> singles = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            batch.add(key(scope, 1, i));
            singles.add(key(scope, 2, i));
        }
        long t0 = System.nanoTime();
        s.registerAll(batch);
        long t1 = System.nanoTime();
        for (FileKey k : singles) {
            s.register(k);
        }
        long t2 = System.nanoTime();
        return new Batch(s.label(), files, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }

}
