package dev.dedupguard.jdbc;

import dev.dedupguard.LibrarySchema;
import dev.dedupguard.spi.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
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
    public String swapLockTimeout(Connection c, Duration timeout) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select current_setting('lock_timeout'), set_config('lock_timeout', ?, true)")) {
            ps.setString(1, lockTimeoutValue(timeout));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Override
    public void restoreLockTimeout(Connection c, String previous) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select set_config('lock_timeout', ?, true)")) {
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
