package dev.dedupguard.jdbc;

import dev.dedupguard.LibrarySchema;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.spi.StorageException;
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
    /**
     * Longest raw file name, in UTF-8 bytes, that a unique index over the raw name holds: a btree entry is limited to
     * about 2,700 bytes, and scope and hash share it.
     */
    static final int RAW_NAME_INDEX_LIMIT = 2000;

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

    @Override
    public int rawNameIndexLimit() {
        return RAW_NAME_INDEX_LIMIT;
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
