package dev.dedupguard.migration;

import com.zaxxer.hikari.HikariDataSource;

/** The migration's guarantees on embedded PostgreSQL 17. */
class PostgresMigrationTest extends MigrationContract {

    @Override
    TestDb db() {
        return TestDb.POSTGRESQL;
    }

    /**
     * {@code seq_tup_read} of the table, once the statistics of every other session have been flushed (a session
     * flushes them when it ends; the caller closes the migration's pool first).
     */
    @Override
    long rowsScanned(HikariDataSource ds, String table) {
        long last = -1;
        for (int i = 0; i < 50; i++) {
            long now = TestDb.queryLong(ds, "select coalesce(sum(seq_tup_read), 0) from pg_stat_user_tables"
                    + " where relname = ?", table);
            if (now == last) {
                return now;
            }
            last = now;
            pause(300);
        }
        return last;
    }

    @Override
    String caseInsensitiveTable(String table) {
        TestDb.execute(ds, "create collation case_insensitive (provider = icu, locale = 'und-u-ks-level2',"
                + " deterministic = false)");
        return db().legacyTable(table).replace("original_filename varchar(2000) not null",
                "original_filename varchar(2000) collate case_insensitive not null");
    }

    @Override
    String fingerprint() {
        return TestDb.query(ds, "select md5(string_agg(t::text, ',' order by t.id)) from case_file t")
                + "|" + TestDb.query(ds, "select md5(string_agg(n::text, ',' order by n.id)) from evidence_note n")
                + "|" + TestDb.query(ds, "select string_agg(c.relname || ':' || c.relkind::text, ',' order by c.relname)"
                + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'")
                + "|" + TestDb.query(ds, "select string_agg(conname || ':' || convalidated, ',' order by conname)"
                + " from pg_constraint where connamespace = 'public'::regnamespace")
                + "|" + TestDb.query(ds, "select n_tup_ins + n_tup_upd + n_tup_del from pg_stat_user_tables"
                + " where relname = 'case_file'");
    }
}
