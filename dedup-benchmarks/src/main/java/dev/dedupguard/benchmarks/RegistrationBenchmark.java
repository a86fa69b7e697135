package dev.dedupguard.benchmarks;

import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * W1 (distinct files) and W3 (10% re-uploads) under JMH, one {@link State} over backend x strategy x database; the
 * baseline is {@code backend=baseline} (beside it {@code one-round-trip}), and {@code spring-integration} and
 * {@code camel} are the other libraries of the contention report (the strategy does not apply to any of them). With
 * {@code -prof gc}, JMH reports the allocation per registration ({@code gc.alloc.rate.norm}). Without options JMH runs
 * every combination with its defaults (5 forks of 5 warm-up and 5 measured 10-second iterations): about 6 hours. A
 * run of about 90 seconds on 2 cores, one strategy on embedded PostgreSQL:
 * {@code java -jar dedup-benchmarks/target/benchmarks.jar RegistrationBenchmark -p database=postgres
 * -p strategy=UNIQUE_CONSTRAINT -f 1 -wi 1 -w 2s -i 3 -r 2s -t 4}. The {@code database} parameter also takes a
 * {@code jdbc:postgresql:} URL of your own ({@code -p database=...}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RegistrationBenchmark {

    /** The subject under test, shared by all benchmark threads. */
    @State(Scope.Benchmark)
    public static class Target {
        /**
         * {@code baseline} (raw JDBC, insert and commit), {@code one-round-trip} (raw JDBC, auto-commit insert),
         * {@code jooq}, {@code jpa}, {@code spring-integration} or {@code camel}.
         */
        @Param({"baseline", "one-round-trip", "jooq", "jpa", "spring-integration", "camel"})
        public String backend;

        /** The guard's strategy; ignored by the baseline and the other libraries. */
        @Param({"UNIQUE_CONSTRAINT", "SELECT_FOR_UPDATE", "NO_LOCK"})
        public String strategy;

        /** {@code postgres} (embedded), {@code h2}, or a {@code jdbc:postgresql:} URL. */
        @Param({"postgres", "h2"})
        public String database;

        BenchDatabase db;
        Subject subject;
        final AtomicInteger threads = new AtomicInteger();

        /** Opens the database, empties the benchmark tables and builds the subject. */
        @Setup(Level.Trial)
        public void setUp() {
            db = BenchDatabase.open(database);
            db.clear();
            boolean guard = backend.equals("jooq") || backend.equals("jpa");
            subject = Subject.create(backend, guard ? Strategy.valueOf(strategy) : null, db, db.dataSource(),
                    guard ? db.emf() : null);
        }

        /** Empties the benchmark tables. */
        @TearDown(Level.Trial)
        public void tearDown() {
            db.clear();
        }
    }

    /** Each benchmark thread's own keys. */
    @State(Scope.Thread)
    public static class Keys {
        long scope;
        int thread;
        int next;
        final List<FileKey> stored = new ArrayList<>();

        /**
         * Gives the thread a case no other run uses and its own number in it.
         *
         * @param target the subject, which numbers the threads
         */
        @Setup(Level.Trial)
        public void setUp(Target target) {
            scope = Workloads.freshScope();
            thread = target.threads.incrementAndGet();
        }

        FileKey fresh() {
            return Workloads.key(scope, thread, next++);
        }
    }

    /**
     * W1: every registration is a new file.
     *
     * @param target the subject
     * @param keys this thread's keys
     * @return whether the file was new (always, unless the subject is broken)
     */
    @Benchmark
    public boolean distinctFiles(Target target, Keys keys) {
        return target.subject.register(keys.fresh()).isNew();
    }

    /**
     * W3: one registration in ten repeats a file this thread stored before.
     *
     * @param target the subject
     * @param keys this thread's keys
     * @return whether the file was new
     */
    @Benchmark
    public boolean reuploads(Target target, Keys keys) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        boolean repeat = !keys.stored.isEmpty() && random.nextInt(10) == 0;
        FileKey key = repeat ? keys.stored.get(random.nextInt(keys.stored.size())) : keys.fresh();
        boolean isNew = target.subject.register(key).isNew();
        if (isNew) {
            keys.stored.add(key);
        }
        return isNew;
    }
}
