/** dedup-guard's online migration of a table that already holds duplicates (PostgreSQL, MariaDB), and its doctor. */
module dev.dedupguard.migration {
    requires transitive dev.dedupguard;
    requires dev.dedupguard.jdbc;

    exports dev.dedupguard.migration;
}
