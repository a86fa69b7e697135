package dev.dedupguard.jdbc;

import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * Every statement one guard sends to its table, rendered by its {@link Dialect} once, when the guard is built (the
 * key-based ones) or when a row's columns are first seen (the inserts, kept per {@link HostRows.Columns}).
 * Identifiers come from the {@link TableSchema} (validated names); values are always bound as parameters. Thread-safe;
 * it also keeps the joined text of statements it pipelines (see {@code pipelinedSql}).
 */
final class Statements {
    /** Column sets whose inserts are kept: a host record sets few distinct ones. */
    private static final int MAX_INSERTS = 64;
    /** Combinations of statements kept by {@link #pipelinedSql}: a guard sends a handful, batches a few more. */
    private static final int MAX_PIPELINED = 256;

    private final Dialect dialect;
    private final TableSchema schema;
    private final String stripeTable;
    private final TableLimits.ScopeForm scopeForm;
    private final String find;
    private final String delete;
    private final String lockOneStripe;
    private final @Nullable String lockOneStripeCarryingTimeout;
    private final String touchOneStripe;
    private final @Nullable String setLockTimeout;
    private final ConcurrentMap<List<String>, String> pipelined = new ConcurrentHashMap<>();
    /** Each lock timeout's statement prefix, and each statement with it, by the timeout's value. */
    private final ConcurrentMap<String, Prefixed> prefixed = new ConcurrentHashMap<>();
    private final ConcurrentMap<HostRows.Columns, Dialect.Inserts> inserts = new ConcurrentHashMap<>();
    private volatile String @Nullable [] keyColumnTypes;

    /**
     * Renders the key-based statements for the table; the names are used as given, so they must be validated
     * identifiers.
     *
     * @param dialect the database; not {@code null}
     * @param schema the table's columns; not {@code null}
     * @param stripeTable the stripe table's name, possibly schema-qualified; not {@code null}
     * @param scopeForm the form of the scope column, which decides the type a scope is bound in
     */
    Statements(Dialect dialect, TableSchema schema, String stripeTable, TableLimits.ScopeForm scopeForm) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.schema = Objects.requireNonNull(schema, "schema");
        this.stripeTable = Objects.requireNonNull(stripeTable, "stripeTable");
        this.scopeForm = Objects.requireNonNull(scopeForm, "scopeForm");
        String where = " where " + schema.scope() + " = ? and " + schema.contentHash() + " = ? and "
                + schema.nameMatch() + " = ?";
        this.find = "select " + schema.rowColumns("") + " from " + schema.qualifiedTable() + where + " order by "
                + schema.id() + " fetch first 1 rows only";
        this.delete = dialect.deleteReturningSql("delete from " + schema.qualifiedTable() + where, schema.rowColumns(""));
        this.lockOneStripe = renderLockStripes(1, false);
        this.lockOneStripeCarryingTimeout = dialect.lockTimeoutCarrier() == null ? null : renderLockStripes(1, true);
        this.touchOneStripe = renderTouchStripes(1);
        this.setLockTimeout = dialect.lockTimeoutCarrier() == null ? null
                : "select * from " + dialect.lockTimeoutCarrier() + " cfg";
    }

    /**
     * The database.
     *
     * @return the dialect the SQL was rendered for
     */
    Dialect dialect() {
        return dialect;
    }

    /**
     * The table's columns.
     *
     * @return the schema given at construction
     */
    TableSchema schema() {
        return schema;
    }

    /**
     * The stripe table that {@code SELECT_FOR_UPDATE} locks.
     *
     * @return its name as it goes into SQL
     */
    String stripeTable() {
        return stripeTable;
    }

    /**
     * The value to bind for {@code key}'s scope, in the scope column's type.
     *
     * @param key the key whose scope to convert
     * @return the scope as its column's form binds it
     */
    Object scopeValue(StoredKey key) {
        return scopeForm.value(key.file().scope());
    }

    /**
     * The inserts of a row with {@code columns}, rendered by the dialect on first use and kept.
     *
     * @param columns the columns the row writes
     * @return the statements
     */
    Dialect.Inserts inserts(HostRows.Columns columns) {
        Dialect.Inserts rendered = inserts.get(columns);
        if (rendered == null) {
            rendered = dialect.inserts(schema, columns, find, touchOneStripe);
            if (inserts.size() < MAX_INSERTS) {
                inserts.putIfAbsent(columns, rendered);
            }
        }
        return rendered;
    }

    /** The statement that sets the lock timeout through the dialect's carrier (see {@link Dialect#lockTimeoutCarrier}). */
    String setLockTimeoutSql() {
        if (setLockTimeout == null) {
            throw new IllegalStateException(dialect.displayName() + " has no lock timeout carrier");
        }
        return setLockTimeout;
    }

    /**
     * Statements joined into one text to be sent as one prepared statement; the same text for the same statements, so
     * that the driver's statement cache finds it without hashing a new string on every call.
     */
    String pipelinedSql(List<String> statements) {
        String text = pipelined.get(statements);
        if (text == null) {
            text = String.join(";\n", statements);
            if (pipelined.size() < MAX_PIPELINED) {
                pipelined.putIfAbsent(List.copyOf(statements), text);
            }
        }
        return text;
    }

    /**
     * The dialect's {@link Dialect#lockTimeoutStatementPrefix prefix} for a lock timeout value, rendered once per value.
     *
     * @param value a lock timeout value ({@link Dialect#lockTimeoutValue})
     * @return the prefix, or {@code ""} where the dialect carries the timeout otherwise
     */
    String lockTimeoutPrefix(String value) {
        Prefixed p = prefixed.get(value);
        if (p == null) {
            String prefix = dialect.lockTimeoutStatementPrefix(value);
            p = new Prefixed(prefix == null ? "" : prefix, new ConcurrentHashMap<>());
            if (prefixed.size() < MAX_PIPELINED) {
                Prefixed raced = prefixed.putIfAbsent(value, p);
                p = raced == null ? p : raced;
            }
        }
        return p.prefix();
    }

    /**
     * {@code sql} with the prefix of {@link #lockTimeoutPrefix}{@code (value)}: the same text for the same statement, so
     * that the driver's statement cache finds it without hashing a new string on every call.
     *
     * @param value a lock timeout value whose prefix was asked for
     * @param sql a statement of this table
     * @return the prefixed statement, or {@code sql} itself if the prefix is empty
     */
    String withLockTimeout(String value, String sql) {
        Prefixed p = prefixed.get(value);
        if (p == null) {
            String prefix = lockTimeoutPrefix(value);
            p = prefixed.get(value);
            if (p == null) {
                return prefix + sql;
            }
        }
        if (p.prefix().isEmpty()) {
            return sql;
        }
        String text = p.statements().get(sql);
        if (text == null) {
            text = p.prefix() + sql;
            if (p.statements().size() < MAX_PIPELINED) {
                p.statements().putIfAbsent(sql, text);
            }
        }
        return text;
    }

    /** A lock timeout's prefix and the statements rendered with it. */
    private record Prefixed(String prefix, ConcurrentMap<String, String> statements) {
    }

    /**
     * The database's type names of the key columns (scope, content hash, name match), as the schema check read them,
     * else read once from the table over {@code c} and kept: what typed array parameters of key values need.
     *
     * @param c a connection to the table's database, used only if the types are not known yet
     * @return the three type names, e.g. {@code int8, bpchar, varchar} on PostgreSQL
     * @throws SQLException if reading the types fails
     */
    String[] keyColumnTypes(Connection c) throws SQLException {
        String[] types = keyColumnTypes;
        if (types == null) {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select " + schema.scope() + ", " + schema.contentHash() + ", "
                         + schema.nameMatch() + " from " + schema.qualifiedTable() + " where 1 = 0")) {
                ResultSetMetaData meta = rs.getMetaData();
                types = new String[] {meta.getColumnTypeName(1), meta.getColumnTypeName(2), meta.getColumnTypeName(3)};
            }
            keyColumnTypes = types;
        }
        return types.clone();
    }

    /** Keeps the key columns' type names that the schema check read, so that no lookup has to read them again. */
    void knowKeyColumnTypes(List<String> types) {
        keyColumnTypes = types.toArray(new String[0]);
    }

    String findSql() {
        return find;
    }

    String deleteSql() {
        return delete;
    }

    /** {@code SELECT ... FOR UPDATE} of {@code n} stripes in ascending order; optionally carrying the lock timeout. */
    String lockStripesSql(int n, boolean carryTimeout) {
        if (n == 1) {
            return carryTimeout ? lockOneStripeCarryingTimeout : lockOneStripe;
        }
        return renderLockStripes(n, carryTimeout);
    }

    private String renderLockStripes(int n, boolean carryTimeout) {
        return carryTimeout
                ? "select s.stripe from " + stripeTable + " s cross join " + dialect.lockTimeoutCarrier() + " cfg"
                        + " where s.stripe in (" + placeholders(n) + ") order by s.stripe for update of s"
                : "select stripe from " + stripeTable + " where stripe in (" + placeholders(n)
                        + ") order by stripe for update";
    }

    String touchStripesSql(int n) {
        return n == 1 ? touchOneStripe : renderTouchStripes(n);
    }

    /** {@link #touchStripesSql} returning the touched stripes, so that it can travel ahead of another statement. */
    String touchStripesReturningSql(int n) {
        return touchStripesSql(n) + " returning stripe";
    }

    private String renderTouchStripes(int n) {
        return "update " + stripeTable + " set registrations = registrations + 1 where stripe in (" + placeholders(n)
                + ")";
    }

    void requireAllStripes(int rows, int[] stripes) {
        if (rows != stripes.length) {
            throw new StorageException(StorageException.Kind.OTHER, "the stripe table " + stripeTable
                    + " lacks rows for some of the stripes " + Arrays.toString(stripes)
                    + ": it must hold one row per stripe 0..lockStripes-1", null);
        }
    }

    static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /**
     * Column values as compared in SQL: scope in its string form, a fixed-width hash without padding.
     *
     * @param scope the scope column's value, in any type
     * @param contentHash the content hash column's value, possibly blank-padded by a {@code CHAR} column
     * @param nameMatch the name-match column's value
     * @return the three values, comparable with those of a key; unmodifiable
     */
    static List<String> columnsOf(Object scope, String contentHash, String nameMatch) {
        return List.of(String.valueOf(scope), contentHash.strip(), nameMatch);
    }
}
