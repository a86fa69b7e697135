package dev.dedupguard.jdbc;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StorageBackend;
import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StorageBackend} over JDBC connections: own transactions on a connection the backend acquires, or a
 * savepoint inside the caller's transaction, each with the lock timeout applied as the {@link Dialect} prescribes.
 * A backend says how it reaches connections and opens its {@link JdbcSession}; the transaction handling is here.
 *
 * @param <F> the type the host registers
 */
public abstract class JdbcStorage<F> implements StorageBackend<F> {
    /** The table and its rendered SQL. */
    protected final JdbcTable table;
    private final int maxFileNameBytes;
    private final boolean carryLockTimeout;

    /**
     * @param maxFileNameBytes the longest file name the table stores and indexes (what the schema check found)
     * @param carryLockTimeout whether own transactions let the first statement that can wait carry the lock timeout
     *     (one round trip fewer where the dialect has a {@link Dialect#lockTimeoutCarrier() carrier}); otherwise it is
     *     set before the work starts
     */
    protected JdbcStorage(JdbcTable table, int maxFileNameBytes, boolean carryLockTimeout) {
        this.table = table;
        this.maxFileNameBytes = maxFileNameBytes;
        this.carryLockTimeout = carryLockTimeout && table.dialect().lockTimeoutCarrier() != null;
    }

    @Override
    public int maxFileNameBytes() {
        return maxFileNameBytes;
    }

    /** A connection for an own transaction; handed back with {@link #release}. */
    protected abstract Connection acquire() throws SQLException;

    /** Hands back a connection from {@link #acquire}. */
    protected abstract void release(Connection connection);

    /** Runs {@code work} on the connection of the caller's transaction (joined mode only). */
    protected abstract <T> T onCallerConnection(JdbcTransactions.SqlWork<T> work);

    /**
     * A session for one transaction on {@code connection}.
     *
     * @param pendingLockTimeout see {@link JdbcSession#JdbcSession}
     */
    protected abstract JdbcSession<F> openSession(Connection connection, @Nullable String pendingLockTimeout);

    @Override
    public abstract FileKey keyOf(F file);

    @Override
    public final <T> T inTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        if (joinsCallerTransaction()) {
            return onCallerConnection(c -> JdbcTransactions.inSavepoint(c, table.dialect(), spec,
                    conn -> run(conn, null, work)));
        }
        Connection c;
        try {
            c = acquire();
        } catch (SQLException | RuntimeException e) {
            throw table.dialect().translate("obtaining a connection", e);
        }
        try {
            String pending = carryLockTimeout ? table.dialect().lockTimeoutValue(spec.lockTimeout()) : null;
            return JdbcTransactions.inOwnTransaction(c, table.dialect(), spec, pending == null,
                    conn -> run(conn, pending, work));
        } finally {
            release(c);
        }
    }

    private <T> T run(Connection c, @Nullable String pendingLockTimeout, StorageWork<F, T> work) {
        try (JdbcSession<F> session = openSession(c, pendingLockTimeout)) {
            T result = work.run(session);
            session.beforeCommit();
            return result;
        }
    }
}
