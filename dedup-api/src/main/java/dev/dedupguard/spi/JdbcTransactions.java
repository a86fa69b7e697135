package dev.dedupguard.spi;

import dev.dedupguard.spi.StorageBackend.TransactionSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;

/**
 * The transaction handling {@link StorageBackend#inTransaction} requires, in plain JDBC, for backends that can reach
 * the connection: an own transaction that leaves the connection as it found it, or a savepoint inside the caller's
 * transaction, each with the lock timeout applied. Every failure comes out as a {@link StorageException}.
 */
public final class JdbcTransactions {

    /** Work on a connection that may throw {@link SQLException}. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    private JdbcTransactions() {
    }

    /**
     * Runs {@code work} in a fresh transaction on {@code c}: sets the isolation level (if the spec has one) and the lock
     * timeout, commits if {@code work} returns, rolls back if it throws, and restores auto-commit and isolation. The
     * caller acquires and releases {@code c}.
     */
    public static <T> T inOwnTransaction(Connection c, boolean postgres, TransactionSpec spec, SqlWork<T> work) {
        return inOwnTransaction(c, postgres, spec, true, work);
    }

    /**
     * {@link #inOwnTransaction(Connection, boolean, TransactionSpec, SqlWork)}, but with {@code applyLockTimeout} false
     * the lock timeout is left to {@code work}, which must apply it before its first statement that can wait for a
     * lock: a PostgreSQL backend saves a round trip by embedding {@link #lockTimeoutSetting} in that statement.
     */
    public static <T> T inOwnTransaction(Connection c, boolean postgres, TransactionSpec spec, boolean applyLockTimeout,
            SqlWork<T> work) {
        try {
            boolean autoCommit = c.getAutoCommit();
            int restoreIsolation = -1;
            if (spec.isolation() != null) {
                int current = c.getTransactionIsolation();
                if (current != spec.isolation().jdbcLevel()) {
                    c.setTransactionIsolation(spec.isolation().jdbcLevel());
                    restoreIsolation = current;
                }
            }
            if (autoCommit) {
                c.setAutoCommit(false);
            }
            try {
                if (applyLockTimeout) {
                    setLockTimeout(c, postgres, spec.lockTimeout());
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw SqlErrors.translate("registration", e);
            } catch (Error e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                if (autoCommit) {
                    c.setAutoCommit(true);
                }
                if (restoreIsolation != -1) {
                    c.setTransactionIsolation(restoreIsolation);
                }
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("preparing the connection", e);
        }
    }

    /**
     * Runs {@code work} on {@code c} inside the caller's transaction, within a savepoint: on success the savepoint is
     * released and the caller's lock timeout restored (PostgreSQL; H2's is per session and keeps the guard's); on
     * failure the savepoint is rolled back, so that the caller's transaction stays usable with its earlier work intact.
     *
     * @throws IllegalStateException if {@code c} is in auto-commit mode: there is no transaction to join
     */
    public static <T> T inSavepoint(Connection c, boolean postgres, TransactionSpec spec, SqlWork<T> work) {
        Savepoint savepoint;
        try {
            if (c.getAutoCommit()) {
                throw new IllegalStateException("joining needs a connection inside a transaction (autocommit off); "
                        + "this connection is in autocommit mode, so there is no transaction to join");
            }
            savepoint = c.setSavepoint();
        } catch (SQLException e) {
            throw SqlErrors.translate("setting a savepoint in the caller's transaction", e);
        }
        try {
            String previousTimeout = swapLockTimeout(c, postgres, spec.lockTimeout());
            T result = work.run(c);
            if (previousTimeout != null) {
                setting(c, previousTimeout);
            }
            c.releaseSavepoint(savepoint);
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback(savepoint);
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw SqlErrors.translate("registration in the caller's transaction", e);
        }
    }

    /** The value of PostgreSQL's {@code lock_timeout} setting for {@code timeout}, e.g. {@code 5000ms}. */
    public static String lockTimeoutSetting(Duration timeout) {
        return timeout.toMillis() + "ms";
    }

    /** Sets the lock timeout for the rest of the current transaction (PostgreSQL) or the session (H2). */
    public static void setLockTimeout(Connection c, boolean postgres, Duration timeout) throws SQLException {
        if (postgres) {
            setting(c, lockTimeoutSetting(timeout));
        } else {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCK_TIMEOUT " + timeout.toMillis());
            }
        }
    }

    /** Sets the lock timeout and returns the previous value to restore (PostgreSQL), or {@code null} (H2). */
    private static String swapLockTimeout(Connection c, boolean postgres, Duration timeout) throws SQLException {
        if (!postgres) {
            setLockTimeout(c, false, timeout);
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "select current_setting('lock_timeout'), set_config('lock_timeout', ?, true)")) {
            ps.setString(1, lockTimeoutSetting(timeout));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void setting(Connection c, String lockTimeout) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select set_config('lock_timeout', ?, true)")) {
            ps.setString(1, lockTimeout);
            ps.executeQuery().close();
        }
    }

    private static void rollbackQuietly(Connection c, Throwable failure) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
