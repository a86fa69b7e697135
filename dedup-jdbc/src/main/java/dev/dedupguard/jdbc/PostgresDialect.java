package dev.dedupguard.jdbc;

import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL: {@code lock_timeout} is set transaction-locally with {@code set_config(..., true)}, which can ride in
 * the first statement that waits; {@code ON CONFLICT DO NOTHING RETURNING}; a failed statement aborts the transaction.
 */
final class PostgresDialect extends Dialect {
    /** A btree (version 4) entry's limit: a third of an 8 kB page, less the page overhead. */
    static final int MAX_INDEX_ENTRY_BYTES = 2704;
    private static final int TUPLE_HEADER_BYTES = 8;
    private static final int VARLENA_HEADER_BYTES = 4;
    private static final int MAXALIGN = 8;

    private final SchemaCatalog catalog = new PostgresCatalog(this);

    @Override
    SchemaCatalog catalog() {
        return catalog;
    }

    @Override
    public String displayName() {
        return "PostgreSQL";
    }

    @Override
    public LibrarySchema.Database ddl() {
        return LibrarySchema.Database.POSTGRESQL;
    }

    @Override
    String foldUnquoted(String identifier) {
        return identifier.toLowerCase(Locale.ROOT);
    }

    @Override
    public int maxIdentifierLength() {
        return 63;
    }

    /**
     * The tuple header, then each value with a full 4-byte varlena header (the worst case; a {@code bigint} needs
     * none), aligned to 8 bytes.
     */
    @Override
    public int indexEntryBytes(int... valueBytes) {
        int size = TUPLE_HEADER_BYTES;
        for (int bytes : valueBytes) {
            size += VARLENA_HEADER_BYTES + bytes;
        }
        return (size + MAXALIGN - 1) / MAXALIGN * MAXALIGN;
    }

    /**
     * A btree (version 4) entry's limit.
     *
     * @return {@value #MAX_INDEX_ENTRY_BYTES}
     */
    @Override
    public int maxIndexEntryBytes() {
        return MAX_INDEX_ENTRY_BYTES;
    }

    /** {@code varchar(n)} counts code points. */
    @Override
    public int characterLength(String value) {
        return value.codePointCount(0, value.length());
    }

    /**
     * One statement whatever the number of keys: the keys travel as three arrays.
     *
     * @return {@link Integer#MAX_VALUE}
     */
    @Override
    public int maxKeysPerLookup() {
        return Integer.MAX_VALUE;
    }

    /**
     * {@code join unnest(?, ?, ?) with ordinality}: three array parameters in the key columns' own types (so that the
     * unique index serves the join), instead of a list of row comparisons that PostgreSQL plans and evaluates one by
     * one and whose expression tree exceeds its stack depth at 10,000 keys. The ordinality says which key each row
     * was matched with.
     */
    @Override
    public String findAllSql(JdbcTable table, int keys) {
        TableSchema s = table.schema();
        return "select k.dg_position, " + s.rowColumns("t") + " from " + s.qualifiedTable() + " t join unnest(?, ?, ?)"
                + " with ordinality as k(dg_scope, dg_hash, dg_name, dg_position) on t." + s.scope() + " = k.dg_scope"
                + " and t." + s.contentHash() + " = k.dg_hash and t." + s.nameMatch() + " = k.dg_name order by t."
                + s.id();
    }

    @Override
    public boolean findAllReturnsKeyPosition() {
        return true;
    }

    /** Binds the scopes, hashes and name matches as three arrays typed like their columns. */
    @Override
    public int bindFindAll(PreparedStatement ps, int first, JdbcTable table, List<StoredKey> keys)
            throws SQLException {
        Connection c = ps.getConnection();
        String[] types = table.keyColumnTypes(c);
        Object[] scopes = new Object[keys.size()];
        Object[] hashes = new Object[keys.size()];
        Object[] names = new Object[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            StoredKey key = keys.get(i);
            scopes[i] = table.scopeValue(key);
            hashes[i] = key.file().contentHash();
            names[i] = table.schema().nameMatchValue(key);
        }
        ps.setArray(first, c.createArrayOf(types[0], scopes));
        ps.setArray(first + 1, c.createArrayOf(types[1], hashes));
        ps.setArray(first + 2, c.createArrayOf(types[2], names));
        return first + 3;
    }

    @Override
    public String lockTimeoutCarrier() {
        return "(select set_config('lock_timeout', ?, true))";
    }

    @Override
    public String lockTimeoutValue(Duration timeout) {
        return timeout.toMillis() + "ms";
    }

    @Override
    public void setLockTimeout(Connection c, Duration timeout) throws SQLException {
        restoreLockTimeout(c, lockTimeoutValue(timeout));
    }

    @Override
    public String swapLockTimeoutQuery() {
        return "select current_setting('lock_timeout'), set_config('lock_timeout', ?, true)";
    }

    @Override
    public String restoreLockTimeoutQuery() {
        return "select set_config('lock_timeout', ?, true)";
    }

    @Override
    public String swapLockTimeout(Connection c, Duration timeout) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(swapLockTimeoutQuery())) {
            ps.setString(1, lockTimeoutValue(timeout));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Override
    public void restoreLockTimeout(Connection c, String previous) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(restoreLockTimeoutQuery())) {
            ps.setString(1, previous);
            ps.executeQuery().close();
        }
    }

    @Override
    public String insertIfAbsentClause(String keyColumns, String idColumn) {
        return " on conflict (" + keyColumns + ") do nothing returning " + idColumn;
    }

    /**
     * A data-modifying {@code WITH}: the lookup runs only if the insert returned nothing (a one-time filter on the
     * insert's output), so a new file costs what the insert alone costs.
     */
    @Override
    public String insertOrFindSql(String insertIfAbsentSql, String findSql, int keyColumns) {
        return "with ins as (" + insertIfAbsentSql + ") select true, ins.*" + nulls(keyColumns) + " from ins union all"
                + " select false, f.* from (" + findSql + ") f where not exists (select 1 from ins)";
    }

    private static String nulls(int n) {
        return ", null".repeat(n);
    }

    /**
     * A data-modifying {@code WITH}: the insert and the stripe write run only if the lookup found nothing. The lookup
     * is a statement of its own after the lock, never part of the lock's statement (one snapshot for lock and check
     * would miss the previous holder's commit at READ COMMITTED).
     */
    @Override
    public String findOrInsertSql(String insertHead, String rowValues, String idColumn, String findSql,
            int keyColumns, String touchStripeSql) {
        return "with f as (" + findSql + "), ins as (" + insertHead + " select " + rowValues
                + " where not exists (select 1 from f) returning " + idColumn + "), t as (" + touchStripeSql
                + " and exists (select 1 from ins) returning 1) select true, ins.*" + nulls(keyColumns) + " from ins"
                + " union all select false, f.* from f";
    }

    @Override
    public boolean pipelinesStatements() {
        return true;
    }

    @Override
    public boolean uniqueViolationAbortsTransaction() {
        return true;
    }

    @Override
    public void checkPartitionKey(Connection c, TableSchema table) throws SQLException {
        String definition = null;
        List<String> partitionColumns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select pg_get_partkeydef(p.partrelid), a.attname"
                + " from pg_partitioned_table p join pg_class t on t.oid = p.partrelid"
                + " join pg_namespace n on n.oid = t.relnamespace"
                + " left join pg_attribute a on a.attrelid = p.partrelid and a.attnum = any(p.partattrs::int2[])"
                + " and a.attnum > 0"
                + " where t.relname = ? and n.nspname = coalesce(?, current_schema())")) {
            ps.setString(1, storedName(table.table()));
            ps.setString(2, table.schema() == null ? null : storedName(table.schema()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    definition = rs.getString(1);
                    if (rs.getString(2) != null) {
                        partitionColumns.add(rs.getString(2));
                    }
                }
            }
        }
        if (definition == null) {
            return;
        }
        List<String> key = table.keyColumns().stream().map(this::storedName).toList();
        boolean expression = definition.contains("(") && !definition.matches("(?i)\\w+ \\([\\w\", ]+\\)");
        if (expression || partitionColumns.isEmpty() || !key.containsAll(partitionColumns)) {
            throw new SchemaMismatchException("strategy UNIQUE_CONSTRAINT cannot guard " + table.qualifiedTable()
                    + ": it is partitioned by " + definition + ", and the partition key " + partitionColumns
                    + " is not part of the key " + key + ". PostgreSQL requires a unique constraint on a partitioned "
                    + "table to include the partition key, so no constraint can keep the key unique across partitions. "
                    + "Partition by the scope column (e.g. PARTITION BY HASH (" + table.scope() + ")) or use "
                    + "SELECT_FOR_UPDATE");
        }
    }

    @Override
    public StorageException.Kind kindOf(@Nullable String sqlState, int vendorCode) {
        String state = sqlState == null ? "" : sqlState;
        if (state.equals("23505")) {
            return StorageException.Kind.UNIQUE_VIOLATION;
        }
        if (state.equals("55P03")) {
            return StorageException.Kind.LOCK_TIMEOUT;
        }
        if (state.startsWith("40")) {
            return StorageException.Kind.SERIALIZATION_FAILURE;
        }
        return StorageException.Kind.OTHER;
    }
}
