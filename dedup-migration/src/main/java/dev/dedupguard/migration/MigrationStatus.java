package dev.dedupguard.migration;

/**
 * Where a migration stands, read from the database by {@link DedupMigration#status()}: every step decides from
 * this whether it still has work to do, which is what makes the steps resumable and a second run a no-op.
 *
 * @param table the host table, as the migration was given it
 * @param duplicateGroups groups of rows with the same key under the guard's equality (hashes compared lower-cased,
 *     names byte for byte)
 * @param rowsToRemove rows {@link DedupMigration#resolve()} would move
 * @param nonCanonicalHashes rows whose content hash is not stored in lower case, which
 *     {@link DedupMigration#resolve()} lower-cases
 * @param index the state of the unique index: the one of the configured name, or an equivalent one
 * @param constraintPresent whether the guard's unique key is in place: a unique constraint on the key columns (of the
 *     configured name or another), or a valid equivalent unique index under another name
 * @param constraintName the name of that unique key (another name than the configured one where an equivalent key
 *     was found)
 * @param hashCheck the state of the CHECK constraint that keeps stored hashes lower case
 * @param hashCheckName its name (another name than the configured one where an equivalent check was found)
 * @param quarantinedRows rows in the quarantine table (0 when it does not exist yet)
 */
public record MigrationStatus(String table, long duplicateGroups, long rowsToRemove, long nonCanonicalHashes,
        IndexState index, boolean constraintPresent, String constraintName, HashCheckState hashCheck,
        String hashCheckName, long quarantinedRows) {

    /** The unique index the constraint is built from. */
    public enum IndexState {
        /** No index of that name. */
        ABSENT,
        /**
         * The index exists but is not valid: a concurrent build failed (e.g. on a duplicate) or is still running.
         * It enforces nothing and must be dropped before the next build (PostgreSQL; MariaDB leaves none).
         */
        INVALID,
        /** A valid unique index on the key columns. */
        VALID
    }

    /**
     * The CHECK constraint {@code <hash> = lower(<hash>)} that the guard's {@code build()} requires. {@code build()}
     * accepts {@link #NOT_VALID} as well as {@link #VALID}: it checks what the database enforces for the rows written
     * from now on, not the rows already stored.
     */
    public enum HashCheckState {
        /** No such constraint: the guard's {@code build()} refuses the table. */
        ABSENT,
        /**
         * In place and enforced for every row inserted or updated, but not proven for the rows stored before it:
         * on PostgreSQL added {@code NOT VALID} and not validated yet; on MariaDB, whose catalog records no
         * validation, stored rows still hold hashes that are not lower case.
         */
        NOT_VALID,
        /**
         * In place and proven for every stored row: PostgreSQL validated it; on MariaDB no stored hash violates it
         * (counted).
         */
        VALID
    }

    /** @return whether nothing is left to do: the hash check, no duplicates, lower-case hashes, the unique key, and
     *     the hash check validated */
    public boolean complete() {
        return nextStep() == null;
    }

    /** @return the first step that still has work to do, in {@link DedupMigration#run()}'s order, or {@code null}
     *     when {@link #complete()} */
    public Step nextStep() {
        if (hashCheck == HashCheckState.ABSENT) {
            return Step.HASH_CHECK;
        }
        if (duplicateGroups > 0 || nonCanonicalHashes > 0) {
            return Step.RESOLVE;
        }
        if (!constraintPresent) {
            return index == IndexState.VALID ? Step.ATTACH_CONSTRAINT : Step.CREATE_INDEX;
        }
        return hashCheck == HashCheckState.VALID ? null : Step.VALIDATE_HASH_CHECK;
    }
}
