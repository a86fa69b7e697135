package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/** The SQL files shipped in the jar, applied by Flyway to a case_file full of duplicates on embedded PostgreSQL. */
class FlywayMigrationFilesTest {

    @Test
    void flywayAppliesTheShippedStepsAndTheHelperSeesAFinishedMigration() throws Exception {
        try (HikariDataSource ds = Pg.freshDatabase(4)) {
            SeededTable seeded = SeededTable.create(ds, "case_file", 1_000, 60);
            Flyway flyway = Flyway.configure().dataSource(ds)
                    .locations("classpath:dev/dedupguard/migration/postgresql")
                    .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                    .baselineOnMigrate(true).baselineVersion("0")
                    .load();

            long start = System.nanoTime();
            MigrateResult result = flyway.migrate();
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(result.success).isTrue();
            assertThat(result.migrationsExecuted).isEqualTo(4);
            assertThat(millis).as("Flyway run (ms)").isLessThan(60_000);
            assertThat(Pg.queryLong(ds, "select count(*) from pg_constraint c join pg_index i"
                    + " on i.indexrelid = c.conindid where c.conname = 'uq_case_file_duplicate' and c.contype = 'u'"
                    + " and i.indisvalid and c.conrelid = 'case_file'::regclass")).isOne();
            assertThat(Pg.queryLong(ds, "select count(*) from case_file"))
                    .isEqualTo(1_000 - seeded.expectedRemovals.size());
            seeded.assertQuarantineHoldsExactly(ds, seeded.expectedRemovals);

            MigrationStatus status = DedupMigration.forTable(ds, MigrationTable.caseFile("case_file")).build()
                    .status();
            assertThat(status.complete()).isTrue();
            assertThat(status.duplicateGroups()).isZero();
            assertThat(status.index()).isEqualTo(MigrationStatus.IndexState.VALID);
            assertThat(status.quarantinedRows()).isEqualTo(seeded.expectedRemovals.size());

            assertThat(flyway.migrate().migrationsExecuted).isZero();
        }
    }
}
