package dev.dedupguard.migration;

import dev.dedupguard.spi.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection from the host's pool, used by one step: taken as the pool hands it out (auto-commit on or off, any
 * isolation), put into a known state (any open transaction rolled back, auto-commit on) and handed back as it was.
 * Everything runs at READ COMMITTED, so that reading the whole table (a plan, a report) locks no row and no gap
 * (MariaDB's REPEATABLE READ would lock the table's gaps against inserts during {@code INSERT ... SELECT}).
 * Transactions are explicit ({@link #transaction}); the migration's lock ({@link #locked}) is released on every path,
 * a failure's own error kept and any error of the release added to it as suppressed.
 */
final class MigrationConnection implements AutoCloseable {
    private final MigrationContext ctx;
    final Connection c;
    private final boolean autoCommit;
    private final int isolation;
    private final boolean owned;

    private MigrationConnection(MigrationContext ctx, Connection c, boolean owned) throws SQLException {
        this.ctx = ctx;
        this.c = c;
        this.owned = owned;
        this.autoCommit = c.getAutoCommit();
        this.isolation = c.getTransactionIsolation();
        if (!owned) {
            return;
        }
        if (!autoCommit) {
            c.rollback();
            c.setAutoCommit(true);
        }
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    }

    static MigrationConnection open(MigrationContext ctx) throws SQLException {
        Connection c = ctx.dataSource.getConnection();
        try {
            return new MigrationConnection(ctx, c, true);
        } catch (SQLException | RuntimeException e) {
            closeAfter(e, c);
            throw e;
        }
    }

    /** {@code c} as it is, for read-only work inside the caller's transaction; {@link #close()} leaves it alone. */
    static MigrationConnection borrow(MigrationContext ctx, Connection c) throws SQLException {
        return new MigrationConnection(ctx, c, false);
    }

    /** Work on this connection that may fail with an SQL error. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} holding the migration's lock on the table's identity (not its spelling); fails at once,
     * naming the session that holds it, if another migration of the table runs. The lock is a session lock on this
     * connection: released in {@code finally} after any open transaction is rolled back, so a failure in the work
     * (an aborted transaction included) never leaves it held on the pooled connection.
     */
    <T> T locked(Step step, SqlWork<T> work) throws SQLException {
        if (!queryBoolean(ctx.sql.tryLock(), ctx.target.lockKey())) {
            List<String> holders = queryStrings(ctx.sql.lockHolder(), ctx.target.lockKey());
            throw new MigrationException(step + ": another migration of " + ctx.target.qualified() + " is running, "
                    + "held by " + (holders.isEmpty() ? "a session that has just ended (run again)"
                    : String.join(", ", holders)) + "; wait for it to finish", null);
        }
        Throwable failure = null;
        try {
            return work.run();
        } catch (SQLException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            try {
                if (!c.getAutoCommit()) {
                    c.rollback();
                    c.setAutoCommit(true);
                }
                queryBoolean(ctx.sql.unlock(), ctx.target.lockKey());
            } catch (SQLException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Runs {@code work} in one transaction, retried from the start (up to 5 times in a row) when a
     * lock is not granted within the lock timeout or the database breaks a deadlock; {@code onRetry} hears why.
     * Any other failure rolls the transaction back and is thrown.
     */
    <T> T transaction(SqlWork<T> work, java.util.function.Consumer<String> onRetry) throws SQLException {
        for (int failures = 1; ; failures++) {
            c.setAutoCommit(false);
            try {
                for (String s : ctx.sql.beginTransaction()) {
                    execute(s);
                }
                T result = work.run();
                c.commit();
                return result;
            } catch (SQLException e) {
                rollbackAfter(e);
                StorageException.Kind kind = ctx.sql.kindOf(e);
                boolean retryable = kind == StorageException.Kind.LOCK_TIMEOUT
                        || kind == StorageException.Kind.SERIALIZATION_FAILURE;
                if (!retryable || failures >= 5) {
                    throw e;
                }
                onRetry.accept((kind == StorageException.Kind.LOCK_TIMEOUT ? "rows locked by another transaction for"
                        + " over " + ctx.sql.lockWait() : "deadlock with another transaction")
                        + "; retrying the batch");
                MigrationContext.pause(200L * failures);
            } catch (RuntimeException | Error e) {
                rollbackAfter(e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private void rollbackAfter(Throwable failure) {
        try {
            c.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    void execute(String statement) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    /** Executes {@code statements} in order, each on its own. */
    void executeAll(List<String> statements) throws SQLException {
        for (String s : statements) {
            execute(s);
        }
    }

    PreparedStatement prepare(String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    long queryLong(String sql, Object... params) throws SQLException {
        return queryLongs(sql, params)[0];
    }

    /** The first row's columns as longs (0 for SQL null). */
    long[] queryLongs(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            long[] values = new long[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = rs.getLong(i + 1);
            }
            return values;
        }
    }

    boolean queryBoolean(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    List<String> queryStrings(String sql, Object... params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Hands the connection back to the pool with the auto-commit mode and isolation it came with. */
    @Override
    public void close() throws SQLException {
        if (!owned) {
            return;
        }
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
            c.setAutoCommit(true);
            c.setTransactionIsolation(isolation);
            c.setAutoCommit(autoCommit);
        } catch (SQLException | RuntimeException e) {
            closeAfter(e, c);
            throw e;
        }
        c.close();
    }

    private static void closeAfter(Throwable failure, Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
