package dev.dedupguard.jdbc;

import dev.dedupguard.AttemptContext;
import java.util.Map;
import java.util.OptionalLong;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
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
    /** A btree (version 4) entry's limit: a third of an 8 kB page, less the page overhead. */
    static final int MAX_INDEX_ENTRY_BYTES = 2704;
    private static final int TUPLE_HEADER_BYTES = 8;
    private static final int VARLENA_HEADER_BYTES = 4;
    private static final int MAXALIGN = 8;
    private static final String SAVEPOINT = "savepoint dedup_guard";
    private static final String RELEASE_SAVEPOINT = "release savepoint dedup_guard";
    private static final String ROLLBACK_TO_SAVEPOINT = "rollback to savepoint dedup_guard";
    private static final String SWAP_LOCK_TIMEOUT =
            "select current_setting('lock_timeout'), set_config('lock_timeout', ?, true)";
    private static final String RESTORE_LOCK_TIMEOUT = "select set_config('lock_timeout', ?, true)";

    private final SchemaCatalog catalog = new PostgresCatalog(this);

    @Override
    SchemaCatalog catalog() {
        return catalog;
    }

    @Override
    public String displayName() {
        return "PostgreSQL";
    }

    @Override
    public LibrarySchema.Database ddl() {
        return LibrarySchema.Database.POSTGRESQL;
    }

    /**
     * Refuses a server that speaks PostgreSQL's protocol without being PostgreSQL (pgjdbc names every such server
     * {@code PostgreSQL}): CockroachDB, YugabyteDB and the like differ in exactly what the guard relies on (isolation,
     * lock timeouts, stripe locks), and none is tested.
     */
    @Override
    Dialect adaptTo(Connection c) throws SQLException {
        try (java.sql.Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select version()")) {
            String version = rs.next() ? rs.getString(1) : "";
            if (!version.startsWith("PostgreSQL ") || version.contains("-YB-")) {
                throw new dev.dedupguard.SchemaMismatchException("the database answers as PostgreSQL but is \""
                        + version + "\": only PostgreSQL itself is supported (a server that speaks its protocol "
                        + "differs in isolation, lock timeouts and locking, which the guard relies on)");
            }
        }
        return this;
    }

    @Override
    String foldUnquoted(String identifier) {
        return identifier.toLowerCase(Locale.ROOT);
    }

    @Override
    public int maxIdentifierLength() {
        return 63;
    }

    /**
     * The tuple header, then each value with a full 4-byte varlena header (the worst case; a {@code bigint} needs
     * none), aligned to 8 bytes.
     */
    @Override
    public int indexEntryBytes(int... valueBytes) {
        int size = TUPLE_HEADER_BYTES;
        for (int bytes : valueBytes) {
            size += VARLENA_HEADER_BYTES + bytes;
        }
        return (size + MAXALIGN - 1) / MAXALIGN * MAXALIGN;
    }

    /**
     * A btree (version 4) entry's limit.
     *
     * @return {@value #MAX_INDEX_ENTRY_BYTES}
     */
    @Override
    public int maxIndexEntryBytes() {
        return MAX_INDEX_ENTRY_BYTES;
    }

    /** {@code varchar(n)} counts code points. */
    @Override
    public int characterLength(String value) {
        return value.codePointCount(0, value.length());
    }

    /**
     * One statement whatever the number of keys: the keys travel as three arrays.
     *
     * @return {@link Integer#MAX_VALUE}
     */
    @Override
    int maxKeysPerLookup() {
        return Integer.MAX_VALUE;
    }

    /**
     * {@code join unnest(?, ?, ?) with ordinality}: three array parameters in the key columns' own types (so that the
     * unique index serves the join), instead of a list of row comparisons that PostgreSQL plans and evaluates one by
     * one and whose expression tree exceeds its stack depth at 10,000 keys. The ordinality says which key each row
     * was matched with.
     */
    @Override
    String findAllSql(Statements statements, int keys) {
        TableSchema s = statements.schema();
        return "select k.dg_position, " + s.rowColumns("t") + " from " + s.qualifiedTable() + " t join unnest(?, ?, ?)"
                + " with ordinality as k(dg_scope, dg_hash, dg_name, dg_position) on t." + s.scope() + " = k.dg_scope"
                + " and t." + s.contentHash() + " = k.dg_hash and t." + s.nameMatch() + " = k.dg_name order by t."
                + s.id();
    }

    @Override
    boolean findAllReturnsKeyPosition() {
        return true;
    }

    /** Binds the scopes, hashes and name matches as three arrays typed like their columns. */
    @Override
    int bindFindAll(PreparedStatement ps, int first, Statements table, List<StoredKey> keys) throws SQLException {
        Connection c = ps.getConnection();
        String[] types = table.keyColumnTypes(c);
        Object[] scopes = new Object[keys.size()];
        Object[] hashes = new Object[keys.size()];
        Object[] names = new Object[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            StoredKey key = keys.get(i);
            scopes[i] = table.scopeValue(key);
            hashes[i] = key.file().contentHash();
            names[i] = table.schema().nameMatchValue(key);
        }
        ps.setArray(first, c.createArrayOf(types[0], scopes));
        ps.setArray(first + 1, c.createArrayOf(types[1], hashes));
        ps.setArray(first + 2, c.createArrayOf(types[2], names));
        return first + 3;
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
        try (PreparedStatement ps = c.prepareStatement(SWAP_LOCK_TIMEOUT)) {
            ps.setString(1, lockTimeoutValue(timeout));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Override
    public void restoreLockTimeout(Connection c, String previous) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RESTORE_LOCK_TIMEOUT)) {
            ps.setString(1, previous);
            ps.executeQuery().close();
        }
    }

    /**
     * {@code ON CONFLICT (key) DO NOTHING RETURNING id} for the insert-if-absent; a data-modifying {@code WITH} for
     * insert-or-find (the lookup runs only if the insert returned nothing, a one-time filter on the insert's output, so a
     * new file costs what the insert alone costs) and for find-or-insert (the insert and the stripe write run only if
     * the lookup found nothing; the lookup is a statement of its own after the lock, never part of the lock's
     * statement, since one snapshot for lock and check would miss the previous holder's commit at READ COMMITTED); the
     * multi-row insert with the same conflict clause, returning each new row's key columns.
     */
    @Override
    Inserts inserts(TableSchema table, HostRows.Columns columns, String findSql, String touchStripeSql) {
        String head = insertHead(table, columns);
        String values = String.join(", ", columns.values());
        String conflict = " on conflict (" + String.join(", ", table.keyColumns()) + ") do nothing";
        String insertIfAbsent = head + " values (" + values + ")" + conflict + " returning " + table.id();
        String nulls = ", null".repeat(table.rowColumnCount() - 1);
        String insertIfAbsentElseFind = "with ins as (" + insertIfAbsent + ") select true, ins.*" + nulls + " from ins union all"
                + " select false, f.* from (" + findSql + ") f where not exists (select 1 from ins)";
        String lockedFindElseInsert = "with f as (" + findSql + "), ins as (" + head + " select " + values
                + " where not exists (select 1 from f) returning " + table.id() + "), t as (" + touchStripeSql
                + " and exists (select 1 from ins) returning 1) select true, ins.*" + nulls + " from ins"
                + " union all select false, f.* from f";
        String insertIfAbsentSettingTimeout = head + " select " + values + " where " + lockTimeoutCarrier() + " is not null"
                + conflict + " returning " + table.id();
        return new Inserts(head + " values (" + values + ") returning " + table.id(), insertIfAbsent,
                insertIfAbsentSettingTimeout, insertIfAbsentElseFind,
                lockedFindElseInsert, head + " values ", "(" + values + ")", conflict + " returning " + table.rowColumns(""),
                columns.names().size());
    }

    /** One statement that skips a duplicate: no failed statement, nothing for anyone to log. */
    @Override
    OptionalLong insertIfAbsent(JdbcSession<?> s, Inserts sql, HostRows.Row row, StoredKey key) {
        return s.execute("inserting the row", sql.insertIfAbsent(), true, row::bind,
                (ps, hasResultSet) -> JdbcSession.firstId(ps));
    }

    /**
     * In an implicit transaction (see {@link JdbcSession}): the plain insert-if-absent, and only if it stored nothing a
     * lookup, as a second implicit transaction. The insert puts the lock timeout in force itself, in a filter evaluated
     * before it inserts ({@code INSERT ... SELECT ... WHERE (SELECT set_config(...)) IS NOT NULL}), instead of a
     * {@code set_config} statement ahead of it in the message: measured with {@code ProfileSubject}'s raw subjects, 2
     * threads, the statement ahead cost 5-15 us of server CPU and 0.5 KiB per registration, the filter nothing
     * measurable. A new file then costs the server what the bare insert costs (measured
     * with {@code ProfileSubject}, jOOQ, 1 and 4 threads: about 10 us less server CPU per registration than the combined
     * statement below); a duplicate costs a second round trip, which holds no lock. With the attempt log on, the insert
     * carries the attempt's row in a data-modifying {@code WITH} that writes it only if the insert stored the file, so
     * a new file and its log row commit in the same implicit transaction. In an explicit transaction (joined,
     * or at a stated isolation), where a second round trip would also hold the transaction's locks longer: the insert
     * and the lookup in one statement; if it returns no row (the key's row was committed while the insert waited, after
     * the statement's snapshot), the key is looked up again.
     */
    @Override
    StorageSession.@Nullable Stored insertIfAbsentElseFind(JdbcSession<?> s, Inserts sql, HostRows.Row row, StoredKey key) {
        if (s.implicitTransactionsLeft() && !row.outcomeNeedsTransaction()) {
            AttemptContext attempt = s.takeAttempt(key);
            AttemptLogStatements log = s.attemptLog();
            String timeout = s.takeLockTimeout();
            String insert = timeout == null ? sql.insertIfAbsent() : sql.insertIfAbsentSettingTimeout();
            OptionalLong id = attempt == null || log == null
                    ? s.execute("inserting the row", insert, true, true, (ps, first) -> bindRow(ps, first, row, timeout),
                            (ps, hasResultSet) -> JdbcSession.firstId(ps))
                    : s.execute("inserting the row", log.withNewAttempt(insert), true, true,
                            (ps, first) -> AttemptLogStatements.bindNewAttempt(ps, bindRow(ps, first, row, timeout), key,
                                    attempt),
                            (ps, hasResultSet) -> JdbcSession.firstId(ps));
            if (attempt != null && id.isPresent()) {
                s.loggedNew(id.getAsLong());
            }
            return id.isPresent() ? StorageSession.Stored.inserted(id.getAsLong())
                    : s.find(key).map(StorageSession.Stored::found).orElse(null);
        }
        Object[] keyParameters = s.keyParameters(key);
        StorageSession.Stored stored = s.execute("inserting the row", sql.insertIfAbsentElseFind(), true, (ps, first) -> {
            JdbcSession.bind(ps, row.bind(ps, first), keyParameters);
        }, (ps, hasResultSet) -> {
            try (ResultSet rs = ps.getResultSet()) {
                return rs.next() ? s.stored(rs) : null;
            }
        });
        return stored != null ? stored : s.find(key).map(StorageSession.Stored::found).orElse(null);
    }

    /** Binds the row and, if given, the lock timeout its insert sets; returns the next parameter index. */
    private static int bindRow(PreparedStatement ps, int first, HostRows.Row row, @Nullable String timeout)
            throws SQLException {
        int next = row.bind(ps, first);
        if (timeout != null) {
            ps.setString(next++, timeout);
        }
        return next;
    }

    /** The lookup, the insert and the stripe write in one statement, sent with the stripe lock queued ahead of it. */
    @Override
    StorageSession.Stored lockedFindElseInsert(JdbcSession<?> s, Inserts sql, HostRows.Row row, StoredKey key, int stripe) {
        Object[] keyParameters = s.keyParameters(key);
        return s.execute("registering the row", sql.lockedFindElseInsert(), true, !row.outcomeNeedsTransaction(), (ps, first) -> {
            int next = row.bind(ps, JdbcSession.bind(ps, first, keyParameters));
            ps.setObject(next, stripe);
        }, (ps, hasResultSet) -> {
            try (ResultSet rs = ps.getResultSet()) {
                if (!rs.next()) {
                    throw new StorageException(StorageException.Kind.OTHER, "the registration returned no row", null);
                }
                return s.stored(rs);
            }
        });
    }

    /** One multi-row statement per chunk that skips duplicates itself: no lookup first. */
    @Override
    Map<StoredKey, Long> insertAllIfAbsent(JdbcSession<?> s, Inserts sql, List<JdbcSession.KeyedRow> rows) {
        return insertRows(s, sql, rows);
    }

    /**
     * The lock timeout travels with the first statement that can wait, set transaction-locally. At the connection's own
     * isolation level, on a connection in auto-commit mode, an operation that is one message (insert-or-find; stripe
     * lock and find-or-insert) runs as PostgreSQL's implicit transaction of that message: pgjdbc sends its statements
     * with one Sync, the server runs them as one transaction (each statement with its own snapshot at READ COMMITTED,
     * the stripe lock held to the end, {@code set_config(..., true)} local to it) and commits it before it answers. One
     * round trip instead of two. Anything else begins an explicit transaction first.
     */
    @Override
    <F, T> T inOwnTransaction(Connection c, StorageBackend.TransactionSpec spec, boolean foreignInserts,
            Sessions<F> sessions, StorageBackend.StorageWork<F, T> work) {
        String timeout = lockTimeoutValue(spec.lockTimeout());
        if (spec.isolation() == null && !foreignInserts) {
            return inImplicitTransactions(c, spec, timeout, sessions, work);
        }
        return JdbcTransactions.inOwnTransaction(c, this, spec, false, tx -> run(sessions.open(timeout), work));
    }

    /**
     * {@link JdbcTransactions#inSavepoint} in as few round trips as statements can be pipelined: the savepoint and the
     * lock timeout swap travel with the work's first statement, the restore and the release with each other. If the
     * work sent nothing, there is nothing to undo or release.
     */
    @Override
    <F, T> T inCallerTransaction(Connection c, StorageBackend.TransactionSpec spec, boolean foreignInserts,
            Sessions<F> sessions, StorageBackend.StorageWork<F, T> work) {
        try {
            JdbcTransactions.requireTransaction(c);
        } catch (SQLException e) {
            throw translate("checking the caller's transaction", e);
        }
        String[] previousTimeout = new String[1];
        try (JdbcSession<F> session = sessions.open(null)) {
            session.queue(SAVEPOINT, new Object[0], null);
            session.queue(SWAP_LOCK_TIMEOUT, new Object[] {lockTimeoutValue(spec.lockTimeout())}, rs -> {
                rs.next();
                previousTimeout[0] = rs.getString(1);
            });
            T result;
            try {
                result = work.run(session);
                if (session.sentAnything()) {
                    session.queue(RESTORE_LOCK_TIMEOUT, new Object[] {previousTimeout[0]}, null);
                    session.queue(RELEASE_SAVEPOINT, new Object[0], null);
                    session.sendQueued();
                } else {
                    session.dropQueued();
                }
            } catch (RuntimeException e) {
                if (session.sentAnything()) {
                    try (java.sql.Statement st = c.createStatement()) {
                        st.execute(ROLLBACK_TO_SAVEPOINT);
                    } catch (SQLException rollbackFailure) {
                        e.addSuppressed(rollbackFailure);
                    }
                }
                throw translate("registration in the caller's transaction", e);
            }
            return result;
        }
    }

    @Override
    boolean pipelinesStatements() {
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
