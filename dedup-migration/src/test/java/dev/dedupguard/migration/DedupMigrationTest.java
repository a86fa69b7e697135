package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.SchemaMismatchException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each step on its own, on embedded PostgreSQL: exact counts, dry run, quarantine content, hooks, failure modes. */
class DedupMigrationTest {
    private static final int ROWS = 600;
    private static final int GROUPS = 40;

    private HikariDataSource ds;
    private SeededTable seeded;
    private final List<Progress> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void seed() throws SQLException {
        ds = Pg.freshDatabase(6);
        seeded = SeededTable.create(ds, "case_file", ROWS, GROUPS);
    }

    @AfterEach
    void close() {
        ds.close();
    }

    private DedupMigration.Builder migration() {
        return DedupMigration.forTable(ds, MigrationTable.caseFile("case_file")).batchSize(25).progress(events::add);
    }

    @Test
    void reportCountsGroupsAndRowsToRemoveExactlyPerScope() {
        DuplicateReport report = migration().build().report();

        assertThat(report.totalRows()).isEqualTo(ROWS);
        assertThat(report.duplicateGroups()).isEqualTo(GROUPS);
        assertThat(report.rowsToRemove()).isEqualTo(SeededTable.expectedRowsToRemove(GROUPS))
                .isEqualTo(seeded.expectedRemovals.size());
        assertThat(report.scopes()).hasSize(SeededTable.CASES);
        for (DuplicateReport.ScopeDuplicates s : report.scopes()) {
            assertThat(s.duplicateGroups()).as("groups in case " + s.scope()).isEqualTo(GROUPS / SeededTable.CASES);
            assertThat(s.rowsToRemove()).as("rows in case " + s.scope())
                    .isEqualTo(SeededTable.expectedRowsToRemoveInCase(GROUPS, Long.parseLong(s.scope())));
        }
        assertThat(report.scopes().get(0).rowsToRemove()).isEqualTo(report.scopes().stream()
                .mapToLong(DuplicateReport.ScopeDuplicates::rowsToRemove).max().orElseThrow());
    }

    @Test
    void dryRunChangesNothingAndSaysWhatItWouldDo() {
        MigrationRun run = migration().dryRun(true).build().run();

        assertThat(run.changedAnything()).isFalse();
        assertThat(run.steps()).extracting(StepResult::outcome)
                .containsExactly(Outcome.DRY_RUN, Outcome.DRY_RUN, Outcome.DRY_RUN);
        assertThat(run.steps().get(0).rowsMoved()).isEqualTo(seeded.expectedRemovals.size());
        assertThat(run.steps().get(0).detail()).contains("would move " + seeded.expectedRemovals.size() + " rows");
        assertThat(Pg.queryLong(ds, "select count(*) from case_file")).isEqualTo(ROWS);
        assertThat(Pg.query(ds, "select to_regclass('case_file_quarantine')").get(0).get(0)).isNull();
        assertThat(Pg.queryLong(ds, "select count(*) from pg_class where relname = 'uq_case_file_duplicate'"))
                .isZero();
        assertThat(run.after().nextStep()).isEqualTo(Step.RESOLVE);
    }

    @Test
    void resolveKeepsTheOldestAndQuarantinesTheFullRowOfEveryOther() {
        StepResult result = migration().build().resolve();

        int expected = seeded.expectedRemovals.size();
        assertThat(result.outcome()).isEqualTo(Outcome.DONE);
        assertThat(result.rowsMoved()).isEqualTo(expected);
        assertThat(result.attempts()).isEqualTo((expected + 24) / 25);
        assertThat(Pg.queryLong(ds, "select count(*) from case_file")).isEqualTo(ROWS - expected);
        assertQuarantineHoldsExactly(seeded.expectedRemovals);
        assertThat(events).filteredOn(p -> p.step() == Step.RESOLVE).last()
                .satisfies(p -> assertThat(p.done()).isEqualTo(expected));

        MigrationStatus status = migration().build().status();
        assertThat(status.duplicateGroups()).isZero();
        assertThat(status.quarantinedRows()).isEqualTo(expected);
        assertThat(status.nextStep()).isEqualTo(Step.CREATE_INDEX);
    }

    private void assertQuarantineHoldsExactly(Map<Long, Long> removals) {
        seeded.assertQuarantineHoldsExactly(ds, removals);
    }

    @Test
    void oldestByAnotherColumnKeepsTheRowWithTheSmallestValue() throws SQLException {
        Pg.execute(ds, "update case_file set uploaded_at = timestamptz '2026-01-01' - id * interval '1 minute'");
        DedupMigration m = DedupMigration.forTable(ds, MigrationTable.of("case_file").scope("case_id")
                .contentHash("file_hash").fileName("original_filename").oldestBy("uploaded_at").build()).build();

        m.resolve();

        List<List<Object>> wrongKept = Pg.query(ds, "select q.removed_id from case_file_quarantine q join case_file k"
                + " on k.id = q.kept_id where k.id < q.removed_id");
        assertThat(wrongKept).as("kept rows must be the newest id (oldest upload time)").isEmpty();
        assertThat(Pg.queryLong(ds, "select count(*) from case_file_quarantine"))
                .isEqualTo(seeded.expectedRemovals.size());
    }

    @Test
    void childRowsAreRepointedInTheSameTransactionBeforeTheMove() {
        Pg.execute(ds, "create table evidence_note (id bigint generated always as identity primary key,"
                + " case_file_id bigint not null references case_file(id), note text)");
        Pg.execute(ds, "insert into evidence_note (case_file_id, note) select id, 'note on ' || id from case_file");
        ChildRows repoint = (c, removed, kept) -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "update evidence_note set case_file_id = ? where case_file_id = ?")) {
                ps.setLong(1, kept);
                ps.setLong(2, removed);
                ps.executeUpdate();
            }
        };

        migration().childRows(repoint).build().resolve();

        assertThat(Pg.queryLong(ds, "select count(*) from evidence_note")).isEqualTo(ROWS);
        for (Map.Entry<Long, Long> e : seeded.expectedRemovals.entrySet()) {
            assertThat(Pg.queryLong(ds, "select count(*) from evidence_note where note = ? and case_file_id = ?",
                    "note on " + e.getKey(), e.getValue())).isOne();
        }
    }

    @Test
    void aFailingHookRollsItsBatchBackAndTheNextRunGoesOn() {
        AtomicLong calls = new AtomicLong();
        ChildRows failOnThirdBatch = (c, removed, kept) -> {
            if (calls.incrementAndGet() == 60) {
                throw new SQLException("child table locked by the host");
            }
        };

        assertThatThrownBy(() -> migration().childRows(failOnThirdBatch).build().resolve())
                .isInstanceOf(MigrationException.class).hasMessageContaining("ChildRows hook failed")
                .hasMessageContaining("rolled back");
        assertThat(Pg.queryLong(ds, "select count(*) from case_file_quarantine")).isEqualTo(50);
        assertThat(Pg.queryLong(ds, "select count(*) from case_file")).isEqualTo(ROWS - 50);

        StepResult rest = migration().build().resolve();
        assertThat(rest.rowsMoved()).isEqualTo(seeded.expectedRemovals.size() - 50);
        assertQuarantineHoldsExactly(seeded.expectedRemovals);
    }

    @Test
    void runCompletesAndASecondRunDoesNothing() {
        MigrationRun first = migration().build().run();

        assertThat(first.steps()).extracting(StepResult::outcome)
                .containsExactly(Outcome.DONE, Outcome.DONE, Outcome.DONE);
        assertThat(first.rowsMoved()).isEqualTo(seeded.expectedRemovals.size());
        assertThat(first.after().complete()).isTrue();
        assertConstraintValid();
        long indexOid = Pg.queryLong(ds, "select 'uq_case_file_duplicate'::regclass::oid::bigint");

        MigrationRun second = migration().build().run();

        assertThat(second.changedAnything()).isFalse();
        assertThat(second.steps()).extracting(StepResult::outcome)
                .containsExactly(Outcome.ALREADY_DONE, Outcome.ALREADY_DONE, Outcome.ALREADY_DONE);
        assertThat(second.before().duplicateGroups()).isZero();
        assertThat(second.after().quarantinedRows()).isEqualTo(seeded.expectedRemovals.size());
        assertThat(Pg.queryLong(ds, "select 'uq_case_file_duplicate'::regclass::oid::bigint")).isEqualTo(indexOid);
        assertThatThrownBy(() -> Pg.execute(ds, "insert into case_file (case_id, file_hash, original_filename)"
                + " select case_id, file_hash, original_filename from case_file limit 1"))
                .hasRootCauseMessage("ERROR: duplicate key value violates unique constraint \"uq_case_file_duplicate\"\n"
                        + "  Detail: Key (case_id, file_hash, original_filename)=" + keyText() + " already exists.");
    }

    private String keyText() {
        List<Object> r = Pg.query(ds, "select case_id, file_hash, original_filename from case_file limit 1").get(0);
        return "(" + r.get(0) + ", " + r.get(1) + ", " + r.get(2) + ")";
    }

    private void assertConstraintValid() {
        assertThat(Pg.queryLong(ds, "select count(*) from pg_constraint c join pg_index i on i.indexrelid = c.conindid"
                + " where c.conname = 'uq_case_file_duplicate' and c.contype = 'u' and i.indisvalid"
                + " and c.conrelid = 'case_file'::regclass")).isOne();
    }

    @Test
    void aDuplicateInsertedDuringTheIndexBuildIsCaughtTheInvalidIndexDroppedAndTheRunCompletes() throws Exception {
        DedupMigration m = migration().progressInterval(java.time.Duration.ofMillis(50)).build();
        m.resolve();
        Object[] key = seeded.keys.get(0);
        Object[] otherKey = seeded.keys.get(1);
        List<Boolean> insertIntoFailedIndexSucceeded = new ArrayList<>();
        DedupMigration watched = migration().progress(p -> {
            events.add(p);
            if (p.message().startsWith("build failed") && insertIntoFailedIndexSucceeded.isEmpty()) {
                assertThat(Pg.queryLong(ds, "select count(*) from pg_index where indexrelid = "
                        + "'uq_case_file_duplicate'::regclass and not indisvalid and not indisready")).isOne();
                Pg.execute(ds, "insert into case_file (case_id, file_hash, original_filename, uploaded_by)"
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
                var rs = ps.executeQuery();
                rs.next();
                injectedId = rs.getLong(1);
            }
            build = CompletableFuture.supplyAsync(watched::createUniqueIndex);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Pg.queryLong(ds, "select count(*) from pg_stat_activity where query ilike 'create unique index"
                    + " concurrently%' and wait_event_type = 'Lock'") == 0) {
                assertThat(System.nanoTime()).as("index build waiting for the injector").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(Pg.queryLong(ds, "select count(*) from pg_index where indexrelid = "
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
        assertThat(Pg.queryLong(ds, "select count(*) from case_file_quarantine where removed_id = ? and"
                + " row_data->>'uploaded_by' = 'bypassing the guard'", injectedId)).isOne();

        assertThat(m.attachConstraint().outcome()).isEqualTo(Outcome.DONE);
        assertConstraintValid();
        assertThat(m.status().duplicateGroups()).isZero();
        assertThat(Pg.queryLong(ds, "select count(*) from case_file_quarantine"))
                .isEqualTo(seeded.expectedRemovals.size() + 2);
        assertThat(m.run().changedAnything()).isFalse();
    }

    @Test
    void aTableInAnotherSchemaIsMigratedInThatSchemaOnly() throws SQLException {
        Pg.execute(ds, "create schema evidence");
        SeededTable other = SeededTable.create(ds, "evidence.case_file", 300, 20);

        MigrationRun run = DedupMigration.forTable(ds, MigrationTable.caseFile("evidence.case_file")).build().run();

        assertThat(run.after().complete()).isTrue();
        assertThat(run.rowsMoved()).isEqualTo(other.expectedRemovals.size());
        other.assertQuarantineHoldsExactly(ds, other.expectedRemovals);
        assertThat(Pg.queryLong(ds, "select count(*) from pg_constraint where conname = 'uq_case_file_duplicate'"
                + " and conrelid = 'evidence.case_file'::regclass")).isOne();
        assertThat(Pg.queryLong(ds, "select count(*) from case_file")).isEqualTo(ROWS);
        assertThat(Pg.query(ds, "select to_regclass('public.case_file_quarantine')").get(0).get(0)).isNull();
        assertThat(migration().build().status().nextStep()).isEqualTo(Step.RESOLVE);
    }

    @Test
    void aBatchWhoseRowIsLockedElsewhereIsRetriedUntilTheLockIsGone() throws Exception {
        long victim = seeded.expectedRemovals.keySet().iterator().next();
        try (Connection holder = ds.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement("select id from case_file where id = ? for update")) {
                ps.setLong(1, victim);
                ps.executeQuery().close();
            }
            CompletableFuture<StepResult> resolve = CompletableFuture.supplyAsync(
                    () -> migration().lockTimeout(java.time.Duration.ofMillis(100)).build().resolve());
            Thread.sleep(600);
            assertThat(resolve).isNotDone();
            holder.commit();
            assertThat(resolve.get(30, TimeUnit.SECONDS).rowsMoved()).isEqualTo(seeded.expectedRemovals.size());
        }
        assertThat(events).extracting(Progress::message)
                .anyMatch(m -> m.equals("rows locked by another transaction for over 100 ms; retrying the batch"));
        assertQuarantineHoldsExactly(seeded.expectedRemovals);
    }

    @Test
    void theAttachRetriesWhileTheTableIsBusyAndWaitsAtMostTheLockTimeoutEachTime() throws Exception {
        DedupMigration m = migration().lockTimeout(java.time.Duration.ofMillis(100)).build();
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
                ps.setString(1, Pg.sha256("during attach"));
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
    }

    @Test
    void anIndexOfTheSameNameOnOtherColumnsIsReportedNotReused() {
        Pg.execute(ds, "create index uq_case_file_duplicate on case_file (case_id)");

        assertThatThrownBy(() -> migration().build().createUniqueIndex()).isInstanceOf(MigrationException.class)
                .hasMessageContaining("is not a plain unique index on (case_id,file_hash,original_filename)"
                        + " but on (case_id)");
    }

    @Test
    void missingTableOrColumnIsASchemaMismatch() {
        assertThatThrownBy(() -> DedupMigration.forTable(ds, MigrationTable.caseFile("no_such_table")).build())
                .isInstanceOf(SchemaMismatchException.class).hasMessageContaining("no_such_table does not exist");
        assertThatThrownBy(() -> DedupMigration.forTable(ds, MigrationTable.of("case_file").scope("case_id")
                .contentHash("file_hsh").fileName("original_filename").build()).build())
                .isInstanceOf(SchemaMismatchException.class).hasMessageContaining("has no column file_hsh")
                .hasMessageContaining("file_hash");
    }

    @Test
    void h2IsRefusedWithAClearMessage() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:migration_refused");
        config.setUsername("sa");
        try (HikariDataSource h2 = new HikariDataSource(config)) {
            assertThatThrownBy(() -> DedupMigration.forTable(h2, MigrationTable.caseFile("case_file")).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("dataSource: DedupMigration supports PostgreSQL only; this data source"
                            + " is H2");
        }
    }

    @Test
    void builderRefusesBadSettingsBeforeConnecting() {
        DedupMigration.Builder b = DedupMigration.forTable(ds, MigrationTable.caseFile("case_file"));
        assertThatThrownBy(() -> b.batchSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchSize must be 1 to 100000, was 0");
        assertThatThrownBy(() -> b.lockTimeout(java.time.Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lockTimeout must be 10 ms to 60 s, was PT0.001S");
        assertThatThrownBy(() -> b.indexAttempts(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("indexAttempts must be 1 to 100, was 0");
    }

    @Test
    void twoMigrationsOfOneTableCannotInterleave() throws SQLException {
        try (Connection holder = ds.getConnection(); PreparedStatement ps = holder.prepareStatement(
                "select pg_advisory_lock(hashtext('dedup-migration:case_file'))")) {
            ps.execute();
            assertThatThrownBy(() -> migration().build().resolve()).isInstanceOf(MigrationException.class)
                    .hasMessageContaining("another migration of case_file is running");
        }
        assertThat(Pg.queryLong(ds, "select count(*) from case_file")).isEqualTo(ROWS);
    }
}
