package dev.dedupguard.jdbc;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.spi.LoggedAttempt;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
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
 * The storage primitives of one transaction, in plain JDBC on its connection: every statement comes from the
 * {@link Statements} its {@link Dialect} rendered, every row from the backend's {@link HostRows}; where the databases
 * differ in what they do (an insert-if-absent clause or a caught duplicate-key error, one combined statement or two),
 * the dialect's operation runs on this session's statement helpers. Used by one thread for one transaction.
 *
 * <p><b>Round trips.</b> Where the dialect pipelines statements (PostgreSQL), a statement that only prepares the next
 * one -- putting the lock timeout in force, locking the stripes -- is queued and travels ahead of the next statement in
 * the same round trip, as a separate statement with its own snapshot (so a stripe lock and the check after it stay two
 * statements, which is what makes the check see what the lock's previous holder committed).
 *
 * <p><b>Implicit transactions.</b> Where the dialect lets a registration of its own run without an explicit
 * transaction ({@link #implicitTransactions}), the connection stays in auto-commit and a message that is the whole of
 * an operation -- everything queued and the statement that decides the answer, with nothing the backend must do after
 * it -- is sent as one implicit transaction, which the database commits when the message ends: one round trip, no
 * {@code COMMIT}. Any other message first turns auto-commit off, so that it and everything after it is one explicit
 * transaction, committed or rolled back by the caller as usual.
 *
 * <p><b>Lock timeout per statement.</b> Where the dialect has a lock timeout prefix (MariaDB), a pending lock timeout is
 * not sent at all: every statement that can wait carries it.
 *
 * <p><b>Re-reads after a duplicate.</b> A key whose insert failed as a duplicate is recorded; a later {@link #find} or
 * {@link #findAll} of that key reads it with the dialect's locking read, if it has one, so that a stale snapshot cannot
 * hide the row.
 *
 * @param <F> the type the host registers
 */
final class JdbcSession<F> implements StorageSession<F>, AutoCloseable {
    final Connection connection;
    final Statements statements;
    final Dialect dialect;
    private final HostRows<F> rows;
    private final boolean foreignInserts;
    private HostRows.@Nullable Transaction transaction;
    private final boolean joined;
    private final boolean pipelines;
    private @Nullable String pendingLockTimeout;
    private final List<Queued> queued = new ArrayList<>(3);
    private boolean sentAnything;
    /** The lock timeout value that the dialect's statement prefix carries; {@code null} if it has no prefix. */
    private final @Nullable String lockTimeoutValue;
    /** Keys whose insert found a duplicate; created by the first, since most sessions have none. */
    private @Nullable Set<StoredKey> duplicates;
    private final InterruptWatch watch;
    private JdbcTransactions.@Nullable Implicit implicit;
    /** The lock timeout to put in force again after an implicit transaction, which took it with it. */
    private final @Nullable String implicitLockTimeout;
    private final @Nullable AttemptLogStatements attemptLog;
    /** The key of the attempt announced by {@link #expectAttempt} and not yet taken by an insert that logs it. */
    private @Nullable StoredKey expectedKey;
    private @Nullable AttemptContext expectedContext;
    /** The id of the row whose attempt an insert logged as NEW in its own statement; -1 if none. */
    private long loggedNewId = -1;

    /**
     * @param connection the transaction's connection
     * @param statements the guard's statements
     * @param rows the backend's rows
     * @param joined whether {@code connection} is in the caller's transaction
     * @param pendingLockTimeout a lock timeout value ({@link Dialect#lockTimeoutValue}) not yet in force, which the
     *     first statement that can wait must carry or apply first; {@code null} if the timeout is in force
     * @param watch the call's interrupt watch, told of every statement the session runs
     * @param foreignInserts whether the backend inserts rows itself (then its connection is watched too)
     * @param attemptLog the attempt log's statements, or {@code null} if the guard keeps none
     */
    JdbcSession(Connection connection, Statements statements, HostRows<F> rows, boolean joined,
            @Nullable String pendingLockTimeout, InterruptWatch watch, boolean foreignInserts,
            @Nullable AttemptLogStatements attemptLog) {
        this.attemptLog = attemptLog;
        this.foreignInserts = foreignInserts;
        this.connection = connection;
        this.watch = watch;
        this.statements = statements;
        this.dialect = statements.dialect();
        this.rows = rows;
        this.joined = joined;
        this.pipelines = dialect.pipelinesStatements();
        String prefix = pendingLockTimeout == null ? "" : statements.lockTimeoutPrefix(pendingLockTimeout);
        this.lockTimeoutValue = prefix.isEmpty() ? null : pendingLockTimeout;
        this.pendingLockTimeout = prefix.isEmpty() ? pendingLockTimeout : null;
        this.implicitLockTimeout = this.pendingLockTimeout;
    }

    // ---------------------------------------------------------------- statement helpers, for the dialects

    /**
     * Reads the result of a statement sent by {@link #execute}: the statement is positioned on its own result.
     *
     * @param <T> the result
     */
    @FunctionalInterface
    interface ResultReader<T> {
        T read(PreparedStatement statement, boolean hasResultSet) throws SQLException;
    }

    /** Binds a statement's parameters, the first at index {@code first}. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement, int first) throws SQLException;
    }

    /** Reads the result set of a queued statement. */
    @FunctionalInterface
    interface QueuedResult {
        void read(ResultSet rs) throws SQLException;
    }

    /** Work on the connection that may throw {@link SQLException}. */
    @FunctionalInterface
    interface SqlCall<T> {
        T run() throws SQLException;
    }

    /** A statement queued to travel ahead of the next one, with its parameters and what reads its result set. */
    private record Queued(String sql, Object[] parameters, @Nullable QueuedResult result) {
    }

    /** Runs {@code call}, reporting a failure as a {@link StorageException} that says what was attempted. */
    <T> T jdbc(String attempted, SqlCall<T> call) {
        try {
            return call.run();
        } catch (SQLException e) {
            throw dialect.translate(attempted, e);
        }
    }

    /** Whether {@code failure} is a unique violation, as the dialect classifies it. */
    boolean isUniqueViolation(Throwable failure) {
        return dialect.kindOf(failure) == StorageException.Kind.UNIQUE_VIOLATION;
    }

    /**
     * Records that {@code key}'s insert failed as a duplicate, so that re-reads of it are current.
     *
     * @return an empty id, for an insert-if-absent to return
     */
    OptionalLong duplicate(StoredKey key) {
        if (duplicates == null) {
            duplicates = new HashSet<>(4);
        }
        duplicates.add(key);
        return OptionalLong.empty();
    }

    /** The pending lock timeout, for the statement about to carry it; from then on it counts as in force. */
    @Nullable String takeLockTimeout() {
        String pending = pendingLockTimeout;
        pendingLockTimeout = null;
        return pending;
    }

    private void queueLockTimeout() {
        String pending = takeLockTimeout();
        if (pending != null) {
            queue(statements.setLockTimeoutSql(), new Object[] {pending}, null);
        }
    }

    /** Queues a statement to travel ahead of the next one (where the dialect pipelines statements). */
    void queue(String sql, Object[] parameters, @Nullable QueuedResult result) {
        queued.add(new Queued(sql, parameters, result));
    }

    /**
     * Lets whole messages run as implicit transactions of their own, on a connection in auto-commit mode (see the class
     * comment); the first other message begins an explicit transaction.
     *
     * @param calls the call's implicit transactions; {@code null}: one explicit transaction, begun by the caller
     */
    void implicitTransactions(JdbcTransactions.@Nullable Implicit calls) {
        implicit = calls;
    }

    /** Whether the session still sends whole messages as implicit transactions (no explicit one has begun). */
    boolean implicitTransactionsLeft() {
        return implicit != null && implicit.active();
    }

    /** Forgets what is queued: the work sent nothing, so the savepoint it would have opened is not needed. */
    void dropQueued() {
        queued.clear();
    }

    /** Whether the session has sent any statement (so that what was queued first has reached the database). */
    boolean sentAnything() {
        return sentAnything;
    }

    /** Sends what is queued and the pending lock timeout, before a statement the backend runs itself. */
    void flushQueued() {
        queueLockTimeout();
        sendQueued();
    }

    /** Sends what is queued, in one round trip where the dialect pipelines statements. */
    void sendQueued() {
        while (!queued.isEmpty()) {
            List<Queued> batch = pipelines ? List.copyOf(queued) : List.of(queued.get(0));
            queued.subList(0, batch.size()).clear();
            Queued last = batch.get(batch.size() - 1);
            List<Queued> ahead = batch.subList(0, batch.size() - 1);
            send("preparing the registration", ahead, last.sql(), false, (ps, first) -> bind(ps, first, last.parameters()),
                    (ps, hasResultSet) -> {
                        readQueued(ps, hasResultSet, last);
                        return null;
                    });
        }
    }

    /**
     * Sends {@code sql} with what is queued ahead of it, in one round trip where the dialect pipelines statements, and
     * reads its result; a statement that can wait first gets the lock timeout (queued, or as its prefix).
     */
    <T> T execute(String attempted, String sql, boolean canWait, Object[] parameters, ResultReader<T> reader) {
        return execute(attempted, sql, canWait, (ps, first) -> bind(ps, first, parameters), reader);
    }

    /** {@link #execute(String, String, boolean, Object[], ResultReader)} with parameters bound by {@code binder}. */
    <T> T execute(String attempted, String sql, boolean canWait, Binder binder, ResultReader<T> reader) {
        return execute(attempted, sql, canWait, false, binder, reader);
    }

    /**
     * {@link #execute(String, String, boolean, Binder, ResultReader)}; {@code whole} says that the message (what is
     * queued and {@code sql}) is the whole of an operation, which may then run as an implicit transaction of its own.
     */
    <T> T execute(String attempted, String sql, boolean canWait, boolean whole, Binder binder, ResultReader<T> reader) {
        if (canWait) {
            queueLockTimeout();
        }
        if (!pipelines) {
            sendQueued();
        }
        List<Queued> ahead = queued.isEmpty() ? List.of() : List.copyOf(queued);
        queued.clear();
        return send(attempted, ahead, canWait ? prefixed(sql) : sql, whole, binder, reader);
    }

    /** {@code sql} carrying the lock timeout as its prefix, where the dialect has one; the same text on every call. */
    private String prefixed(String sql) {
        return lockTimeoutValue == null ? sql : statements.withLockTimeout(lockTimeoutValue, sql);
    }

    private <T> T send(String attempted, List<Queued> ahead, String sql, boolean whole, Binder binder,
            ResultReader<T> reader) {
        JdbcTransactions.Implicit calls = implicit;
        if (calls != null && calls.active() && (!whole || expectedKey != null)) {
            jdbc("beginning the transaction", () -> {
                calls.beginExplicit();
                return null;
            });
        } else if (calls != null && calls.active()) {
            T result = sendNow(attempted, ahead, sql, binder, reader);
            pendingLockTimeout = implicitLockTimeout;
            return result;
        }
        return sendNow(attempted, ahead, sql, binder, reader);
    }

    private <T> T sendNow(String attempted, List<Queued> ahead, String sql, Binder binder, ResultReader<T> reader) {
        String text;
        if (ahead.isEmpty()) {
            text = sql;
        } else {
            List<String> texts = new ArrayList<>(ahead.size() + 1);
            ahead.forEach(q -> texts.add(q.sql()));
            texts.add(sql);
            text = statements.pipelinedSql(texts);
        }
        return jdbc(attempted, () -> {
            try (PreparedStatement ps = connection.prepareStatement(text)) {
                watch.executing(ps);
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

    static int bind(PreparedStatement ps, int first, Object[] parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            ps.setObject(first + i, parameters[i]);
        }
        return first + parameters.length;
    }

    /** The parameters that select {@code key}: scope, content hash, name match. */
    Object[] keyParameters(StoredKey key) {
        return new Object[] {statements.scopeValue(key), key.file().contentHash(),
                statements.schema().nameMatchValue(key)};
    }

    /** The key columns of a row as {@link TableSchema#rowColumns} selects them, from column {@code first} on. */
    StoredRow readRow(ResultSet rs, int first) throws SQLException {
        return new StoredRow(rs.getLong(first), String.valueOf(rs.getObject(first + 1)), rs.getString(first + 2),
                rs.getString(first + 3), statements.schema().nameKey() == null ? null : rs.getString(first + 4));
    }

    /** The row of a combined insert-or-find statement: whether it inserted, the id, the existing row's key columns. */
    StorageSession.Stored stored(ResultSet rs) throws SQLException {
        return rs.getBoolean(1) ? StorageSession.Stored.inserted(rs.getLong(2))
                : StorageSession.Stored.found(readRow(rs, 2));
    }

    /** The first column of the statement's first row as an id, if there is a row. */
    static OptionalLong firstId(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.getResultSet()) {
            return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
        }
    }

    // ---------------------------------------------------------------- lookups, locks, deletes

    @Override
    public Optional<StoredRow> find(StoredKey key) {
        Set<StoredKey> locked = duplicates;
        String locking = locked != null && locked.contains(key) && !implicitTransactionsLeft()
                ? dialect.lockingReadClause() : null;
        String sql = locking == null ? statements.findSql() : statements.findSql() + locking;
        Object[] parameters = keyParameters(key);
        return execute("finding the key", sql, locking != null, locking == null && queued.isEmpty(),
                (ps, first) -> bind(ps, first, parameters), (ps, rs) -> {
                    try (ResultSet r = ps.getResultSet()) {
                        return r.next() ? Optional.of(readRow(r, 1)) : Optional.<StoredRow>empty();
                    }
                });
    }

    /**
     * Looks the keys up with as few statements as the dialect allows, each sent with what is queued ahead of it; keys
     * whose insert failed as a duplicate are read one by one with the dialect's locking read.
     */
    @Override
    public Map<StoredKey, StoredRow> findAll(Collection<StoredKey> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        Set<StoredKey> locked = duplicates;
        if (dialect.lockingReadClause() != null && locked != null) {
            List<StoredKey> plain = new ArrayList<>(keys.size());
            Map<StoredKey, StoredRow> found = new HashMap<>();
            for (StoredKey key : keys) {
                if (locked.contains(key)) {
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
        TableSchema s = statements.schema();
        boolean positioned = dialect.findAllReturnsKeyPosition();
        List<StoredKey> all = new ArrayList<>(keys);
        Map<List<String>, StoredKey> byColumns = positioned ? Map.of() : new HashMap<>(all.size() * 2);
        if (!positioned) {
            for (StoredKey key : all) {
                byColumns.put(Statements.columnsOf(statements.scopeValue(key), key.file().contentHash(),
                        s.nameMatchValue(key)), key);
            }
        }
        Map<StoredKey, StoredRow> found = new HashMap<>(all.size() * 2);
        List<StoredRow> unattributed = new ArrayList<>(0);
        int slice = Math.max(1, dialect.maxKeysPerLookup());
        for (int from = 0; from < all.size(); from += slice) {
            List<StoredKey> part = all.subList(from, Math.min(all.size(), from + slice));
            execute("finding the keys", dialect.findAllSql(statements, part.size()), false,
                    (ps, first) -> dialect.bindFindAll(ps, first, statements, part), (ps, hasResultSet) -> {
                        try (ResultSet r = ps.getResultSet()) {
                            while (r.next()) {
                                StoredRow row = readRow(r, positioned ? 2 : 1);
                                StoredKey key = positioned ? part.get(r.getInt(1) - 1)
                                        : byColumns.get(Statements.columnsOf(row.scope(), row.contentHash(),
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
     * {@code SELECT ... FOR UPDATE} of the stripes in ascending order, carrying the pending lock timeout where the
     * dialect can; inside a caller's transaction, first asks the dialect whether the lock is safe at its isolation,
     * and afterwards whether the transaction's snapshot still shows every registration under the stripes. Where the
     * dialect pipelines statements, the lock is queued and travels with the check that follows it.
     */
    @Override
    public void lockStripes(int[] stripes) {
        if (joined) {
            jdbc("locking stripes", () -> {
                dialect.checkJoinedStripeLock(connection);
                return null;
            });
        }
        String timeout = dialect.lockTimeoutCarrier() == null ? null : takeLockTimeout();
        Object[] parameters = new Object[stripes.length + (timeout == null ? 0 : 1)];
        int first = 0;
        if (timeout != null) {
            parameters[first++] = timeout;
        }
        for (int i = 0; i < stripes.length; i++) {
            parameters[first + i] = stripes[i];
        }
        queue(prefixed(statements.lockStripesSql(stripes.length, timeout != null)), parameters,
                lockedRows(stripes.clone()));
        if (!pipelines) {
            sendQueued();
            if (joined) {
                jdbc("checking the snapshot after the stripe lock", () -> {
                    dialect.checkSnapshotAfterStripeLock(connection, statements.stripeTable(), stripes);
                    return null;
                });
            }
        }
    }

    private QueuedResult lockedRows(int[] stripes) {
        return rs -> {
            int count = 0;
            while (rs.next()) {
                count++;
            }
            statements.requireAllStripes(count, stripes);
        };
    }

    /** Bumps the stripes' registration count; see {@link StorageSession#touchStripes}. */
    @Override
    public void touchStripes(int[] stripes) {
        Object[] parameters = new Object[stripes.length];
        for (int i = 0; i < stripes.length; i++) {
            parameters[i] = stripes[i];
        }
        if (pipelines) {
            queue(statements.touchStripesReturningSql(stripes.length), parameters, lockedRows(stripes.clone()));
            return;
        }
        execute("updating stripes", statements.touchStripesSql(stripes.length), false, parameters, (ps, rs) -> {
            statements.requireAllStripes(ps.getUpdateCount(), stripes);
            return null;
        });
    }

    @Override
    public List<StoredRow> delete(StoredKey key) {
        return execute("deleting the key", statements.deleteSql(), true, keyParameters(key), (ps, hasResultSet) -> {
            List<StoredRow> deleted = new ArrayList<>(1);
            try (ResultSet r = ps.getResultSet()) {
                while (r.next()) {
                    deleted.add(readRow(r, 1));
                }
            }
            deleted.forEach(row -> rows.deleted(row.id()));
            return deleted;
        });
    }

    // ---------------------------------------------------------------- the attempt log

    /**
     * Until an insert takes the announced attempt ({@link #takeAttempt}), no message runs as an implicit transaction of
     * its own: the attempt's row must commit with the registration's.
     */
    @Override
    public void expectAttempt(StoredKey key, AttemptContext context) {
        requireAttemptLog();
        expectedKey = key;
        expectedContext = context;
    }

    /**
     * For an insert of {@code key} that can log its attempt in its own statement: the announced attempt's context, which
     * the insert now owns (it must call {@link #loggedNew} if it stores the row); {@code null} if none is announced.
     */
    @Nullable AttemptContext takeAttempt(StoredKey key) {
        if (expectedKey == null || !expectedKey.equals(key)) {
            return null;
        }
        AttemptContext context = expectedContext;
        expectedKey = null;
        expectedContext = null;
        return context;
    }

    /** The attempt log's statements; {@code null} if the guard keeps none. */
    @Nullable AttemptLogStatements attemptLog() {
        return attemptLog;
    }

    /** Records that an insert stored row {@code id} and logged its attempt as NEW in the same statement. */
    void loggedNew(long id) {
        loggedNewId = id;
    }

    /**
     * The rows in as few statements as the log's row limit allows, in this transaction; the one that an insert already
     * logged as NEW is left out. In an implicit transaction (a duplicate's answer, after the insert and the lookup
     * committed) the rows are a message of their own.
     */
    @Override
    public void logAttempts(List<LoggedAttempt> attempts) {
        AttemptLogStatements log = requireAttemptLog();
        expectedKey = null;
        expectedContext = null;
        List<LoggedAttempt> rows = attempts;
        if (loggedNewId >= 0) {
            rows = new ArrayList<>(attempts.size());
            for (LoggedAttempt a : attempts) {
                if (a.outcome() != Attempt.Outcome.NEW || a.storedId() == null || a.storedId() != loggedNewId) {
                    rows.add(a);
                }
            }
            loggedNewId = -1;
        }
        for (int from = 0; from < rows.size(); from += AttemptLogStatements.ROWS_PER_STATEMENT) {
            List<LoggedAttempt> part = rows.subList(from, Math.min(rows.size(),
                    from + AttemptLogStatements.ROWS_PER_STATEMENT));
            execute("logging the attempt", log.insert(part.size()), false, true, (ps, first) -> {
                int p = first;
                for (LoggedAttempt a : part) {
                    p = AttemptLogStatements.bind(ps, p, a);
                }
            }, (ps, hasResultSet) -> null);
        }
    }

    @Override
    public List<Attempt> attempts(LoggedAttempt.Query query) {
        AttemptLogStatements log = requireAttemptLog();
        return execute("reading the attempt log", log.query(query), false, true,
                (ps, first) -> AttemptLogStatements.bindQuery(ps, first, query), (ps, hasResultSet) -> {
                    List<Attempt> page = new ArrayList<>();
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            page.add(AttemptLogStatements.read(rs));
                        }
                    }
                    return page;
                });
    }

    private AttemptLogStatements requireAttemptLog() {
        if (attemptLog == null) {
            throw new UnsupportedOperationException("the guard was built without an attempt log");
        }
        return attemptLog;
    }

    // ---------------------------------------------------------------- inserts

    private HostRows.Row row(F file, StoredKey key) {
        if (transaction == null) {
            transaction = new HostRows.Transaction(foreignInserts ? watch.recording(connection) : connection);
        }
        return rows.row(transaction, file, key);
    }

    @Override
    public long insert(F file, StoredKey key) {
        HostRows.Row row = row(file, key);
        HostRows.Columns columns = row.columns();
        return written(row, () -> OptionalLong.of(columns == null ? insertItself(row)
                : dialect.insert(this, statements.inserts(columns), row))).getAsLong();
    }

    @Override
    public OptionalLong insertIfAbsent(F file, StoredKey key) {
        HostRows.Row row = row(file, key);
        HostRows.Columns columns = row.columns();
        return written(row, () -> columns == null ? insertItselfIfAbsent(row, key)
                : dialect.insertIfAbsent(this, statements.inserts(columns), row, key));
    }

    /** The dialect's insert-or-find, which may be one statement; for a row the backend inserts itself, two steps. */
    @Override
    public StorageSession.@Nullable Stored insertIfAbsentElseFind(F file, StoredKey key) {
        HostRows.Row row = row(file, key);
        HostRows.Columns columns = row.columns();
        if (columns == null) {
            OptionalLong id = written(row, () -> insertItselfIfAbsent(row, key));
            return id.isPresent() ? StorageSession.Stored.inserted(id.getAsLong())
                    : find(key).map(StorageSession.Stored::found).orElse(null);
        }
        StorageSession.Stored[] stored = new StorageSession.Stored[1];
        written(row, () -> {
            stored[0] = dialect.insertIfAbsentElseFind(this, statements.inserts(columns), row, key);
            return stored[0] != null && stored[0].inserted() ? OptionalLong.of(stored[0].id()) : OptionalLong.empty();
        });
        return stored[0];
    }

    /** The dialect's find-or-insert under the locked stripes, which may be one statement. */
    @Override
    public StorageSession.Stored lockedFindElseInsert(F file, StoredKey key, int[] stripes) {
        HostRows.Row row = row(file, key);
        HostRows.Columns columns = row.columns();
        StorageSession.Stored[] stored = new StorageSession.Stored[1];
        written(row, () -> {
            stored[0] = columns == null || stripes.length != 1
                    ? lockedFindElseInsert(row, key, stripes, columns == null ? null : statements.inserts(columns))
                    : dialect.lockedFindElseInsert(this, statements.inserts(columns), row, key, stripes[0]);
            return stored[0].inserted() ? OptionalLong.of(stored[0].id()) : OptionalLong.empty();
        });
        return stored[0];
    }

    /** Find, else touch the stripes and insert: the steps of {@link #lockedFindElseInsert} one by one. */
    private StorageSession.Stored lockedFindElseInsert(HostRows.Row row, StoredKey key, int[] stripes,
            Dialect.@Nullable Inserts inserts) {
        Optional<StoredRow> existing = find(key);
        if (existing.isPresent()) {
            return StorageSession.Stored.found(existing.get());
        }
        touchStripes(stripes);
        return StorageSession.Stored.inserted(inserts == null ? insertItself(row) : dialect.insert(this, inserts, row));
    }

    /**
     * Rows grouped by the columns they write, each group by the dialect's insert-if-absent of many rows; rows the
     * backend inserts itself one by one.
     */
    @Override
    public Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> batch) {
        Map<HostRows.Columns, List<KeyedRow>> groups = new LinkedHashMap<>();
        List<KeyedRow> own = new ArrayList<>(0);
        for (Row<F> r : batch) {
            HostRows.Row row = row(r.file(), r.key());
            HostRows.Columns columns = row.columns();
            (columns == null ? own : groups.computeIfAbsent(columns, c -> new ArrayList<>()))
                    .add(new KeyedRow(row, r.key()));
        }
        Map<StoredKey, Long> inserted = new HashMap<>(batch.size() * 2);
        List<KeyedRow> all = new ArrayList<>(batch.size());
        try {
            for (Map.Entry<HostRows.Columns, List<KeyedRow>> group : groups.entrySet()) {
                all.addAll(group.getValue());
                inserted.putAll(dialect.insertAllIfAbsent(this, statements.inserts(group.getKey()), group.getValue()));
            }
            for (KeyedRow k : own) {
                all.add(k);
                insertItselfIfAbsent(k.row(), k.key()).ifPresent(id -> inserted.put(k.key(), id));
            }
        } catch (RuntimeException | Error e) {
            all.forEach(k -> k.row().notInserted());
            throw e;
        }
        for (KeyedRow k : all) {
            Long id = inserted.get(k.key());
            if (id != null) {
                k.row().inserted(id);
            } else {
                k.row().notInserted();
            }
        }
        return inserted;
    }

    /** A row with its key, for the dialects' batch inserts. */
    record KeyedRow(HostRows.Row row, StoredKey key) {
    }

    /** Runs an insert of {@code row}; tells the row whether it was stored. */
    private OptionalLong written(HostRows.Row row, java.util.function.Supplier<OptionalLong> insert) {
        OptionalLong id;
        try {
            id = insert.get();
        } catch (RuntimeException | Error e) {
            row.notInserted();
            throw e;
        }
        if (id.isPresent()) {
            row.inserted(id.getAsLong());
        } else {
            row.notInserted();
        }
        return id;
    }

    /** The backend's own insert of a row without columns, after what is queued (it cannot carry it). */
    private long insertItself(HostRows.Row row) {
        flushQueued();
        try {
            return row.insertItself();
        } catch (RuntimeException e) {
            throw dialect.translate("inserting the row", e);
        }
    }

    /**
     * For a row the backend inserts itself: a re-upload of a committed file is answered by a lookup (no failing insert,
     * and no warning that the backend would log for one); a new key, or one whose first insert is still uncommitted
     * elsewhere, is inserted, inside a savepoint where a failed statement aborts the transaction (PostgreSQL), and a
     * unique violation is recorded as a duplicate.
     */
    private OptionalLong insertItselfIfAbsent(HostRows.Row row, StoredKey key) {
        if (find(key).isPresent()) {
            return OptionalLong.empty();
        }
        flushQueued();
        Savepoint savepoint = dialect.uniqueViolationAbortsTransaction()
                ? jdbc("setting a savepoint", connection::setSavepoint) : null;
        try {
            long id = row.insertItself();
            if (savepoint != null) {
                jdbc("releasing a savepoint", () -> {
                    connection.releaseSavepoint(savepoint);
                    return null;
                });
            }
            return OptionalLong.of(id);
        } catch (RuntimeException e) {
            if (!isUniqueViolation(e)) {
                throw dialect.translate("inserting the row", e);
            }
            if (savepoint != null) {
                jdbc("rolling back to a savepoint", () -> {
                    connection.rollback(savepoint);
                    return null;
                });
            }
            return duplicate(key);
        }
    }

    /**
     * Sends what is still queued (a stripe touch) once the work has returned, so that it commits with the transaction.
     */
    void beforeCommit() {
        sendQueued();
    }

    /** Closes what the backend kept for the transaction; the connection belongs to the storage. */
    @Override
    public void close() {
        if (transaction != null) {
            transaction.close();
        }
    }
}
