package dev.dedupguard.jdbc;

import dev.dedupguard.Isolation;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageBackend.TransactionSpec;
import dev.dedupguard.spi.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import org.jspecify.annotations.Nullable;

/**
 * The transaction handling {@link StorageBackend#inTransaction} requires, in plain JDBC, for backends that can reach
 * the connection: an own transaction that leaves the connection as it found it, or a savepoint inside the caller's
 * transaction, each with the lock timeout applied. Every failure comes out as a {@link StorageException}.
 */
public final class JdbcTransactions {

    /**
     * Work on a connection that may throw {@link SQLException}.
     *
     * @param <T> the work's result
     */
    @FunctionalInterface
    public interface SqlWork<T> {
        /**
         * Runs the work on {@code connection}.
         *
         * @param connection the connection, inside the transaction or savepoint
         * @return the work's result
         * @throws SQLException if the database fails; the transaction or savepoint is then rolled back
         */
        T run(Connection connection) throws SQLException;
    }

    private JdbcTransactions() {
    }

    /**
     * Runs {@code work} in a fresh transaction on {@code c}: sets the isolation level (the spec's, else the dialect's
     * {@link Dialect#defaultOwnIsolation() default}, if either has one) and, if {@code applyLockTimeout}, the lock
     * timeout (put back afterwards where it {@link Dialect#lockTimeoutOutlivesTransaction() outlives the
     * transaction}); commits if {@code work} returns, rolls back if it throws, and restores auto-commit and isolation.
     * With {@code applyLockTimeout} false the lock timeout is left to {@code work}, which must apply it before its first
     * statement that can wait for a lock (a session saves a round trip by letting that statement carry
     * {@link Dialect#lockTimeoutCarrier()}). The caller acquires and releases {@code c}.
     *
     * @param <T> what {@code work} returns
     * @param c a connection not inside a transaction of anyone else's
     * @param dialect the database, which sets the lock timeout and classifies failures
     * @param spec the isolation (or {@code null} for the connection's) and lock timeout
     * @param applyLockTimeout whether to set the lock timeout before {@code work} runs
     * @param work the work, run once
     * @return what {@code work} returned, after the commit
     * @throws StorageException for any database failure, classified by {@code dialect}
     */
    public static <T> T inOwnTransaction(Connection c, Dialect dialect, TransactionSpec spec, boolean applyLockTimeout,
            SqlWork<T> work) {
        try {
            boolean autoCommit = c.getAutoCommit();
            int restoreIsolation = -1;
            Isolation isolation = spec.isolation() != null ? spec.isolation() : dialect.defaultOwnIsolation();
            if (isolation != null) {
                int current = c.getTransactionIsolation();
                if (current != isolation.jdbcLevel()) {
                    c.setTransactionIsolation(isolation.jdbcLevel());
                    restoreIsolation = current;
                }
            }
            if (autoCommit) {
                c.setAutoCommit(false);
            }
            String restoreTimeout = null;
            RuntimeException failure = null;
            try {
                if (applyLockTimeout && dialect.lockTimeoutOutlivesTransaction()) {
                    restoreTimeout = dialect.swapLockTimeout(c, spec.lockTimeout());
                } else if (applyLockTimeout) {
                    dialect.setLockTimeout(c, spec.lockTimeout());
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                failure = dialect.translate("registration", e);
                throw failure;
            } catch (Error e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restoreConnection(c, dialect, restoreTimeout, autoCommit, restoreIsolation, failure);
            }
        } catch (SQLException e) {
            throw dialect.translate("preparing the connection", e);
        }
    }

    /**
     * A call that runs as implicit transactions, one per whole message, until its session needs an explicit one:
     * {@link #beginExplicit} turns auto-commit off (and sets the dialect's {@link Dialect#defaultOwnIsolation own
     * isolation}, if any) before the first statement of that transaction.
     */
    static final class Implicit {
        private final Connection connection;
        private final Dialect dialect;
        private boolean explicit;
        private int restoreIsolation = -1;

        Implicit(Connection connection, Dialect dialect) {
            this.connection = connection;
            this.dialect = dialect;
        }

        /** Whether no explicit transaction has begun: a whole message still runs as an implicit one. */
        boolean active() {
            return !explicit;
        }

        /** Begins the explicit transaction that the rest of the call runs in. */
        void beginExplicit() throws SQLException {
            Isolation own = dialect.defaultOwnIsolation();
            if (own != null) {
                int current = connection.getTransactionIsolation();
                if (current != own.jdbcLevel()) {
                    connection.setTransactionIsolation(own.jdbcLevel());
                    restoreIsolation = current;
                }
            }
            connection.setAutoCommit(false);
            explicit = true;
        }

        /** Puts auto-commit and isolation back, if an explicit transaction changed them. */
        void end() throws SQLException {
            if (explicit) {
                connection.setAutoCommit(true);
                if (restoreIsolation != -1) {
                    connection.setTransactionIsolation(restoreIsolation);
                }
            }
        }
    }

    /**
     * Work that may run as implicit transactions.
     *
     * @param <T> the work's result
     */
    @FunctionalInterface
    interface ImplicitWork<T> {
        /**
         * Runs the work.
         *
         * @param implicit the call's implicit transactions, or {@code null} if it runs in one explicit transaction
         * @return the work's result
         * @throws SQLException if the database fails
         */
        T run(@Nullable Implicit implicit) throws SQLException;
    }

    /**
     * Runs {@code work} on a connection in auto-commit mode, whose session sends each whole operation as an implicit
     * transaction of its own and begins an explicit one ({@link Implicit#beginExplicit}) before anything else (see
     * {@code JdbcSession}): if it did, the explicit transaction is committed when {@code work} returns, rolled back if
     * it throws, and auto-commit and isolation are put back. A connection not in auto-commit mode, or a spec with an
     * isolation level, gets {@link #inOwnTransaction} instead, and {@code work} no implicit transactions. The caller
     * acquires and releases {@code c}.
     *
     * @param <T> what {@code work} returns
     * @param c a connection not inside a transaction of anyone else's
     * @param dialect the database, which classifies failures
     * @param spec the transaction's spec
     * @param work the work, run once; it applies the lock timeout itself
     * @return what {@code work} returned, after any commit
     * @throws StorageException for any database failure, classified by {@code dialect}
     */
    static <T> T inImplicitTransactions(Connection c, Dialect dialect, TransactionSpec spec, ImplicitWork<T> work) {
        try {
            if (!c.getAutoCommit() || spec.isolation() != null) {
                return inOwnTransaction(c, dialect, spec, false, tx -> work.run(null));
            }
        } catch (SQLException e) {
            throw dialect.translate("preparing the connection", e);
        }
        Implicit implicit = new Implicit(c, dialect);
        RuntimeException failure = null;
        try {
            T result = work.run(implicit);
            if (!implicit.active()) {
                c.commit();
            }
            return result;
        } catch (SQLException | RuntimeException e) {
            rollbackExplicit(c, implicit, e);
            failure = dialect.translate("registration", e);
            throw failure;
        } catch (Error e) {
            rollbackExplicit(c, implicit, e);
            throw e;
        } finally {
            try {
                implicit.end();
            } catch (SQLException e) {
                if (failure == null) {
                    throw dialect.translate("restoring auto-commit", e);
                }
                failure.addSuppressed(e);
            }
        }
    }

    private static void rollbackExplicit(Connection c, Implicit implicit, Throwable failure) {
        try {
            if (!implicit.active()) {
                c.rollback();
            }
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Runs {@code work} on {@code c} inside the caller's transaction, within a savepoint: on success the savepoint is
     * released and the caller's lock timeout restored (where the dialect can: H2's is per session and keeps the
     * guard's); on failure the savepoint is rolled back, so that the caller's transaction stays usable with its earlier
     * work intact.
     *
     * @param <T> what {@code work} returns
     * @param c the connection of the caller's transaction, with auto-commit off
     * @param dialect the database, which swaps the lock timeout and classifies failures
     * @param spec the lock timeout to apply (its isolation is ignored: the caller's transaction decides)
     * @param work the work, run once
     * @return what {@code work} returned; nothing is committed
     * @throws IllegalStateException if {@code c} is in auto-commit mode: there is no transaction to join
     * @throws StorageException for any database failure, classified by {@code dialect}
     */
    public static <T> T inSavepoint(Connection c, Dialect dialect, TransactionSpec spec, SqlWork<T> work) {
        return inSavepoint(c, dialect, spec, true, work);
    }

    /**
     * {@link #inSavepoint(Connection, Dialect, TransactionSpec, SqlWork)}, leaving the lock timeout to {@code work}
     * if {@code swapLockTimeout} is {@code false} (its statements carry it, see
     * {@link Dialect#lockTimeoutStatementPrefix}).
     *
     * @param <T> what {@code work} returns
     * @param c the connection of the caller's transaction, with auto-commit off
     * @param dialect the database, which swaps the lock timeout and classifies failures
     * @param spec the lock timeout to apply (its isolation is ignored: the caller's transaction decides)
     * @param swapLockTimeout whether to set the lock timeout around {@code work} and restore the caller's afterwards
     * @param work the work, run once
     * @return what {@code work} returned; nothing is committed
     * @throws IllegalStateException if {@code c} is in auto-commit mode: there is no transaction to join
     * @throws StorageException for any database failure, classified by {@code dialect}
     */
    public static <T> T inSavepoint(Connection c, Dialect dialect, TransactionSpec spec, boolean swapLockTimeout,
            SqlWork<T> work) {
        Savepoint savepoint;
        try {
            requireTransaction(c);
            savepoint = c.setSavepoint();
        } catch (SQLException e) {
            throw dialect.translate("setting a savepoint in the caller's transaction", e);
        }
        String previousTimeout = null;
        try {
            previousTimeout = swapLockTimeout ? dialect.swapLockTimeout(c, spec.lockTimeout()) : null;
            T result = work.run(c);
            if (previousTimeout != null) {
                String restore = previousTimeout;
                previousTimeout = null;
                dialect.restoreLockTimeout(c, restore);
            }
            c.releaseSavepoint(savepoint);
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback(savepoint);
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            if (previousTimeout != null && dialect.lockTimeoutOutlivesTransaction()) {
                try {
                    dialect.restoreLockTimeout(c, previousTimeout);
                } catch (SQLException restoreFailure) {
                    e.addSuppressed(restoreFailure);
                }
            }
            throw dialect.translate("registration in the caller's transaction", e);
        }
    }

    /**
     * Checks that {@code c} is inside a transaction the guard can join.
     *
     * @param c the caller's connection
     * @throws IllegalStateException if {@code c} is in auto-commit mode: there is no transaction to join
     * @throws SQLException if the driver cannot tell
     */
    static void requireTransaction(Connection c) throws SQLException {
        if (c.getAutoCommit()) {
            throw new IllegalStateException("joining needs a connection inside a transaction (autocommit off); "
                    + "this connection is in autocommit mode, so there is no transaction to join");
        }
    }

    /**
     * Puts the connection's lock timeout, auto-commit and isolation back as they were. After a failure of the work (a
     * lost connection, say) a failing restore is attached to that failure as suppressed and never replaces it: the
     * caller learns what went wrong first, with the database's own error as its cause.
     */
    private static void restoreConnection(Connection c, Dialect dialect, String restoreTimeout, boolean autoCommit,
            int restoreIsolation, RuntimeException failure) throws SQLException {
        SQLException restoreFailure = null;
        try {
            if (restoreTimeout != null) {
                dialect.restoreLockTimeout(c, restoreTimeout);
            }
        } catch (SQLException e) {
            restoreFailure = e;
        }
        try {
            if (autoCommit) {
                c.setAutoCommit(true);
            }
            if (restoreIsolation != -1) {
                c.setTransactionIsolation(restoreIsolation);
            }
        } catch (SQLException e) {
            if (restoreFailure == null) {
                restoreFailure = e;
            } else {
                restoreFailure.addSuppressed(e);
            }
        }
        if (restoreFailure != null) {
            if (failure == null) {
                throw restoreFailure;
            }
            failure.addSuppressed(restoreFailure);
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
