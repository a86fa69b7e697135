/** dedup-guard's online migration of a table that already holds duplicates (PostgreSQL). */
module dev.dedupguard.migration {
    requires transitive dev.dedupguard;

    exports dev.dedupguard.migration;
}
