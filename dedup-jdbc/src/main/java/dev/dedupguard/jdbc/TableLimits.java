package dev.dedupguard.jdbc;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The declared sizes of a table's string key columns, as the schema check found them, in the database's characters
 * (see {@link Dialect#characterLength}); {@code null} where the column is not a bounded character column.
 *
 * @param scopeChars the scope column's declared length
 * @param nameChars the file name column's declared length
 * @param keyColumnTypes the database's type names of scope, content hash and name match column (see
 *     {@link JdbcTable#keyColumnTypes}), or {@code null} if not read
 */
public record TableLimits(@Nullable Integer scopeChars, @Nullable Integer nameChars,
        @Nullable List<String> keyColumnTypes) {
}
