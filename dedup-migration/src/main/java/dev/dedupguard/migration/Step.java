package dev.dedupguard.migration;

/** The steps of a migration, in the order {@link DedupMigration#run()} takes them. */
public enum Step {
    /** Counting duplicate groups and the rows to remove; changes nothing. */
    REPORT,
    /** Moving all but the oldest row of each duplicate group into the quarantine table. */
    RESOLVE,
    /** Building the unique index with {@code CREATE UNIQUE INDEX CONCURRENTLY}. */
    CREATE_INDEX,
    /** Attaching the valid unique index as the unique constraint. */
    ATTACH_CONSTRAINT
}
