package dev.dedupguard.migration;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The host's hook to re-point rows that reference a duplicate before it is moved into quarantine, e.g.
 * {@code UPDATE evidence_note SET case_file_id = keptId WHERE case_file_id = removedId}.
 *
 * <p>A table that other tables reference through foreign keys is not migrated without one: removing a referenced
 * row would delete its children ({@code ON DELETE CASCADE}), detach them ({@code SET NULL}) or fail halfway
 * ({@code NO ACTION}), so {@link DedupMigration.Builder#build()} refuses such a table, naming each referencing table,
 * until a hook is given. {@link #NONE} is the hook for a table whose referencing rows never point at a duplicate.
 *
 * <p>Called once per removed row, on the migration's connection, inside the transaction that then moves the row;
 * the removed and the kept row are locked when it is called, so no new child row can point at the removed row
 * before it is gone. After the hook, and before anything of the batch moves, every foreign key that references the
 * table is checked: if a child row still references a removed row, the batch rolls back (no row of it moved, no
 * child row changed) and {@link DedupMigration#resolve()} throws {@link MigrationException} naming the referencing
 * table. If the hook throws, the same. It must not commit, roll back or change the connection's auto-commit mode.
 */
@FunctionalInterface
public interface ChildRows {
    /**
     * Re-points nothing: for a table whose referencing rows never point at a duplicate. Before the first row moves,
     * {@link DedupMigration#resolve()} checks that no row of a referencing table points at a row it will remove, and
     * refuses, naming the table and the count, if one does.
     */
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
