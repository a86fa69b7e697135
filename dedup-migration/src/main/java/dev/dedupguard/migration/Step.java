package dev.dedupguard.migration;

/** The steps of a migration, in the order {@link DedupMigration#run()} takes them. */
public enum Step {
    /** Counting duplicate groups and the rows to remove; changes nothing. */
    REPORT,
    /**
     * Adding the CHECK constraint that keeps hashes lower case, which the guard's {@code build()} requires, without
     * checking the rows already stored (PostgreSQL {@code NOT VALID}; MariaDB {@code check_constraint_checks=OFF}):
     * from then on the database refuses an upper-case hash in every row inserted or updated, and the writers' guard
     * can be built. First, so that writers can switch before anything else runs.
     */
    HASH_CHECK,
    /**
     * Moving all but the oldest row of each duplicate group into the quarantine table, and lower-casing stored hashes
     * that are not.
     */
    RESOLVE,
    /** Building the unique index online ({@code CREATE UNIQUE INDEX CONCURRENTLY}; MariaDB: the unique key). */
    CREATE_INDEX,
    /** Attaching the valid unique index as the unique constraint (on MariaDB the unique key already is one). */
    ATTACH_CONSTRAINT,
    /**
     * Proving that no stored hash violates the hash check: PostgreSQL {@code VALIDATE CONSTRAINT}; MariaDB, which
     * records no validation, a count of hashes that are not lower case, which must be 0.
     */
    VALIDATE_HASH_CHECK
}
