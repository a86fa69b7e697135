package dev.dedupguard.jdbc;

import org.jspecify.annotations.Nullable;

/**
 * The declared sizes of a table's string key columns, as the schema check found them, in the database's characters
 * (see {@link Dialect#characterLength}); {@code null} where the column is not a bounded character column.
 *
 * @param scopeChars the scope column's declared length
 * @param nameChars the file name column's declared length
 */
public record TableLimits(@Nullable Integer scopeChars, @Nullable Integer nameChars) {
    /** No declared limits: what a table of unbounded text columns has. */
    public static final TableLimits NONE = new TableLimits(null, null);
}
