/** JDBC support for dedup-guard's storage backends: dialects, transactions, key statements, schema checks. */
module dev.dedupguard.jdbc {
    requires transitive dev.dedupguard;

    exports dev.dedupguard.jdbc;
}
