package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.Registration;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.jooq.Record;
import org.junit.jupiter.api.Test;

/**
 * The acceptance run, on each database: a host table full of duplicates, some of its legacy hashes in upper
 * case, gets the hash check first (without which the writers' guard cannot be built), then is migrated while 4 writer
 * threads register new files and re-upload existing ones through a SELECT_FOR_UPDATE guard the whole time, then switch
 * to UNIQUE_CONSTRAINT without stopping. Writers re-upload only files none of whose rows is stored in upper case: the
 * guard looks hashes up in lower case, so it finds such a file only once resolve has lower-cased it. Real threads,
 * real servers, exact counts. The longest registration is measured from the start of the migration on (after each
 * writer's first 20 registrations, which include its connection's warm-up).
 */
abstract class OnlineMigrationContract {
    static final int WRITERS = 4;
    static final String TABLE = "case_file";

    abstract TestDb db();

    /** The longest a registration may wait during the migration. */
    abstract Duration longestWait();

    /** A statement in {@code ds}'s activity view counting sessions whose index build waits for a lock. */
    abstract String buildsWaitingForALock();

    @Test
    void tenThousandRowsInFiveHundredGroupsWithFourWriters() throws Exception {
        migrateUnderLoad(10_000, 500, false);
    }

    @Test
    void aDuplicateCommittedWhileTheIndexBuildWaitsIsResolvedAndTheRunCompletes() throws Exception {
        migrateUnderLoad(10_000, 500, true);
    }

    private void migrateUnderLoad(int rows, int groups, boolean inject) throws Exception {
        try (HikariDataSource ds = db().fresh(WRITERS + 6)) {
            SeededTable seeded = SeededTable.create(db(), ds, TABLE, rows, groups, true);
            Map<Long, Long> expectedRemovals = new TreeMap<>(seeded.expectedRemovals);
            Injector injector = new Injector(ds, seeded);
            List<Progress> progress = new CopyOnWriteArrayList<>();
            DedupMigration migration = DedupMigration.forTable(ds, TABLE).scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").batchSize(100).progressInterval(Duration.ofMillis(100))
                    .lockTimeout(inject && db() == TestDb.MARIADB ? Duration.ofSeconds(5) : Duration.ofMillis(500))
                    .progress(p -> {
                        progress.add(p);
                        if (inject && p.message().startsWith("building unique index") && !injector.started()) {
                            injector.insertAndCommitOnceTheBuildWaits();
                        }
                    })
                    .build();
            assertThatThrownBy(() -> HostGuard.of(db(), ds, TABLE, Strategy.SELECT_FOR_UPDATE))
                    .as("the writers' guard before the hash check").isInstanceOf(SchemaMismatchException.class)
                    .hasMessageContaining("no CHECK constraint that keeps hashes in lower case");
            StepResult check = migration.addHashCheck();
            assertThat(check.outcome()).isEqualTo(Outcome.DONE);
            assertThat(check.detail()).contains(seeded.upperCaseIds.size() + " stored hashes are not lower case yet");
            AtomicReference<HostGuard> guard = new AtomicReference<>(HostGuard.of(db(), ds, TABLE,
                    Strategy.SELECT_FOR_UPDATE));
            List<Writer> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                writers.add(new Writer(w, guard, seeded));
            }
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> running = new ArrayList<>();
            writers.forEach(w -> running.add(pool.submit(w)));
            try {
                awaitEach(writers, new long[WRITERS], 20);
                writers.forEach(w -> w.maxWaitNanos.set(0));
                long[] before = registrations(writers);
                MigrationRun run = migration.run();
                long[] during = registrations(writers);
                System.out.printf("%s: migration of %d rows took %d ms (%s); writers registered %d times meanwhile%n",
                        db(), rows, run.steps().stream().mapToLong(StepResult::millis).sum(), run.steps().stream()
                                .map(r -> r.step() + " " + r.millis() + " ms").toList(),
                        IntStream.range(0, WRITERS).mapToLong(w -> during[w] - before[w]).sum());

                for (int w = 0; w < WRITERS; w++) {
                    assertThat(during[w] - before[w]).as("writer %d registered during the migration", w)
                            .isPositive();
                }
                assertThat(run.before().duplicateGroups()).isEqualTo(groups);
                assertThat(run.before().rowsToRemove()).isEqualTo(SeededTable.expectedRowsToRemove(groups));
                assertThat(run.before().nonCanonicalHashes()).isEqualTo(seeded.upperCaseIds.size());
                assertThat(run.steps()).extracting(StepResult::step).containsExactly(Step.HASH_CHECK, Step.RESOLVE,
                        Step.CREATE_INDEX, Step.ATTACH_CONSTRAINT, Step.VALIDATE_HASH_CHECK);
                Outcome postgresOnly = db() == TestDb.POSTGRESQL ? Outcome.DONE : Outcome.ALREADY_DONE;
                assertThat(run.steps()).extracting(StepResult::outcome).containsExactly(Outcome.ALREADY_DONE,
                        Outcome.DONE, Outcome.DONE, postgresOnly, postgresOnly);
                assertThat(run.steps().get(1).hashesLowerCased()).isEqualTo(seeded.expectedHashesLowerCased());
                if (inject) {
                    injector.join();
                    expectedRemovals.put(injector.injectedId, injector.keptId);
                    seeded.original.put(injector.injectedId, injector.injectedRow);
                    StepResult build = run.steps().get(2);
                    assertThat(build.attempts()).isEqualTo(2);
                    assertThat(build.invalidIndexesDropped()).isEqualTo(db() == TestDb.POSTGRESQL ? 1 : 0);
                    assertThat(build.rowsMoved()).isEqualTo(1);
                    assertThat(progress).extracting(Progress::message)
                            .anyMatch(m -> m.startsWith("build failed: a duplicate was inserted during the build"));
                }
                assertThat(run.rowsMoved()).isEqualTo(expectedRemovals.size());
                assertThat(run.after().duplicateGroups()).isZero();
                assertThat(run.after().complete()).isTrue();
                assertThat(run.after().hashCheck()).isEqualTo(MigrationStatus.HashCheckState.VALID);
                assertThat(run.after().nonCanonicalHashes()).isZero();
                assertThat(progress).extracting(Progress::step).contains(Step.RESOLVE, Step.CREATE_INDEX);

                guard.set(HostGuard.of(db(), ds, TABLE, Strategy.UNIQUE_CONSTRAINT));
                awaitEach(writers, during, 20);
            } finally {
                writers.forEach(w -> w.stopped.set(true));
                for (Future<?> f : running) {
                    f.get(30, TimeUnit.SECONDS);
                }
                pool.shutdownNow();
            }

            long newFiles = 0;
            for (Writer w : writers) {
                assertThat(w.failures).as("writer %d failures", w.number).isEmpty();
                assertThat(w.maxWaitNanos.get()).as("writer %d's longest registration (ns)", w.number)
                        .isLessThan(longestWait().toNanos());
                assertThat(TestDb.queryLong(ds, "select count(*) from " + TABLE + " where case_id = ?", w.caseId()))
                        .as("rows of writer %d", w.number).isEqualTo(w.newFiles.get());
                assertThat(w.duplicates.get()).isPositive();
                newFiles += w.newFiles.get();
                System.out.printf("%s writer %d: %d new, %d duplicates, longest registration %d ms%n", db(), w.number,
                        w.newFiles.get(), w.duplicates.get(), TimeUnit.NANOSECONDS.toMillis(w.maxWaitNanos.get()));
            }
            assertThat(TestDb.queryLong(ds, "select count(*) from (select 1 from " + TABLE + " group by case_id,"
                    + " file_hash, original_filename having count(*) > 1) d")).isZero();
            assertThat(TestDb.queryLong(ds, "select count(*) from " + TABLE + " where file_hash <> lower(file_hash)"))
                    .isZero();
            assertThat(TestDb.queryLong(ds, "select count(*) from " + TABLE))
                    .isEqualTo(rows + (inject ? 1 : 0) - expectedRemovals.size() + newFiles);
            assertThat(db().uniqueKeys(ds, TABLE)).isOne();
            seeded.assertQuarantineHoldsExactly(ds, expectedRemovals);

            MigrationRun again = DedupMigration.forTable(ds, TABLE).scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").build().run();
            assertThat(again.changedAnything()).isFalse();
            assertThat(again.after().quarantinedRows()).isEqualTo(expectedRemovals.size());
        }
    }

    /**
     * Bypasses the guard: inserts a duplicate of a seeded file in a transaction that the index build must wait for
     * (it starts before the build), and commits it once the build waits, so the build meets it.
     */
    private final class Injector {
        final HikariDataSource ds;
        final SeededTable seeded;
        Thread committer;
        long injectedId;
        long keptId;
        String injectedRow;

        Injector(HikariDataSource ds, SeededTable seeded) {
            this.ds = ds;
            this.seeded = seeded;
        }

        boolean started() {
            return committer != null;
        }

        void insertAndCommitOnceTheBuildWaits() {
            keptId = seeded.expectedRemovals.values().iterator().next();
            Object[] key = seeded.keyById.get(keptId);
            try {
                Connection c = ds.getConnection();
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("insert into " + TABLE + " (case_id, file_hash,"
                        + " original_filename, uploaded_by) values (?, ?, ?, 'bypassing the guard')")) {
                    ps.setObject(1, key[0]);
                    ps.setObject(2, ((String) key[1]).toLowerCase());
                    ps.setObject(3, key[2]);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("select t.id, " + db().rowText("t") + " from " + TABLE
                        + " t where t.uploaded_by = 'bypassing the guard'"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    injectedId = rs.getLong(1);
                    injectedRow = rs.getString(2);
                }
                committer = new Thread(() -> commitWhenTheBuildWaits(c), "injector");
                committer.start();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private void commitWhenTheBuildWaits(Connection c) {
            try (c) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (TestDb.queryLong(ds, buildsWaitingForALock()) == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the index build never waited for the injector");
                    }
                    Thread.sleep(10);
                }
                c.commit();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        void join() throws InterruptedException {
            assertThat(committer).as("the injector ran").isNotNull();
            committer.join(30_000);
        }
    }

    private static long[] registrations(List<Writer> writers) {
        return writers.stream().mapToLong(w -> w.registrations.get()).toArray();
    }

    private static void awaitEach(List<Writer> writers, long[] from, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int w = 0; w < writers.size(); w++) {
            while (writers.get(w).registrations.get() < from[w] + count) {
                assertThat(writers.get(w).failures).isEmpty();
                assertThat(System.nanoTime()).as("writer %d progressing", w).isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    /**
     * Registers, in a loop: a new file in its own case (must be new), a re-upload of one of its own earlier files
     * (must be a duplicate with the same id), or a re-upload of a seeded file (must be a duplicate).
     */
    static final class Writer implements Runnable {
        final int number;
        final AtomicReference<HostGuard> guard;
        final SeededTable seeded;
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicLong registrations = new AtomicLong();
        final AtomicLong newFiles = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong maxWaitNanos = new AtomicLong();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final List<long[]> own = new ArrayList<>();

        Writer(int number, AtomicReference<HostGuard> guard, SeededTable seeded) {
            this.number = number;
            this.guard = guard;
            this.seeded = seeded;
        }

        long caseId() {
            return 1000L + number;
        }

        @Override
        public void run() {
            Random random = new Random(number);
            while (!stopped.get()) {
                int kind = random.nextInt(3);
                try {
                    if (kind == 0 || own.isEmpty() && kind == 1) {
                        long i = own.size();
                        Registration<Record> r = register(caseId(), TestDb.sha256("writer-" + number + "-" + i),
                                "upload-" + i + ".bin");
                        if (!r.isNew()) {
                            failures.add("new file " + i + " reported as duplicate of " + r.id());
                        }
                        own.add(new long[] {i, r.id()});
                        newFiles.incrementAndGet();
                    } else if (kind == 1) {
                        long[] earlier = own.get(random.nextInt(own.size()));
                        Registration<Record> r = register(caseId(), TestDb.sha256("writer-" + number + "-"
                                + earlier[0]), "upload-" + earlier[0] + ".bin");
                        if (r.isNew() || r.id() != earlier[1]) {
                            failures.add("re-upload of " + earlier[0] + " gave " + r);
                        }
                        duplicates.incrementAndGet();
                    } else {
                        Object[] key = seeded.lowerCaseFiles.get(random.nextInt(seeded.lowerCaseFiles.size()));
                        Registration<Record> r = register(((Number) key[0]).longValue(), (String) key[1],
                                (String) key[2]);
                        if (r.isNew()) {
                            failures.add("seeded file " + key[2] + " registered as new, id " + r.id());
                        }
                        duplicates.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                    return;
                }
                registrations.incrementAndGet();
            }
        }

        private Registration<Record> register(long caseId, String hash, String fileName) {
            long start = System.nanoTime();
            Registration<Record> r = guard.get().register(caseId, hash, fileName, "writer-" + number);
            maxWaitNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            return r;
        }
    }
}
