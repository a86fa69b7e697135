package dev.dedupguard.migration;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The host's hook to re-point rows that reference a duplicate before it is moved into quarantine, e.g.
 * {@code UPDATE evidence_note SET case_file_id = keptId WHERE case_file_id = removedId}.
 *
 * <p>Called once per removed row, on the migration's connection, inside the transaction that then moves the row:
 * if the hook throws, the batch rolls back (no row of it is moved, no child row changed) and
 * {@link DedupMigration#resolve()} throws {@link MigrationException}. The removed and the kept row are locked when
 * it is called. It must not commit, roll back or change the connection's auto-commit mode.
 */
@FunctionalInterface
public interface ChildRows {
    /** Re-points nothing: for tables no other table references. */
    ChildRows NONE = (connection, removedId, keptId) -> { };

    /**
     * Re-points the rows that reference {@code removedId} to {@code keptId}.
     *
     * @param connection the migration's connection, in its transaction
     * @param removedId the id of the duplicate about to be moved
     * @param keptId the id of the oldest row of its group, which stays
     * @throws SQLException to roll the batch back
     */
    void repoint(Connection connection, long removedId, long keptId) throws SQLException;
}
