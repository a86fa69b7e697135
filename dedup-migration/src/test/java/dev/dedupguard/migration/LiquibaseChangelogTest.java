package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import org.junit.jupiter.api.Test;

/** The shipped Liquibase changelog (the same SQL files), applied by Liquibase 4.33 on embedded PostgreSQL. */
class LiquibaseChangelogTest {
    private static final String CHANGELOG = "dev/dedupguard/migration/postgresql/dedup-migration.changelog.xml";
    private static final TestDb DB = TestDb.POSTGRESQL;

    @Test
    void liquibaseAppliesTheShippedChangelogAndASecondUpdateChangesNothing() throws Exception {
        try (HikariDataSource ds = DB.fresh(4)) {
            SeededTable seeded = SeededTable.create(DB, ds, "case_file", 1_000, 60);

            update(ds);

            assertThat(TestDb.queryLong(ds, "select count(*) from databasechangelog")).isEqualTo(6);
            assertThat(TestDb.queryLong(ds, "select count(*) from pg_constraint c join pg_index i"
                    + " on i.indexrelid = c.conindid where c.conname = 'uq_case_file_duplicate' and c.contype = 'u'"
                    + " and i.indisvalid and c.conrelid = 'case_file'::regclass")).isOne();
            seeded.assertQuarantineHoldsExactly(ds, seeded.expectedRemovals);
            MigrationStatus status = DedupMigration.forTable(ds, "case_file").scope("case_id").contentHash("file_hash")
                    .fileName("original_filename").build().status();
            assertThat(status.complete()).isTrue();
            assertThat(status.quarantinedRows()).isEqualTo(seeded.expectedRemovals.size());

            update(ds);
            assertThat(TestDb.queryLong(ds, "select count(*) from databasechangelog")).isEqualTo(6);
            assertThat(TestDb.queryLong(ds, "select count(*) from case_file_quarantine"))
                    .isEqualTo(seeded.expectedRemovals.size());
        }
    }

    @Test
    void stepTwoRefusesBeforeDeletingAnythingWhenAnotherTableReferencesADuplicate() throws Exception {
        try (HikariDataSource ds = DB.fresh(4)) {
            SeededTable.create(DB, ds, "case_file", 1_000, 60);
            TestDb.execute(ds, DB.childTable("evidence_note", "case_file", "SET NULL"));
            TestDb.execute(ds, "insert into evidence_note (case_file_id, note) select id, 'note' from case_file");

            assertThatThrownBy(() -> update(ds)).hasStackTraceContaining("rows of evidence_note reference duplicates"
                    + " of case_file that step 2 would remove");

            assertThat(TestDb.queryLong(ds, "select count(*) from case_file")).isEqualTo(1_000);
            assertThat(TestDb.queryLong(ds, "select count(*) from evidence_note where case_file_id is not null"))
                    .isEqualTo(1_000);
        }
    }

    private static void update(HikariDataSource ds) throws Exception {
        try (Connection c = ds.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, CHANGELOG)
                    .execute();
        }
    }
}
