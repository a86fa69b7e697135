package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.Registration;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jooq.Record;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scale measurement of the README: the hash check (first, before the writers' guard can be built), then report,
 * resolve, the index build, the attach and the hash check's validation on tables of {@code -Dscale.rows} rows (default
 * 20,000 and 60,000; the README's figures are from {@code -Dscale.rows=100000,300000,1000000}) with 5% duplicates and
 * 10% of the files' hashes stored in upper case, while 4 writers register through a SELECT_FOR_UPDATE guard, on
 * {@code -Dscale.databases} (default {@code postgresql,mariadb}). Writers re-upload only files stored in lower case
 * (the guard finds the others once resolve has lower-cased them). For each step it
 * prints the time and the writers' longest registration during it; for resolve also the time of its plans and the
 * time per batch of 500, which must not grow with the table. Appends the figures to
 * {@code target/migration-scale.txt}. Run it with
 * {@code mvn -pl dedup-migration test -Dtest=MigrationScaleTest -Dsurefire.excludedGroups= -Dscale.rows=...}.
 */
@Tag("slow")
class MigrationScaleTest {
    private static final int WRITERS = 4;
    private static final int BATCH = 500;
    private static final String TABLE = "case_file";

    @Test
    void measureEachStepWithFourGuardedWriters() throws Exception {
        List<Integer> sizes = Arrays.stream(System.getProperty("scale.rows", "20000,60000").split(","))
                .map(String::trim).map(Integer::valueOf).toList();
        List<TestDb> databases = Arrays.stream(System.getProperty("scale.databases", "postgresql,mariadb").split(","))
                .map(d -> TestDb.valueOf(d.trim().toUpperCase(Locale.ROOT))).toList();
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-10s %9s %8s | %8s %8s %9s %7s %9s %8s %8s %8s | longest writer wait (ms):"
                        + " report, resolve, index, attach, validate", "database", "rows", "removed", "check",
                "report", "resolve", "plans", "per batch", "index", "attach", "validate"));
        for (TestDb db : databases) {
            for (int rows : sizes) {
                lines.add(measure(db, rows));
                System.out.println(lines.get(0));
                System.out.println(lines.get(lines.size() - 1));
            }
        }
        Path out = Path.of("target", "migration-scale.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        lines.forEach(System.out::println);
    }

    private String measure(TestDb db, int rows) throws Exception {
        try (HikariDataSource ds = db.fresh(WRITERS + 6)) {
            int duplicates = rows / 20;
            long upperCase = seed(db, ds, rows, duplicates);
            assertThatThrownBy(() -> HostGuard.of(db, ds, TABLE, Strategy.SELECT_FOR_UPDATE))
                    .isInstanceOf(SchemaMismatchException.class)
                    .hasMessageContaining("no CHECK constraint that keeps hashes in lower case");
            List<long[]> marks = new java.util.concurrent.CopyOnWriteArrayList<>();
            DedupMigration migration = DedupMigration.forTable(ds, TABLE).scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").batchSize(BATCH)
                    .progress(p -> {
                        if (p.step() == Step.RESOLVE && p.message().startsWith("moved ")) {
                            marks.add(new long[] {System.nanoTime(), p.done()});
                        } else if (p.step() == Step.RESOLVE && p.message().contains("moving ")) {
                            marks.add(new long[] {System.nanoTime(), -1});
                        }
                    }).build();
            long checkStart = System.nanoTime();
            assertThat(migration.addHashCheck().outcome()).isEqualTo(Outcome.DONE);
            long check = (System.nanoTime() - checkStart) / 1_000_000;
            Writers writers = new Writers(HostGuard.of(db, ds, TABLE, Strategy.SELECT_FOR_UPDATE), rows);
            writers.start();
            try {
                long[] report = writers.during(() -> migration.report().rowsToRemove());
                assertThat(report[0]).isEqualTo(duplicates);
                assertThat(migration.status().nonCanonicalHashes()).isEqualTo(upperCase);
                long[] resolve = writers.during(() -> migration.resolve().attempts());
                long[] index = writers.during(() -> migration.createUniqueIndex().attempts());
                long[] attach = writers.during(() -> migration.attachConstraint().attempts());
                long[] validate = writers.during(() -> migration.validateHashCheck().attempts());
                MigrationStatus status = migration.status();
                assertThat(status.complete()).isTrue();
                assertThat(status.hashCheck()).isEqualTo(MigrationStatus.HashCheckState.VALID);
                long batches = resolve[0];
                long firstMoving = marks.stream().filter(m -> m[1] < 0).mapToLong(m -> m[0]).findFirst().orElseThrow();
                long lastMoved = marks.stream().filter(m -> m[1] >= 0).mapToLong(m -> m[0]).max().orElseThrow();
                double perBatch = (lastMoved - firstMoving) / 1e6 / batches;
                double plan = (resolve[1] - (lastMoved - firstMoving) / 1e6);
                assertThat(TestDb.queryLong(ds, "select count(*) from " + TABLE + "_quarantine")).isEqualTo(duplicates);
                assertThat(writers.failures).isEmpty();
                return String.format(Locale.ROOT, "%-10s %9d %8d | %8d %8d %9d %7.0f %9.1f %8d %8d %8d | %d, %d, %d,"
                                + " %d, %d (%d registrations)", db, rows, duplicates, check, report[1], resolve[1],
                        plan, perBatch, index[1], attach[1], validate[1], report[2], resolve[2], index[2], attach[2],
                        validate[2], writers.registrations.get());
            } finally {
                writers.stop();
            }
        }
    }

    /**
     * {@code rows} rows in 1,000 cases, {@code duplicates} of them copies of other rows (row 19 g for copy g), in an
     * order that spreads the copies over the id range; file k's hash is stored in upper case when k is a multiple of 10.
     *
     * @return how many rows store their hash in upper case
     */
    private static long seed(TestDb db, HikariDataSource ds, int rows, int duplicates) {
        TestDb.execute(ds, db.legacyTable(TABLE));
        int originals = rows - duplicates;
        if (db == TestDb.POSTGRESQL) {
            TestDb.execute(ds, "insert into " + TABLE + " (case_id, file_hash, original_filename, uploaded_by,"
                    + " size_bytes) select s.k % 1000 + 1, case when s.k % 10 = 0 then upper(encode(sha256(('file-'"
                    + " || s.k)::bytea), 'hex')) else encode(sha256(('file-' || s.k)::bytea), 'hex') end, 'file-'"
                    + " || s.k || '.bin', 'seed', s.k from (select g, g as k from generate_series(1, " + originals
                    + ") g union all select " + originals + " + g, 19 * g from generate_series(1, " + duplicates
                    + ") g) s order by md5(s.g::text)");
            TestDb.execute(ds, "analyze " + TABLE);
        } else {
            TestDb.execute(ds, "insert into " + TABLE + " (case_id, file_hash, original_filename, uploaded_by,"
                    + " size_bytes) select s.k % 1000 + 1, if(s.k % 10 = 0, upper(sha2(concat('file-', s.k), 256)),"
                    + " sha2(concat('file-', s.k), 256)), concat('file-', s.k,"
                    + " '.bin'), 'seed', s.k from (select seq as g, seq as k from seq_1_to_" + originals
                    + " union all select " + originals + " + seq, 19 * seq from seq_1_to_" + duplicates
                    + ") s order by md5(s.g)");
            TestDb.execute(ds, "analyze table " + TABLE);
        }
        return TestDb.queryLong(ds, "select count(*) from " + TABLE + " where file_hash <> lower(file_hash)");
    }

    /** Four writers: new files in their own cases and re-uploads of seeded files, through the guard. */
    private static final class Writers {
        final HostGuard guard;
        final int rows;
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicLong registrations = new AtomicLong();
        final AtomicLong longest = new AtomicLong();
        final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        final List<Future<?>> running = new ArrayList<>();

        Writers(HostGuard guard, int rows) {
            this.guard = guard;
            this.rows = rows;
        }

        void start() throws InterruptedException {
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                running.add(pool.submit(() -> write(writer)));
            }
            while (registrations.get() < 40) {
                Thread.sleep(10);
            }
        }

        private void write(int writer) {
            Random random = new Random(writer);
            for (long i = 0; !stopped.get(); i++) {
                boolean reupload = random.nextBoolean();
                long k = 1 + random.nextInt(rows * 19 / 20);
                if (k % 10 == 0) {
                    k--;
                }
                long start = System.nanoTime();
                try {
                    Registration<Record> r = reupload
                            ? guard.register(k % 1000 + 1, TestDb.sha256("file-" + k), "file-" + k + ".bin", "w")
                            : guard.register(5000L + writer, TestDb.sha256("w" + writer + "-" + i), "w-" + i, "w");
                    if (r.isNew() == reupload) {
                        failures.add((reupload ? "re-upload of " + k + " stored as new" : "new file a duplicate"));
                    }
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                    return;
                }
                longest.accumulateAndGet(System.nanoTime() - start, Math::max);
                registrations.incrementAndGet();
            }
        }

        /** Runs {@code step}: {its value, its milliseconds, the writers' longest registration meanwhile in ms}. */
        long[] during(Supplier<Number> step) {
            longest.set(0);
            long start = System.nanoTime();
            long value = step.get().longValue();
            long millis = (System.nanoTime() - start) / 1_000_000;
            return new long[] {value, millis, longest.get() / 1_000_000};
        }

        void stop() throws Exception {
            stopped.set(true);
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
    }
}
