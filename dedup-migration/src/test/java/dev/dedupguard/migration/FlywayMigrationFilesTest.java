package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/** The SQL files shipped in the jar, applied by Flyway to a case_file full of duplicates on embedded PostgreSQL. */
class FlywayMigrationFilesTest {
    private static final TestDb DB = TestDb.POSTGRESQL;

    private static Flyway flyway(HikariDataSource ds) {
        return Flyway.configure().dataSource(ds).locations("classpath:dev/dedupguard/migration/postgresql")
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .baselineOnMigrate(true).baselineVersion("0").load();
    }

    @Test
    void flywayAppliesTheShippedStepsAndTheHelperSeesAFinishedMigration() throws Exception {
        try (HikariDataSource ds = DB.fresh(4)) {
            SeededTable seeded = SeededTable.create(DB, ds, "case_file", 1_000, 60);
            String hash = TestDb.sha256("upper twin");
            TestDb.execute(ds, "insert into case_file (case_id, file_hash, original_filename) values (5, ?, 'x.bin'),"
                    + " (5, ?, 'x.bin')", hash.toUpperCase(), hash);
            long twin = TestDb.queryLong(ds, "select max(id) from case_file");
            Flyway flyway = flyway(ds);

            long start = System.nanoTime();
            MigrateResult result = flyway.migrate();
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(result.success).isTrue();
            assertThat(result.migrationsExecuted).isEqualTo(6);
            assertThat(millis).as("Flyway run (ms)").isLessThan(60_000);
            assertThat(TestDb.queryLong(ds, "select count(*) from pg_constraint c join pg_index i"
                    + " on i.indexrelid = c.conindid where c.conname = 'uq_case_file_duplicate' and c.contype = 'u'"
                    + " and i.indisvalid and c.conrelid = 'case_file'::regclass")).isOne();
            assertThat(TestDb.queryLong(ds, "select count(*) from case_file")).isEqualTo(1_000 + 1
                    - seeded.expectedRemovals.size());
            assertThat(TestDb.queryString(ds, "select file_hash from case_file where id = ?", twin - 1)).isEqualTo(hash);
            assertThat(TestDb.queryLong(ds, "select kept_id from case_file_quarantine where removed_id = ?", twin))
                    .isEqualTo(twin - 1);
            TestDb.execute(ds, "delete from case_file_quarantine where removed_id = ?", twin);
            seeded.assertQuarantineHoldsExactly(ds, seeded.expectedRemovals);

            MigrationStatus status = DedupMigration.forTable(ds, "case_file").scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").build().status();
            assertThat(status.complete()).isTrue();
            assertThat(status.duplicateGroups()).isZero();
            assertThat(status.index()).isEqualTo(MigrationStatus.IndexState.VALID);
            assertThat(status.hashCheck()).isEqualTo(MigrationStatus.HashCheckState.VALID);
            assertThat(status.quarantinedRows()).isEqualTo(seeded.expectedRemovals.size());

            assertThat(flyway.migrate().migrationsExecuted).isZero();
        }
    }

    /**
     * The order the README gives for writers that build their guard before the migration: V5 (the hash check, not
     * validated) first, then V1-V4 and V6. The writers' SELECT_FOR_UPDATE guard is refused before V5 and builds after it,
     * on a table that still holds an upper-case hash, and the run ends with the migration complete.
     */
    @Test
    void theHashCheckFileFirstLetsTheWritersGuardBuildAndTheOtherFilesStillFinishTheMigration() throws Exception {
        try (HikariDataSource ds = DB.fresh(4)) {
            SeededTable seeded = SeededTable.create(DB, ds, "case_file", 500, 30);
            String hash = TestDb.sha256("upper legacy");
            TestDb.execute(ds, "insert into case_file (case_id, file_hash, original_filename) values (6, ?, 'y.bin')",
                    hash.toUpperCase());
            assertThatThrownBy(() -> HostGuard.of(DB, ds, "case_file", dev.dedupguard.Strategy.SELECT_FOR_UPDATE))
                    .isInstanceOf(dev.dedupguard.SchemaMismatchException.class).hasMessageContaining("lower case");

            runShippedFile(ds, "V5__dedup_add_hash_check.sql");
            HostGuard writers = HostGuard.of(DB, ds, "case_file", dev.dedupguard.Strategy.SELECT_FOR_UPDATE);
            assertThat(writers.guard).isNotNull();
            for (String file : java.util.List.of("V1__dedup_create_quarantine.sql", "V2__dedup_resolve_duplicates.sql",
                    "V3__dedup_create_unique_index.sql", "V4__dedup_attach_unique_constraint.sql",
                    "V6__dedup_validate_hash_check.sql")) {
                runShippedFile(ds, file);
            }

            assertThat(TestDb.queryLong(ds, "select count(*) from case_file where file_hash <> lower(file_hash)"))
                    .isZero();
            assertThat(TestDb.queryLong(ds, "select count(*) from case_file")).isEqualTo(500 + 1
                    - seeded.expectedRemovals.size());
            seeded.assertQuarantineHoldsExactly(ds, seeded.expectedRemovals);
            MigrationStatus status = DedupMigration.forTable(ds, "case_file").scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").build().status();
            assertThat(status.complete()).as("%s", status).isTrue();
            assertThat(status.hashCheck()).isEqualTo(MigrationStatus.HashCheckState.VALID);
        }
    }

    private static void runShippedFile(HikariDataSource ds, String file) throws Exception {
        String sql;
        try (java.io.InputStream in = FlywayMigrationFilesTest.class.getClassLoader()
                .getResourceAsStream("dev/dedupguard/migration/postgresql/" + file)) {
            assertThat(in).as(file).isNotNull();
            sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try (java.sql.Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.execute(sql);
        }
    }

    /** Observation 1 for the shipped files: V2 as shipped deleted 50 of 50 notes through ON DELETE CASCADE. */
    @Test
    void stepTwoRefusesBeforeDeletingAnythingWhenAnotherTableReferencesADuplicate() throws Exception {
        try (HikariDataSource ds = DB.fresh(4)) {
            SeededTable seeded = SeededTable.create(DB, ds, "case_file", 1_000, 60);
            TestDb.execute(ds, DB.childTable("evidence_note", "case_file", "CASCADE"));
            TestDb.execute(ds, "insert into evidence_note (case_file_id, note) select id, 'note' from case_file"
                    + " order by id desc limit 50");

            assertThatThrownBy(() -> flyway(ds).migrate()).hasMessageContaining("rows of evidence_note reference"
                    + " duplicates of case_file that step 2 would remove (foreign key evidence_note_case_file_id_fkey,"
                    + " ON DELETE CASCADE)").hasMessageContaining("Nothing was removed");

            assertThat(TestDb.queryLong(ds, "select count(*) from case_file")).isEqualTo(1_000);
            assertThat(TestDb.queryLong(ds, "select count(*) from evidence_note")).isEqualTo(50);
            assertThat(TestDb.queryLong(ds, "select count(*) from case_file_quarantine")).isZero();
            assertThat(seeded.expectedRemovals).isNotEmpty();
        }
    }
}
