package dev.dedupguard.migration;

import java.util.List;

/**
 * Exact counts of the duplicates in a host table at one moment, as {@link DedupMigration#report()} found them. A
 * duplicate group is a set of two or more rows that the guard takes for one file: equal scope and file name compared
 * byte for byte (or equal name keys, where a name-key column is mapped), and equal content hashes compared
 * lower-cased. Rows with a null key column are never duplicates, as for the unique constraint.
 *
 * @param table the host table, as the migration was given it
 * @param totalRows rows in the table
 * @param duplicateGroups groups of two or more rows with the same key
 * @param rowsToRemove rows that {@link DedupMigration#resolve()} moves: each group's rows but its oldest
 * @param nonCanonicalHashes rows whose stored hash is not lower case, which {@link DedupMigration#resolve()}
 *     lower-cases (the guard looks hashes up in lower case, so it never finds these)
 * @param scopes the scopes that hold duplicates, most rows to remove first (then by scope)
 */
public record DuplicateReport(String table, long totalRows, long duplicateGroups, long rowsToRemove,
        long nonCanonicalHashes, List<ScopeDuplicates> scopes) {

    /**
     * Copies {@code scopes}.
     *
     * @param table the host table
     * @param totalRows rows in the table
     * @param duplicateGroups groups of two or more rows with the same key
     * @param rowsToRemove rows to move
     * @param nonCanonicalHashes rows whose hash is not lower case
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
