package dev.dedupguard.migration;

import java.util.List;

/**
 * Exact counts of the duplicates in a host table at one moment, as {@link DedupMigration#report()} found them. A
 * duplicate group is a set of two or more rows with equal scope, content hash and file name (compared exactly, as
 * the unique constraint will; rows with a null key column are never duplicates, as for the constraint).
 *
 * @param table the host table
 * @param totalRows rows in the table
 * @param duplicateGroups groups of two or more rows with the same key
 * @param rowsToRemove rows that {@link DedupMigration#resolve()} moves: each group's rows but its oldest
 * @param scopes the scopes that hold duplicates, most rows to remove first (then by scope)
 */
public record DuplicateReport(String table, long totalRows, long duplicateGroups, long rowsToRemove,
        List<ScopeDuplicates> scopes) {

    /**
     * Copies {@code scopes}.
     *
     * @param table the host table
     * @param totalRows rows in the table
     * @param duplicateGroups groups of two or more rows with the same key
     * @param rowsToRemove rows to move
     * @param scopes per-scope counts
     */
    public DuplicateReport {
        scopes = List.copyOf(scopes);
    }

    /**
     * The duplicates of one scope (case).
     *
     * @param scope the scope value, as text
     * @param duplicateGroups groups in this scope
     * @param rowsToRemove rows to move in this scope
     */
    public record ScopeDuplicates(String scope, long duplicateGroups, long rowsToRemove) {
    }
}
