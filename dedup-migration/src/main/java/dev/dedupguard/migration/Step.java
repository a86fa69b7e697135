package dev.dedupguard.migration;

/** The steps of a migration, in the order {@link DedupMigration#run()} takes them. */
public enum Step {
    /** Counting duplicate groups and the rows to remove; changes nothing. */
    REPORT,
    /**
     * Moving all but the oldest row of each duplicate group into the quarantine table, and lower-casing stored hashes
     * that are not.
     */
    RESOLVE,
    /** Building the unique index online ({@code CREATE UNIQUE INDEX CONCURRENTLY}; MariaDB: the unique key). */
    CREATE_INDEX,
    /** Attaching the valid unique index as the unique constraint (on MariaDB the unique key already is one). */
    ATTACH_CONSTRAINT,
    /** Adding the CHECK constraint that keeps stored hashes lower case, which the guard's {@code build()} requires. */
    HASH_CHECK
}
