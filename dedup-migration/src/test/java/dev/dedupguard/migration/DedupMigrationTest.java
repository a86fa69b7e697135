package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.SchemaMismatchException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What only PostgreSQL has: a concurrent index build that a duplicate fails leaves an invalid index to drop, the
 * attach as a step of its own, the hash check added NOT VALID first and validated last, privileges checked before
 * anything moves.
 * The guarantees every database shares are in {@link MigrationContract}.
 */
class DedupMigrationTest {
    private static final int ROWS = 600;
    private static final int GROUPS = 40;
    private static final TestDb DB = TestDb.POSTGRESQL;

    private HikariDataSource ds;
    private SeededTable seeded;
    private final List<Progress> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void seed() throws SQLException {
        ds = DB.fresh(6);
        seeded = SeededTable.create(DB, ds, "case_file", ROWS, GROUPS);
    }

    @AfterEach
    void close() {
        ds.close();
    }

    private DedupMigration.Builder migration() {
        return DedupMigration.forTable(ds, "case_file").scope("case_id").contentHash("file_hash")
                .fileName("original_filename").batchSize(25).progress(events::add);
    }

    private void assertConstraintValid() {
        assertThat(TestDb.queryLong(ds, "select count(*) from pg_constraint c join pg_index i on i.indexrelid ="
                + " c.conindid where c.conname = 'uq_case_file_duplicate' and c.contype = 'u' and i.indisvalid"
                + " and c.conrelid = 'case_file'::regclass")).isOne();
    }

    @Test
    void theHashCheckIsAddedNotValidFirstAndValidatedLastUnderTheConfiguredName() {
        TestDb.execute(ds, "update case_file set file_hash = upper(file_hash) where id = 1");
        DedupMigration m = migration().build();

        StepResult added = m.addHashCheck();

        assertThat(added.attempts()).as("the ADD alone: a VALIDATE would meet row 1").isOne();
        assertThat(TestDb.query(ds, "select conname::text, convalidated, pg_get_constraintdef(oid) from pg_constraint"
                + " where contype = 'c' and conrelid = 'case_file'::regclass")).containsExactly(List.of(
                "ck_case_file_hash_lower", false, "CHECK (((file_hash)::text = lower((file_hash)::text))) NOT VALID"));

        MigrationRun run = m.run();

        assertThat(run.steps()).extracting(StepResult::step).last().isEqualTo(Step.VALIDATE_HASH_CHECK);
        assertThat(run.steps().get(4).outcome()).isEqualTo(Outcome.DONE);
        assertThat(TestDb.query(ds, "select conname::text, convalidated, pg_get_constraintdef(oid) from pg_constraint"
                + " where contype = 'c' and conrelid = 'case_file'::regclass")).containsExactly(List.of(
                "ck_case_file_hash_lower", true, "CHECK (((file_hash)::text = lower((file_hash)::text)))"));
        assertConstraintValid();
    }

    @Test
    void onATableWhoseHashesAreAllLowerCaseTheCheckIsValidatedAtOnce() {
        StepResult added = migration().build().addHashCheck();

        assertThat(added.attempts()).as("ADD, then VALIDATE").isEqualTo(2);
        assertThat(TestDb.queryLong(ds, "select count(*) from pg_constraint where conname = 'ck_case_file_hash_lower'"
                + " and convalidated")).isOne();
        assertThat(migration().build().validateHashCheck().outcome()).isEqualTo(Outcome.ALREADY_DONE);
    }

    @Test
    void aDuplicateInsertedDuringTheIndexBuildIsCaughtTheInvalidIndexDroppedAndTheRunCompletes() throws Exception {
        DedupMigration m = migration().progressInterval(Duration.ofMillis(50)).build();
        m.resolve();
        Object[] key = seeded.keys.get(0);
        Object[] otherKey = seeded.keys.get(1);
        List<Boolean> insertIntoFailedIndexSucceeded = new ArrayList<>();
        DedupMigration watched = migration().progress(p -> {
            events.add(p);
            if (p.message().startsWith("build failed") && insertIntoFailedIndexSucceeded.isEmpty()) {
                assertThat(TestDb.queryLong(ds, "select count(*) from pg_index where indexrelid = "
                        + "'uq_case_file_duplicate'::regclass and not indisvalid and not indisready")).isOne();
                TestDb.execute(ds, "insert into case_file (case_id, file_hash, original_filename, uploaded_by)"
                        + " values (?, ?, ?, 'injected into the failed index')", otherKey);
                insertIntoFailedIndexSucceeded.add(true);
            }
        }).build();

        long injectedId;
        CompletableFuture<StepResult> build;
        try (Connection injector = ds.getConnection()) {
            injector.setAutoCommit(false);
            try (PreparedStatement ps = injector.prepareStatement("insert into case_file (case_id, file_hash,"
                    + " original_filename, uploaded_by) values (?, ?, ?, 'bypassing the guard') returning id")) {
                ps.setObject(1, key[0]);
                ps.setObject(2, key[1]);
                ps.setObject(3, key[2]);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    injectedId = rs.getLong(1);
                }
            }
            build = CompletableFuture.supplyAsync(watched::createUniqueIndex);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (TestDb.queryLong(ds, "select count(*) from pg_stat_activity where query ilike 'create unique index"
                    + " concurrently%' and wait_event_type = 'Lock'") == 0) {
                assertThat(System.nanoTime()).as("index build waiting for the injector").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(TestDb.queryLong(ds, "select count(*) from pg_index where indexrelid = "
                    + "'uq_case_file_duplicate'::regclass and not indisvalid")).as("build under way").isOne();
            injector.commit();
        }
        StepResult result = build.get(60, TimeUnit.SECONDS);

        assertThat(insertIntoFailedIndexSucceeded).containsExactly(true);
        assertThat(result.outcome()).isEqualTo(Outcome.DONE);
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(result.invalidIndexesDropped()).isEqualTo(1);
        assertThat(result.rowsMoved()).isEqualTo(2);
        assertThat(events).extracting(Progress::message)
                .anyMatch(msg -> msg.startsWith("build failed: a duplicate was inserted during the build"))
                .anyMatch(msg -> msg.startsWith("dropping the invalid index uq_case_file_duplicate"));
        assertThat(TestDb.queryLong(ds, "select count(*) from case_file_quarantine where removed_id = ? and"
                + " row_data->>'uploaded_by' = 'bypassing the guard'", injectedId)).isOne();

        assertThat(m.attachConstraint().outcome()).isEqualTo(Outcome.DONE);
        assertConstraintValid();
        assertThat(m.status().duplicateGroups()).isZero();
        assertThat(TestDb.queryLong(ds, "select count(*) from case_file_quarantine"))
                .isEqualTo(seeded.expectedRemovals.size() + 2);
        assertThat(m.addHashCheck().outcome()).isEqualTo(Outcome.DONE);
        assertThat(m.run().changedAnything()).isFalse();
    }

    @Test
    void aTableInAnotherSchemaIsMigratedInThatSchemaOnly() throws SQLException {
        TestDb.execute(ds, "create schema evidence");
        SeededTable other = SeededTable.create(DB, ds, "evidence.case_file", 300, 20);

        MigrationRun run = DedupMigration.forTable(ds, "evidence.case_file").scope("case_id")
                .contentHash("file_hash").fileName("original_filename").build().run();

        assertThat(run.after().complete()).isTrue();
        assertThat(run.rowsMoved()).isEqualTo(other.expectedRemovals.size());
        other.assertQuarantineHoldsExactly(ds, other.expectedRemovals);
        assertThat(TestDb.queryLong(ds, "select count(*) from pg_constraint where conname = 'uq_case_file_duplicate'"
                + " and conrelid = 'evidence.case_file'::regclass")).isOne();
        assertThat(TestDb.queryLong(ds, "select count(*) from case_file")).isEqualTo(ROWS);
        assertThat(TestDb.query(ds, "select to_regclass('public.case_file_quarantine')").get(0).get(0)).isNull();
        assertThat(migration().build().status().nextStep()).isEqualTo(Step.HASH_CHECK);
    }

    @Test
    void theAttachRetriesWhileTheTableIsBusyAndWaitsAtMostTheLockTimeoutEachTime() throws Exception {
        DedupMigration m = migration().lockTimeout(Duration.ofMillis(100)).build();
        m.resolve();
        m.createUniqueIndex();
        StepResult attach;
        try (Connection reader = ds.getConnection()) {
            reader.setAutoCommit(false);
            try (PreparedStatement ps = reader.prepareStatement("select count(*) from case_file")) {
                ps.executeQuery().close();
            }
            CompletableFuture<StepResult> attaching = CompletableFuture.supplyAsync(m::attachConstraint);
            Thread.sleep(500);
            long start = System.nanoTime();
            try (Connection writer = ds.getConnection(); PreparedStatement ps = writer.prepareStatement(
                    "insert into case_file (case_id, file_hash, original_filename) values (99, ?, 'during attach')")) {
                ps.setString(1, TestDb.sha256("during attach"));
                ps.executeUpdate();
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("a writer's wait (ms)")
                    .isLessThan(1_000);
            assertThat(attaching).isNotDone();
            reader.commit();
            attach = attaching.get(30, TimeUnit.SECONDS);
        }
        assertThat(attach.outcome()).isEqualTo(Outcome.DONE);
        assertThat(attach.attempts()).isGreaterThan(1);
        assertThat(events).extracting(Progress::message)
                .anyMatch(msg -> msg.equals("table lock not granted within 100 ms; retrying"));
        assertConstraintValid();
    }

    @Test
    void attachBeforeTheIndexIsRefused() {
        assertThatThrownBy(() -> migration().build().attachConstraint()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("run createUniqueIndex() first");
        assertThatThrownBy(() -> migration().build().validateHashCheck()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("run addHashCheck() first");
    }

    /** Observation 3: a role that may not create the quarantine is refused before anything moves, not halfway. */
    @Test
    void aRoleThatMayNotCreateTheQuarantineOrOwnTheTableIsRefusedBeforeAnythingMoves() {
        TestDb.execute(ds, "create role mig_weak login");
        TestDb.execute(ds, "grant select, insert, update, delete on case_file to mig_weak");
        TestDb.execute(ds, "revoke create on schema public from public");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(ds.getJdbcUrl().replace("user=postgres", "user=mig_weak"));
        config.setUsername("mig_weak");
        config.setAutoCommit(false);
        config.setMaximumPoolSize(1);
        try (HikariDataSource weak = new HikariDataSource(config)) {
            assertThatThrownBy(() -> DedupMigration.forTable(weak, "case_file").scope("case_id")
                    .contentHash("file_hash").fileName("original_filename").build())
                    .isInstanceOf(SchemaMismatchException.class)
                    .hasMessageContaining("may not create tables in schema public, where the quarantine"
                            + " case_file_quarantine goes")
                    .hasMessageContaining("does not own public.case_file");
        }
        assertThat(TestDb.queryLong(ds, "select count(*) from case_file")).isEqualTo(ROWS);
    }

    @Test
    void h2IsRefusedWithAClearMessage() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:migration_refused");
        config.setUsername("sa");
        try (HikariDataSource h2 = new HikariDataSource(config)) {
            assertThatThrownBy(() -> DedupMigration.forTable(h2, "case_file").scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").build()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("dataSource: DedupMigration supports PostgreSQL and MariaDB; this data"
                            + " source is H2").hasMessageContaining("H2 has no online index build");
            DoctorReport doctor = DedupMigration.forTable(h2, "case_file").scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").doctor();
            assertThat(doctor.problems()).extracting(Finding::check).containsExactly("database");
        }
    }
}
