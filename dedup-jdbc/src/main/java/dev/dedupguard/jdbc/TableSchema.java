package dev.dedupguard.jdbc;

import dev.dedupguard.spi.StoredKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The columns a guard reads and writes in one table, as SQL identifiers, for schema checks and plain-JDBC statements.
 * Each name is one identifier as it goes into SQL: unquoted ({@code case_file}), or quoted in the database's quote
 * character ({@code "Case Files"}, see {@link Dialect#quoteIdentifier}) where the host's mapping quoted it; catalog
 * lookups use {@link Dialect#storedName}.
 *
 * @param schema the table's schema, or {@code null} for the connection's search path
 * @param table the table name, unqualified
 * @param id the generated integer primary key column
 * @param scope the scope column
 * @param contentHash the content hash column
 * @param fileName the raw file name column
 * @param nameKey the column holding the SHA-256 of the normalised name, or {@code null} if sameness is judged on the
 *     raw name
 */
public record TableSchema(@Nullable String schema, String table, String id, String scope, String contentHash,
        String fileName, @Nullable String nameKey) {

    /**
     * Checks that every required column is named; the names go into SQL as given.
     *
     * @param schema the table's schema, or {@code null} for the connection's search path
     * @param table the table name, unqualified; not {@code null}
     * @param id the generated integer primary key column; not {@code null}
     * @param scope the scope column; not {@code null}
     * @param contentHash the content hash column; not {@code null}
     * @param fileName the raw file name column; not {@code null}
     * @param nameKey the name-key column, or {@code null} if sameness is judged on the raw name
     * @throws NullPointerException if a required column is {@code null}
     */
    public TableSchema {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(contentHash, "contentHash");
        Objects.requireNonNull(fileName, "fileName");
    }

    /**
     * The table name as it goes into SQL, schema-qualified if a schema is set.
     *
     * @return {@code schema.table}, or {@code table} without a schema
     */
    public String qualifiedTable() {
        return schema == null ? table : schema + "." + table;
    }

    /**
     * The column that, with scope and content hash, makes the unique key: the name-key column if mapped, else the raw
     * name column. The one place that decides "name key or raw name"; see {@link #nameMatchValue}.
     *
     * @return {@link #nameKey()} if set, else {@link #fileName()}
     */
    public String nameMatch() {
        return nameKey != null ? nameKey : fileName;
    }

    /**
     * The value of {@link #nameMatch()} for {@code key}: its name-key digest, or its policy-normalised raw name.
     *
     * @param key the key to bind
     * @return {@link StoredKey#nameDigest()} if a name-key column is mapped, else {@link StoredKey#nameKey()}
     */
    public String nameMatchValue(StoredKey key) {
        return nameKey != null ? key.nameDigest() : key.nameKey();
    }

    /**
     * The key columns in constraint order.
     *
     * @return scope, content hash and {@link #nameMatch()}; unmodifiable
     */
    public List<String> keyColumns() {
        return List.of(scope, contentHash, nameMatch());
    }

    /**
     * The columns a lookup returns for each row it finds, comma-separated, each prefixed with {@code alias} and a dot
     * if {@code alias} is not empty: id, scope, content hash, file name and, if mapped, the name key, in that order
     * (what {@link JdbcSession} reads into a {@link dev.dedupguard.spi.StoredRow}).
     *
     * @param alias the table's alias in the statement, or an empty string for none
     * @return the select list
     */
    public String rowColumns(String alias) {
        String p = alias.isEmpty() ? "" : alias + ".";
        return p + id + ", " + p + scope + ", " + p + contentHash + ", " + p + fileName
                + (nameKey == null ? "" : ", " + p + nameKey);
    }

    /**
     * How many columns {@link #rowColumns} selects.
     *
     * @return 5 with a name-key column, else 4
     */
    public int rowColumnCount() {
        return nameKey == null ? 4 : 5;
    }

    /**
     * Every column the guard reads.
     *
     * @return id, scope, content hash, file name and, if mapped, the name key; a new mutable list
     */
    public List<String> columns() {
        List<String> columns = new ArrayList<>(List.of(id, scope, contentHash, fileName));
        if (nameKey != null) {
            columns.add(nameKey);
        }
        return columns;
    }
}
