package dev.dedupguard.migration;

/**
 * Where a migration stands, read from the database by {@link DedupMigration#status()}: every step decides from
 * this whether it still has work to do, which is what makes the steps resumable and a second run a no-op.
 *
 * @param table the host table
 * @param duplicateGroups groups of rows with the same key
 * @param rowsToRemove rows {@link DedupMigration#resolve()} would move
 * @param index the state of the unique index named after the constraint
 * @param constraintPresent whether the unique constraint exists
 * @param quarantinedRows rows in the quarantine table (0 when it does not exist yet)
 */
public record MigrationStatus(String table, long duplicateGroups, long rowsToRemove, IndexState index,
        boolean constraintPresent, long quarantinedRows) {

    /** The unique index the constraint is built from. */
    public enum IndexState {
        /** No index of that name. */
        ABSENT,
        /**
         * The index exists but is not valid: a concurrent build failed (e.g. on a duplicate) or is still running.
         * It enforces nothing and must be dropped before the next build.
         */
        INVALID,
        /** A valid unique index on the key columns. */
        VALID
    }

    /** @return whether the constraint is in place: nothing is left to do */
    public boolean complete() {
        return constraintPresent;
    }

    /** @return the first step that still has work to do, or {@code null} when {@link #complete()} */
    public Step nextStep() {
        if (constraintPresent) {
            return null;
        }
        if (duplicateGroups > 0) {
            return Step.RESOLVE;
        }
        return index == IndexState.VALID ? Step.ATTACH_CONSTRAINT : Step.CREATE_INDEX;
    }
}
