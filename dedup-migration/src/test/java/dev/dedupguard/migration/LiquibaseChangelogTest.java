package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void liquibaseAppliesTheShippedChangelogAndASecondUpdateChangesNothing() throws Exception {
        try (HikariDataSource ds = Pg.freshDatabase(4)) {
            SeededTable seeded = SeededTable.create(ds, "case_file", 1_000, 60);

            update(ds);

            assertThat(Pg.queryLong(ds, "select count(*) from databasechangelog")).isEqualTo(4);
            assertThat(Pg.queryLong(ds, "select count(*) from pg_constraint c join pg_index i"
                    + " on i.indexrelid = c.conindid where c.conname = 'uq_case_file_duplicate' and c.contype = 'u'"
                    + " and i.indisvalid and c.conrelid = 'case_file'::regclass")).isOne();
            seeded.assertQuarantineHoldsExactly(ds, seeded.expectedRemovals);
            MigrationStatus status = DedupMigration.forTable(ds, MigrationTable.caseFile("case_file")).build()
                    .status();
            assertThat(status.complete()).isTrue();
            assertThat(status.quarantinedRows()).isEqualTo(seeded.expectedRemovals.size());

            update(ds);
            assertThat(Pg.queryLong(ds, "select count(*) from databasechangelog")).isEqualTo(4);
            assertThat(Pg.queryLong(ds, "select count(*) from case_file_quarantine"))
                    .isEqualTo(seeded.expectedRemovals.size());
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
