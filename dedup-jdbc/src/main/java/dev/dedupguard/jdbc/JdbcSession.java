package dev.dedupguard.jdbc;

import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The key-based primitives of {@link StorageSession} in plain JDBC on one transaction's connection: find, find many,
 * lock and touch stripes, delete. A backend extends it with the inserts, which depend on how it maps rows. Used by one
 * thread, for one transaction; closed when the transaction ends.
 *
 * @param <F> the type the host registers
 */
public abstract class JdbcSession<F> implements StorageSession<F>, AutoCloseable {
    /** The transaction's connection. */
    protected final Connection connection;
    /** The table and its rendered SQL. */
    protected final JdbcTable table;
    private final boolean joined;
    private @Nullable String pendingLockTimeout;

    /**
     * @param joined whether {@code connection} is in the caller's transaction
     * @param pendingLockTimeout a lock timeout value ({@link Dialect#lockTimeoutValue}) not yet in force, which the
     *     first statement that can wait must carry or apply first; {@code null} if the timeout is in force
     */
    protected JdbcSession(Connection connection, JdbcTable table, boolean joined, @Nullable String pendingLockTimeout) {
        this.connection = connection;
        this.table = table;
        this.joined = joined;
        this.pendingLockTimeout = pendingLockTimeout;
    }

    /** Work on the connection that may throw {@link SQLException}. */
    @FunctionalInterface
    protected interface SqlCall<T> {
        /** Runs the call. */
        T run() throws SQLException;
    }

    /** Runs {@code call}, reporting a failure as a {@link StorageException} that says what was attempted. */
    protected final <T> T jdbc(String attempted, SqlCall<T> call) {
        try {
            return call.run();
        } catch (SQLException e) {
            throw table.dialect().translate(attempted, e);
        }
    }

    /** Whether {@code failure} is a unique violation, as the dialect classifies it. */
    protected final boolean isUniqueViolation(Throwable failure) {
        return table.dialect().kindOf(failure) == StorageException.Kind.UNIQUE_VIOLATION;
    }

    /** The pending lock timeout, for the statement about to carry it; from then on it counts as in force. */
    protected final @Nullable String takeLockTimeout() {
        String pending = pendingLockTimeout;
        pendingLockTimeout = null;
        return pending;
    }

    /** Puts the pending lock timeout in force with a statement of its own, before one that cannot carry it. */
    protected final void applyLockTimeout() {
        String pending = takeLockTimeout();
        if (pending != null) {
            jdbc("setting the lock timeout", () -> {
                try (PreparedStatement ps = connection.prepareStatement("select * from "
                        + table.dialect().lockTimeoutCarrier() + " cfg")) {
                    ps.setString(1, pending);
                    ps.executeQuery().close();
                }
                return null;
            });
        }
    }

    @Override
    public OptionalLong find(StoredKey key) {
        return jdbc("finding the key", () -> {
            try (PreparedStatement ps = connection.prepareStatement(table.findSql())) {
                bindKey(ps, 1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                }
            }
        });
    }

    @Override
    public Map<StoredKey, Long> findAll(Collection<StoredKey> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        TableSchema s = table.schema();
        StringBuilder sql = new StringBuilder("select ").append(s.id()).append(", ").append(s.scope()).append(", ")
                .append(s.contentHash()).append(", ").append(s.nameMatch()).append(" from ").append(s.qualifiedTable())
                .append(" where (").append(s.scope()).append(", ").append(s.contentHash()).append(", ")
                .append(s.nameMatch()).append(") in (");
        Map<List<String>, StoredKey> byColumns = new HashMap<>();
        int i = 0;
        for (StoredKey key : keys) {
            sql.append(i++ == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
            byColumns.put(JdbcTable.columnsOf(table.scopeValue(key), key.file().contentHash(), s.nameMatchValue(key)),
                    key);
        }
        sql.append(") order by ").append(s.id());
        return jdbc("finding the keys", () -> {
            Map<StoredKey, Long> found = new HashMap<>();
            try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
                int p = 1;
                for (StoredKey key : keys) {
                    p = bindKey(ps, p, key);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        StoredKey key = byColumns.get(JdbcTable.columnsOf(rs.getObject(2), rs.getString(3),
                                rs.getString(4)));
                        if (key != null) {
                            found.putIfAbsent(key, rs.getLong(1));
                        }
                    }
                }
            }
            return found;
        });
    }

    /**
     * {@code SELECT ... FOR UPDATE} of the stripes in ascending order, carrying the pending lock timeout where the
     * dialect can; inside a caller's transaction, first asks the dialect whether the lock is safe at its isolation,
     * and afterwards whether the transaction's snapshot still shows every registration under the stripes.
     */
    @Override
    public void lockStripes(int[] stripes) {
        jdbc("locking stripes", () -> {
            if (joined) {
                table.dialect().checkJoinedStripeLock(connection);
            }
            String timeout = table.dialect().lockTimeoutCarrier() == null ? null : takeLockTimeout();
            if (timeout == null) {
                applyLockTimeout();
            }
            int locked = 0;
            try (PreparedStatement ps = connection.prepareStatement(table.lockStripesSql(stripes.length,
                    timeout != null))) {
                int first = 1;
                if (timeout != null) {
                    ps.setString(first++, timeout);
                }
                for (int i = 0; i < stripes.length; i++) {
                    ps.setInt(first + i, stripes[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        locked++;
                    }
                }
            }
            table.requireAllStripes(locked, stripes);
            if (joined) {
                table.dialect().checkSnapshotAfterStripeLock(connection, table.stripeTable(), stripes);
            }
            return null;
        });
    }

    /** Bumps the stripes' registration count; see {@link StorageSession#touchStripes}. */
    @Override
    public void touchStripes(int[] stripes) {
        jdbc("updating stripes", () -> {
            try (PreparedStatement ps = connection.prepareStatement(table.touchStripesSql(stripes.length))) {
                for (int i = 0; i < stripes.length; i++) {
                    ps.setInt(i + 1, stripes[i]);
                }
                table.requireAllStripes(ps.executeUpdate(), stripes);
            }
            return null;
        });
    }

    @Override
    public boolean delete(StoredKey key) {
        applyLockTimeout();
        return jdbc("deleting the key", () -> {
            try (PreparedStatement ps = connection.prepareStatement(table.deleteSql())) {
                bindKey(ps, 1, key);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Binds scope, content hash and name match of {@code key} from parameter {@code first}; returns the next index. */
    protected final int bindKey(PreparedStatement ps, int first, StoredKey key) throws SQLException {
        ps.setObject(first, table.scopeValue(key));
        ps.setString(first + 1, key.file().contentHash());
        ps.setString(first + 2, table.schema().nameMatchValue(key));
        return first + 3;
    }

    /** Releases what the session opened; the connection itself belongs to the storage. */
    @Override
    public void close() {
    }
}
