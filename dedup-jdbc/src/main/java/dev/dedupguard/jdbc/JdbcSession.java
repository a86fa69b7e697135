package dev.dedupguard.jdbc;

import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The key-based primitives of {@link StorageSession} in plain JDBC on one transaction's connection: find, find many,
 * lock and touch stripes, delete. A backend extends it with the inserts, which depend on how it maps rows. Used by one
 * thread, for one transaction; closed when the transaction ends.
 *
 * <p><b>Round trips.</b> Where the {@link Dialect#pipelinesStatements() dialect pipelines statements} (PostgreSQL), a
 * statement that only prepares the next one -- putting the lock timeout in force, locking the stripes -- is not sent on
 * its own: it is queued and travels ahead of the next statement in the same round trip, as a separate statement with
 * its own snapshot (so a stripe lock and the check after it stay two statements, which is what makes the check see
 * what the lock's previous holder committed). A backend that must run a statement through its own machinery (jOOQ,
 * Hibernate) calls {@link #flushQueued()} first.
 *
 * <p><b>Lock timeout per statement.</b> Where the dialect has a {@link Dialect#lockTimeoutStatementPrefix lock timeout
 * prefix} (MariaDB), a pending lock timeout is not sent at all: every statement that can wait carries it, and a backend
 * that renders such a statement itself puts {@link #lockTimeoutPrefix()} in front of it.
 *
 * <p><b>Re-reads after a duplicate.</b> A backend reports a key whose insert failed as a duplicate with
 * {@link #duplicate}; a later {@link #find} or {@link #findAll} of that key reads it with the dialect's
 * {@link Dialect#lockingReadClause() locking read}, if it has one, so that a stale snapshot cannot hide the row.
 *
 * @param <F> the type the host registers
 */
public abstract class JdbcSession<F> implements StorageSession<F>, AutoCloseable {
    /** The transaction's connection. */
    protected final Connection connection;
    /** The table and its rendered SQL. */
    protected final JdbcTable table;
    private final boolean joined;
    private final boolean pipelines;
    private @Nullable String pendingLockTimeout;
    /** Statements queued to travel ahead of the next one. */
    private final List<Queued> queued = new ArrayList<>(3);
    private boolean sentAnything;
    private final @Nullable String lockTimeoutPrefix;
    private final Set<StoredKey> duplicates = new HashSet<>();

    /**
     * @param connection the transaction's connection
     * @param table the table and its rendered SQL
     * @param joined whether {@code connection} is in the caller's transaction
     * @param pendingLockTimeout a lock timeout value ({@link Dialect#lockTimeoutValue}) not yet in force, which the
     *     first statement that can wait must carry or apply first; {@code null} if the timeout is in force
     */
    protected JdbcSession(Connection connection, JdbcTable table, boolean joined, @Nullable String pendingLockTimeout) {
        this.connection = connection;
        this.table = table;
        this.joined = joined;
        this.pipelines = table.dialect().pipelinesStatements();
        Dialect dialect = table.dialect();
        if (pendingLockTimeout != null && dialect.hasLockTimeoutStatementPrefix()) {
            this.lockTimeoutPrefix = dialect.lockTimeoutStatementPrefix(pendingLockTimeout);
            this.pendingLockTimeout = null;
        } else {
            this.lockTimeoutPrefix = null;
            this.pendingLockTimeout = pendingLockTimeout;
        }
    }

    /**
     * The prefix that puts the lock timeout in force for one statement, for a statement that can wait which the backend
     * runs itself; see {@link JdbcSession}.
     *
     * @return SQL text ending with a space, or an empty string where the timeout is not carried per statement
     */
    protected final String lockTimeoutPrefix() {
        return lockTimeoutPrefix == null ? "" : lockTimeoutPrefix;
    }

    /**
     * Records that {@code key}'s insert failed as a duplicate, so that re-reads of it are current; see
     * {@link JdbcSession}.
     *
     * @param key the key the unique constraint reported
     * @return an empty id, for {@link StorageSession#insertIfAbsent} to return
     */
    protected final OptionalLong duplicate(StoredKey key) {
        duplicates.add(key);
        return OptionalLong.empty();
    }

    /**
     * Work on the connection that may throw {@link SQLException}.
     *
     * @param <T> the result
     */
    @FunctionalInterface
    protected interface SqlCall<T> {
        /**
         * Runs the call.
         *
         * @return its result
         * @throws SQLException if the database fails
         */
        T run() throws SQLException;
    }

    /**
     * Reads the result of a statement sent by {@link #execute}: the statement is positioned on its own result (a
     * result set if {@code hasResultSet}, else an update count).
     *
     * @param <T> the result
     */
    @FunctionalInterface
    protected interface ResultReader<T> {
        /**
         * Reads the statement's result.
         *
         * @param statement the executed statement, positioned on the result
         * @param hasResultSet whether the result is a result set (else an update count)
         * @return the result
         * @throws SQLException if the database fails
         */
        T read(PreparedStatement statement, boolean hasResultSet) throws SQLException;
    }

    /** Reads the result set of a queued statement. */
    @FunctionalInterface
    interface QueuedResult {
        void read(ResultSet rs) throws SQLException;
    }

    /** A statement queued to travel ahead of the next one, with its parameters and what reads its result set. */
    private record Queued(String sql, Object[] parameters, @Nullable QueuedResult result) {
    }

    /**
     * Runs {@code call}, reporting a failure as a {@link StorageException} that says what was attempted.
     *
     * @param <T> the result
     * @param attempted what the call does, for the message
     * @param call the work
     * @return its result
     */
    protected final <T> T jdbc(String attempted, SqlCall<T> call) {
        try {
            return call.run();
        } catch (SQLException e) {
            throw table.dialect().translate(attempted, e);
        }
    }

    /**
     * Whether {@code failure} is a unique violation, as the dialect classifies it.
     *
     * @param failure what the database or the backend threw
     * @return whether it is a unique violation
     */
    protected final boolean isUniqueViolation(Throwable failure) {
        return table.dialect().kindOf(failure) == StorageException.Kind.UNIQUE_VIOLATION;
    }

    /**
     * The pending lock timeout, for the statement about to carry it; from then on it counts as in force.
     *
     * @return the timeout value, or {@code null} if it is already in force
     */
    protected final @Nullable String takeLockTimeout() {
        String pending = pendingLockTimeout;
        pendingLockTimeout = null;
        return pending;
    }

    /** Queues the pending lock timeout (if any) to travel ahead of the next statement; see {@link JdbcSession}. */
    private void queueLockTimeout() {
        String pending = takeLockTimeout();
        if (pending != null) {
            queue(table.setLockTimeoutSql(), new Object[] {pending}, null);
        }
    }

    /**
     * Queues a statement to travel ahead of the next one (where the dialect pipelines statements; else the next
     * statement sends it on its own first).
     */
    final void queue(String sql, Object[] parameters, @Nullable QueuedResult result) {
        queued.add(new Queued(sql, parameters, result));
    }

    /** Forgets what is queued: the work sent nothing, so the savepoint it would have opened is not needed. */
    final void dropQueued() {
        queued.clear();
    }

    /** Whether the session has sent any statement (so that what was queued first has reached the database). */
    final boolean sentAnything() {
        return sentAnything;
    }

    /**
     * Sends what is queued (and the pending lock timeout), before a statement that cannot carry it: one that the
     * backend runs through jOOQ or Hibernate.
     */
    protected final void flushQueued() {
        queueLockTimeout();
        sendQueued();
    }

    /** Sends what is queued, in one round trip where the dialect pipelines statements. */
    final void sendQueued() {
        while (!queued.isEmpty()) {
            List<Queued> batch = pipelines ? List.copyOf(queued) : List.of(queued.get(0));
            queued.subList(0, batch.size()).clear();
            Queued last = batch.get(batch.size() - 1);
            List<Queued> ahead = batch.subList(0, batch.size() - 1);
            send("preparing the registration", ahead, last.sql(), (ps, first) -> bind(ps, first, last.parameters()),
                    (ps, hasResultSet) -> {
                        readQueued(ps, hasResultSet, last);
                        return null;
                    });
        }
    }

    /**
     * Sends {@code sql} with what is queued ahead of it, in one round trip where the dialect pipelines statements, and
     * reads its result; a statement that can wait first gets the pending lock timeout queued.
     *
     * @param <T> the result
     * @param attempted what the statement does, for the message of a failure
     * @param sql the statement
     * @param canWait whether the statement can wait for a lock (then the lock timeout must be in force)
     * @param parameters its parameters, in order
     * @param reader reads its result
     * @return the result
     */
    protected final <T> T execute(String attempted, String sql, boolean canWait, Object[] parameters,
            ResultReader<T> reader) {
        return execute(attempted, sql, canWait, (ps, first) -> bind(ps, first, parameters), reader);
    }

    /**
     * Binds a statement's parameters.
     */
    @FunctionalInterface
    protected interface Binder {
        /**
         * Binds the statement's parameters, the first at index {@code first}.
         *
         * @param statement the statement
         * @param first the index of its first parameter (after those of what is queued ahead of it)
         * @throws SQLException if the driver refuses a value
         */
        void bind(PreparedStatement statement, int first) throws SQLException;
    }

    /**
     * {@link #execute(String, String, boolean, Object[], ResultReader)} for a statement whose parameters the backend
     * binds itself (through its own type system).
     *
     * @param <T> the result
     * @param attempted what the statement does, for the message of a failure
     * @param sql the statement
     * @param canWait whether the statement can wait for a lock (then the lock timeout must be in force)
     * @param binder binds its parameters
     * @param reader reads its result
     * @return the result
     */
    protected final <T> T execute(String attempted, String sql, boolean canWait, Binder binder,
            ResultReader<T> reader) {
        if (canWait) {
            queueLockTimeout();
        }
        if (!pipelines) {
            sendQueued();
        }
        List<Queued> ahead = List.copyOf(queued);
        queued.clear();
        return send(attempted, ahead, canWait ? lockTimeoutPrefix() + sql : sql, binder, reader);
    }

    private <T> T send(String attempted, List<Queued> ahead, String sql, Binder binder, ResultReader<T> reader) {
        String text;
        if (ahead.isEmpty()) {
            text = sql;
        } else {
            List<String> statements = new ArrayList<>(ahead.size() + 1);
            ahead.forEach(q -> statements.add(q.sql()));
            statements.add(sql);
            text = table.pipelinedSql(statements);
        }
        return jdbc(attempted, () -> {
            try (PreparedStatement ps = connection.prepareStatement(text)) {
                int next = 1;
                for (Queued q : ahead) {
                    next = bind(ps, next, q.parameters());
                }
                binder.bind(ps, next);
                sentAnything = true;
                boolean hasResultSet = ps.execute();
                for (Queued q : ahead) {
                    readQueued(ps, hasResultSet, q);
                    hasResultSet = ps.getMoreResults();
                }
                return reader.read(ps, hasResultSet);
            }
        });
    }

    private static void readQueued(PreparedStatement ps, boolean hasResultSet, Queued q) throws SQLException {
        if (!hasResultSet) {
            return;
        }
        try (ResultSet rs = ps.getResultSet()) {
            if (q.result() != null) {
                q.result().read(rs);
            }
        }
    }

    private QueuedResult lockedRows(int[] stripes) {
        return rs -> {
            int rows = 0;
            while (rs.next()) {
                rows++;
            }
            table.requireAllStripes(rows, stripes);
        };
    }

    private static int bind(PreparedStatement ps, int first, Object[] parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            ps.setObject(first + i, parameters[i]);
        }
        return first + parameters.length;
    }

    /**
     * The parameters that select {@code key}: scope, content hash, name match.
     *
     * @param key the key
     * @return its three parameters, in the order of {@link JdbcTable}'s key predicates
     */
    protected final Object[] keyParameters(StoredKey key) {
        return new Object[] {table.scopeValue(key), key.file().contentHash(), table.schema().nameMatchValue(key)};
    }

    /**
     * {@link #insertOrFind(String, String, int, Binder, StoredKey)} for an insert whose parameters JDBC binds as they
     * are.
     *
     * @param attempted what the statement does, for the message of a failure
     * @param sql the combined statement
     * @param insertParameters the insert's parameters, in order; the key's follow
     * @param key the key being registered
     * @return the new or existing row, or {@code null} if the transaction cannot see the existing row
     */
    protected final StorageSession.@Nullable Stored insertOrFind(String attempted, String sql, Object[] insertParameters,
            StoredKey key) {
        return insertOrFind(attempted, sql, insertParameters.length, (ps, first) -> bind(ps, first, insertParameters),
                key);
    }

    /**
     * Runs a statement from {@link JdbcTable#insertOrFindSql} (with what is queued ahead of it); if it returns no row
     * (the key's row was committed while the insert waited, after the statement's snapshot), looks the key up again.
     *
     * @param attempted what the statement does, for the message of a failure
     * @param sql the combined statement
     * @param insertParameters how many parameters the insert has
     * @param insertBinder binds the insert's parameters; the key's follow
     * @param key the key being registered
     * @return the new or existing row, or {@code null} if the transaction cannot see the existing row
     */
    protected final StorageSession.@Nullable Stored insertOrFind(String attempted, String sql, int insertParameters,
            Binder insertBinder, StoredKey key) {
        Object[] keyParameters = keyParameters(key);
        StorageSession.@Nullable Stored stored = execute(attempted, sql, true, (ps, first) -> {
            insertBinder.bind(ps, first);
            bind(ps, first + insertParameters, keyParameters);
        }, (ps, hasResultSet) -> {
            try (ResultSet rs = ps.getResultSet()) {
                return rs.next() ? stored(rs) : null;
            }
        });
        if (stored != null) {
            return stored;
        }
        return find(key).map(StorageSession.Stored::found).orElse(null);
    }

    /**
     * Runs a statement from {@link JdbcTable#findOrInsertSql} with what is queued ahead of it (the stripe lock).
     *
     * @param attempted what the statement does, for the message of a failure
     * @param sql the combined statement
     * @param insertParameters how many parameters the insert has
     * @param insertBinder binds the insert's parameters, after the key's; the stripe follows
     * @param key the key being registered
     * @param stripe the key's stripe, locked by this transaction
     * @return the existing row, or the new one
     */
    protected final StorageSession.Stored findOrInsert(String attempted, String sql, int insertParameters,
            Binder insertBinder, StoredKey key, int stripe) {
        Object[] keyParameters = keyParameters(key);
        return execute(attempted, sql, true, (ps, first) -> {
            int next = bind(ps, first, keyParameters);
            insertBinder.bind(ps, next);
            ps.setObject(next + insertParameters, stripe);
        }, (ps, hasResultSet) -> {
            try (ResultSet rs = ps.getResultSet()) {
                if (!rs.next()) {
                    throw new StorageException(StorageException.Kind.OTHER, "the registration returned no row", null);
                }
                return stored(rs);
            }
        });
    }

    /**
     * {@link #findOrInsert(String, String, int, Binder, StoredKey, int)} for an insert whose parameters JDBC binds as
     * they are.
     *
     * @param attempted what the statement does, for the message of a failure
     * @param sql the combined statement
     * @param insertParameters the insert's parameters, in order
     * @param key the key being registered
     * @param stripe the key's stripe, locked by this transaction
     * @return the existing row, or the new one
     */
    protected final StorageSession.Stored findOrInsert(String attempted, String sql, Object[] insertParameters,
            StoredKey key, int stripe) {
        return findOrInsert(attempted, sql, insertParameters.length, (ps, first) -> bind(ps, first, insertParameters),
                key, stripe);
    }

    /** The row of a combined statement: whether it inserted, the id, the existing row's key columns. */
    private StorageSession.Stored stored(ResultSet rs) throws SQLException {
        return rs.getBoolean(1) ? StorageSession.Stored.inserted(rs.getLong(2))
                : StorageSession.Stored.found(readRow(rs, 2));
    }

    /**
     * The key columns of a row as {@link TableSchema#rowColumns} selects them, from column {@code first} on.
     *
     * @param rs a result set positioned on the row
     * @param first the 1-based index of the id column
     * @return the row's key columns as the database returned them
     * @throws SQLException if a column cannot be read
     */
    protected final StoredRow readRow(ResultSet rs, int first) throws SQLException {
        return new StoredRow(rs.getLong(first), String.valueOf(rs.getObject(first + 1)), rs.getString(first + 2),
                rs.getString(first + 3), table.schema().nameKey() == null ? null : rs.getString(first + 4));
    }

    @Override
    public Optional<StoredRow> find(StoredKey key) {
        String locking = duplicates.contains(key) ? table.dialect().lockingReadClause() : null;
        String sql = locking == null ? table.findSql() : table.findSql() + locking;
        return execute("finding the key", sql, locking != null, keyParameters(key), (ps, rs) -> {
            try (ResultSet r = ps.getResultSet()) {
                return r.next() ? Optional.of(readRow(r, 1)) : Optional.<StoredRow>empty();
            }
        });
    }

    /**
     * Looks the keys up with as few statements as the dialect allows ({@link Dialect#maxKeysPerLookup()} keys each,
     * rendered by {@link Dialect#findAllSql} and bound by {@link Dialect#bindFindAll}), each sent with what is queued
     * ahead of it.
     */
    @Override
    public Map<StoredKey, StoredRow> findAll(Collection<StoredKey> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        if (table.dialect().lockingReadClause() != null && !duplicates.isEmpty()) {
            List<StoredKey> plain = new ArrayList<>(keys.size());
            Map<StoredKey, StoredRow> found = new HashMap<>();
            for (StoredKey key : keys) {
                if (duplicates.contains(key)) {
                    find(key).ifPresent(row -> found.put(key, row));
                } else {
                    plain.add(key);
                }
            }
            found.putAll(plainFindAll(plain));
            return found;
        }
        return plainFindAll(keys);
    }

    /**
     * Attributes each returned row to the key the database matched it with: by the key's position where the dialect
     * returns it, else by the values of the row's key columns. A row whose values equal no requested key was matched by
     * an equality other than the guard's; the keys still without a row are then looked up one by one, so that each such
     * row reaches the engine with the key the database matched it to (and the engine refuses it as a collision).
     */
    private Map<StoredKey, StoredRow> plainFindAll(Collection<StoredKey> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        TableSchema s = table.schema();
        Dialect dialect = table.dialect();
        boolean positioned = dialect.findAllReturnsKeyPosition();
        List<StoredKey> all = new ArrayList<>(keys);
        Map<List<String>, StoredKey> byColumns = positioned ? Map.of() : new HashMap<>(all.size() * 2);
        if (!positioned) {
            for (StoredKey key : all) {
                byColumns.put(JdbcTable.columnsOf(table.scopeValue(key), key.file().contentHash(),
                        s.nameMatchValue(key)), key);
            }
        }
        Map<StoredKey, StoredRow> found = new HashMap<>(all.size() * 2);
        List<StoredRow> unattributed = new ArrayList<>(0);
        int slice = Math.max(1, dialect.maxKeysPerLookup());
        for (int from = 0; from < all.size(); from += slice) {
            List<StoredKey> part = all.subList(from, Math.min(all.size(), from + slice));
            execute("finding the keys", dialect.findAllSql(table, part.size()), false,
                    (ps, first) -> dialect.bindFindAll(ps, first, table, part), (ps, hasResultSet) -> {
                        try (ResultSet r = ps.getResultSet()) {
                            while (r.next()) {
                                StoredRow row = readRow(r, positioned ? 2 : 1);
                                StoredKey key = positioned ? part.get(r.getInt(1) - 1)
                                        : byColumns.get(JdbcTable.columnsOf(row.scope(), row.contentHash(),
                                                row.nameDigest() != null ? row.nameDigest() : row.fileName()));
                                if (key == null) {
                                    unattributed.add(row);
                                } else {
                                    found.putIfAbsent(key, row);
                                }
                            }
                        }
                        return null;
                    });
        }
        if (!unattributed.isEmpty()) {
            for (StoredKey key : all) {
                if (!found.containsKey(key)) {
                    find(key).ifPresent(row -> found.put(key, row));
                }
            }
        }
        return found;
    }

    /**
     * Looks the keys up in one go first and inserts only those not found, one {@link #insertIfAbsent} each: a batch of
     * re-uploads then costs one lookup per chunk rather than a failed (or looked-up) insert per row. Backends with a
     * one-statement insert-if-absent override this.
     */
    @Override
    public Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
        List<StoredKey> keys = new ArrayList<>(rows.size());
        rows.forEach(r -> keys.add(r.key()));
        Map<StoredKey, StoredRow> existing = findAll(keys);
        Map<StoredKey, Long> inserted = new LinkedHashMap<>();
        for (Row<F> row : rows) {
            if (!existing.containsKey(row.key())) {
                insertIfAbsent(row.file(), row.key()).ifPresent(id -> inserted.put(row.key(), id));
            }
        }
        return inserted;
    }

    /**
     * {@code SELECT ... FOR UPDATE} of the stripes in ascending order, carrying the pending lock timeout where the
     * dialect can; inside a caller's transaction, first asks the dialect whether the lock is safe at its isolation,
     * and afterwards whether the transaction's snapshot still shows every registration under the stripes. Where the
     * dialect pipelines statements, the lock is queued and travels with the check that follows it.
     */
    @Override
    public void lockStripes(int[] stripes) {
        if (joined) {
            jdbc("locking stripes", () -> {
                table.dialect().checkJoinedStripeLock(connection);
                return null;
            });
        }
        String timeout = table.dialect().lockTimeoutCarrier() == null ? null : takeLockTimeout();
        Object[] parameters = new Object[stripes.length + (timeout == null ? 0 : 1)];
        int first = 0;
        if (timeout != null) {
            parameters[first++] = timeout;
        }
        for (int i = 0; i < stripes.length; i++) {
            parameters[first + i] = stripes[i];
        }
        queue(lockTimeoutPrefix() + table.lockStripesSql(stripes.length, timeout != null), parameters,
                lockedRows(stripes.clone()));
        if (!pipelines) {
            sendQueued();
            if (joined) {
                jdbc("checking the snapshot after the stripe lock", () -> {
                    table.dialect().checkSnapshotAfterStripeLock(connection, table.stripeTable(), stripes);
                    return null;
                });
            }
        }
    }

    /** Bumps the stripes' registration count; see {@link StorageSession#touchStripes}. */
    @Override
    public void touchStripes(int[] stripes) {
        Object[] parameters = new Object[stripes.length];
        for (int i = 0; i < stripes.length; i++) {
            parameters[i] = stripes[i];
        }
        if (pipelines) {
            queue(table.touchStripesReturningSql(stripes.length), parameters, lockedRows(stripes.clone()));
            return;
        }
        execute("updating stripes", table.touchStripesSql(stripes.length), false, parameters, (ps, rs) -> {
            table.requireAllStripes(ps.getUpdateCount(), stripes);
            return null;
        });
    }

    @Override
    public List<StoredRow> delete(StoredKey key) {
        return execute("deleting the key", table.deleteSql(), true, keyParameters(key), (ps, hasResultSet) -> {
            List<StoredRow> deleted = new ArrayList<>(1);
            try (ResultSet r = ps.getResultSet()) {
                while (r.next()) {
                    deleted.add(readRow(r, 1));
                }
            }
            return deleted;
        });
    }

    /**
     * Sends what is still queued (a stripe touch) once the work has returned, so that it commits with the transaction;
     * {@link JdbcStorage} calls it before committing.
     */
    final void beforeCommit() {
        sendQueued();
    }

    /** Releases what the session opened; the connection itself belongs to the storage. */
    @Override
    public void close() {
    }
}
