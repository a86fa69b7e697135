package dev.dedupguard.jdbc;

import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * H2 2.x: {@code SET LOCK_TIMEOUT} is per session and costs no round trip (in-process); a failed statement leaves the
 * transaction usable; REPEATABLE READ snapshots each table when the transaction first reads it.
 */
final class H2Dialect extends Dialect {
    private static final int LOCK_TIMEOUT = 50200;
    private static final int DEADLOCK = 40001;
    private static final String CONCURRENT_UPDATE = "90131";

    private final SchemaCatalog catalog = new H2Catalog(this);

    @Override
    SchemaCatalog catalog() {
        return catalog;
    }

    @Override
    public String displayName() {
        return "H2";
    }

    @Override
    public LibrarySchema.Database ddl() {
        return LibrarySchema.Database.H2;
    }

    @Override
    String foldUnquoted(String identifier) {
        return identifier.toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public int maxIdentifierLength() {
        return 256;
    }

    /** {@code varchar(n)} counts UTF-16 code units, as Java's {@code String.length()} does. */
    @Override
    public int characterLength(String value) {
        return value.length();
    }

    @Override
    public void setLockTimeout(Connection c, Duration timeout) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCK_TIMEOUT " + timeout.toMillis());
        }
    }

    /** H2's timeout is per session: the caller's session keeps the guard's, and there is nothing to restore. */
    @Override
    public @Nullable String swapLockTimeout(Connection c, Duration timeout) throws SQLException {
        setLockTimeout(c, timeout);
        return null;
    }

    /**
     * H2 has no {@code RETURNING}: its data change delta tables return what an insert stored ({@code SELECT ... FROM
     * FINAL TABLE (INSERT ...)}), for one row and for many. No insert-if-absent clause: a duplicate-key error (23505)
     * leaves an H2 transaction usable and is caught.
     */
    @Override
    Inserts inserts(TableSchema table, HostRows.Columns columns, String findSql, String touchStripeSql) {
        String head = insertHead(table, columns);
        String values = String.join(", ", columns.values());
        return new Inserts("select " + table.id() + " from final table (" + head + " values (" + values + "))", null,
                null, null, null, "select " + table.rowColumns("") + " from final table (" + head + " values ",
                "(" + values + ")", ")", columns.names().size());
    }

    /**
     * The multi-row insert inside a savepoint: H2 (2.5.252) does not undo a {@code SELECT ... FROM FINAL TABLE (INSERT
     * ...)} that fails on its n-th row, as it undoes a plain {@code INSERT}; the rows before the failing one would stay,
     * and the row-by-row retry after the duplicate-key error would then find them as duplicates of themselves.
     */
    @Override
    Map<StoredKey, Long> insertRows(JdbcSession<?> s, Inserts sql, List<JdbcSession.KeyedRow> rows) {
        if (rows.size() < 2) {
            return super.insertRows(s, sql, rows);
        }
        Savepoint savepoint = s.jdbc("setting a savepoint", s.connection::setSavepoint);
        Map<StoredKey, Long> inserted;
        try {
            inserted = super.insertRows(s, sql, rows);
        } catch (RuntimeException e) {
            try {
                s.connection.rollback(savepoint);
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
        s.jdbc("releasing the savepoint", () -> {
            s.connection.releaseSavepoint(savepoint);
            return null;
        });
        return inserted;
    }

    /** {@code SELECT ... FROM OLD TABLE (DELETE ...)}: H2 has no {@code DELETE ... RETURNING}. */
    @Override
    String deleteReturningSql(String delete, String columns) {
        return "select " + columns + " from old table (" + delete + ")";
    }

    @Override
    public boolean uniqueViolationAbortsTransaction() {
        return false;
    }

    /**
     * H2 takes a REPEATABLE READ snapshot per table when the transaction first reads it, and neither a stripe lock nor
     * {@code FOR UPDATE} on the file table reveals rows committed after that, so a caller's transaction that read the
     * table earlier would check a stale snapshot and insert a duplicate. At REPEATABLE READ this refuses rather than
     * risk it.
     */
    @Override
    public void checkJoinedStripeLock(Connection c) throws SQLException {
        if (c.getTransactionIsolation() == Connection.TRANSACTION_REPEATABLE_READ) {
            throw new StorageException(StorageException.Kind.OTHER, "SELECT_FOR_UPDATE cannot join an H2 "
                    + "transaction at REPEATABLE READ: H2 snapshots each table when the transaction first reads it, so "
                    + "rows committed since are invisible even after the stripe lock and a duplicate could be stored. "
                    + "Run the transaction at READ COMMITTED or SERIALIZABLE, or use UNIQUE_CONSTRAINT", null);
        }
    }

    /**
     * An embedded H2 waits for a lock in the calling thread with {@code Object.wait}, and answers an interrupt by
     * clearing the flag and reporting a lock timeout at once: a lock timeout clearly sooner (under 90 %) than the
     * configured one.
     */
    @Override
    public boolean interruptEndedWait(StorageException.Kind kind, Duration elapsed, Duration lockTimeout) {
        return kind == StorageException.Kind.LOCK_TIMEOUT
                && elapsed.multipliedBy(10).compareTo(lockTimeout.multipliedBy(9)) < 0;
    }

    @Override
    public StorageException.Kind kindOf(@Nullable String sqlState, int vendorCode) {
        String state = sqlState == null ? "" : sqlState;
        if (state.equals("23505")) {
            return StorageException.Kind.UNIQUE_VIOLATION;
        }
        if (vendorCode == LOCK_TIMEOUT && state.equals("HYT00")) {
            return StorageException.Kind.LOCK_TIMEOUT;
        }
        if (state.startsWith("40") || state.equals(CONCURRENT_UPDATE) || vendorCode == DEADLOCK) {
            return StorageException.Kind.SERIALIZATION_FAILURE;
        }
        return StorageException.Kind.OTHER;
    }
}
