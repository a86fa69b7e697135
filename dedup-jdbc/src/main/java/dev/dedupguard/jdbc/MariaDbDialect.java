package dev.dedupguard.jdbc;

import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.Isolation;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * MariaDB 10.6 and later with InnoDB (tested on 11.4), as measured by {@code MariaDbFactsTest}.
 *
 * <ul>
 *   <li><b>Insert-if-absent</b> is a plain {@code INSERT} whose duplicate-key error (1062, SQLSTATE 23000) is caught,
 *       followed by a lookup of the existing id. A failed statement leaves an InnoDB transaction usable, so no
 *       savepoint is needed. Chosen over {@code INSERT ... ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)}, which
 *       only tells a new row from a duplicate with the connection property {@code useAffectedRows=true} (a setting
 *       the guard would have to demand of the host's pool, and one that changes Hibernate's row counts), burns an
 *       auto-increment value per duplicate, and with a second unique key reports another row's id.</li>
 *   <li><b>Lock timeout</b>: {@code innodb_lock_wait_timeout} counts whole seconds, so the guard's timeout is rounded
 *       <em>up</em> to whole seconds, at least 1 (a 300 ms timeout waits about 1 s). Each statement that can wait
 *       carries it as {@code SET STATEMENT innodb_lock_wait_timeout=N FOR ...}, which sets it for that statement
 *       alone: the session's setting is never read, changed or put back, so the host's connections keep theirs and
 *       the timeout costs no round trip. Where a backend runs an insert through its own machinery (Hibernate's), the
 *       session setting is swapped around the work instead ({@code SET SESSION}, then the previous value put back).
 *       A wait that times out (1205) rolls back the statement only (with the server default
 *       {@code innodb_rollback_on_timeout=OFF}).</li>
 *   <li><b>Re-read after a duplicate-key error</b> is a locking read ({@code LOCK IN SHARE MODE}): a plain read in a
 *       REPEATABLE READ snapshot taken before the winner committed cannot see the row the key reported; the locking
 *       read sees the latest committed version and, on a row that exists, locks that row alone (no gap).</li>
 *   <li><b>Isolation</b>: own transactions run at READ COMMITTED unless the guard's {@code isolation} says otherwise.
 *       At the server's default REPEATABLE READ, InnoDB's gap locks make concurrent registrations of different new
 *       keys deadlock each other; READ COMMITTED has none of them and the strategies need none.</li>
 *   <li><b>Joined REPEATABLE READ</b>: InnoDB fixes a REPEATABLE READ snapshot at the transaction's first plain read
 *       and, unlike PostgreSQL, lets a later {@code FOR UPDATE} lock a row changed since without an error, so a caller
 *       that read the table earlier could check a stale snapshot after the stripe lock and store a duplicate. After
 *       the stripe lock the guard compares the stripe's registration count in the snapshot with the latest one (every
 *       inserter bumps it) and raises a serialization failure, a {@code SerializationConflictException} in joined
 *       mode, if they differ. A locking check ({@code LOCK IN SHARE MODE}) was measured instead and rejected: its
 *       gap locks block and deadlock registrations of unrelated keys. {@code UNIQUE_CONSTRAINT} in a stale snapshot
 *       finds the constraint's row invisible and raises the same.</li>
 *   <li><b>Errors</b>: 1062/1586 duplicate key, 1205 lock wait timeout, 1213 deadlock and SQLSTATE class 40 (the
 *       whole transaction was rolled back) and 1020 (record changed since the snapshot) serialization failures.</li>
 *   <li><b>Schema</b>: what the guard can rely on is {@link MariaDbCatalog}'s to say (byte-wise collations, no
 *       {@code USING HASH} or prefix key, InnoDB, STRICT_TRANS_TABLES); this dialect also refuses a second unique key
 *       for {@code UNIQUE_CONSTRAINT} (its duplicate-key error could not be told from the guard's key's).
 *       The database is JDBC's catalog; there are no schemas.</li>
 * </ul>
 */
final class MariaDbDialect extends Dialect {
    /** The dialect for a server without {@code innodb_snapshot_isolation} (before 10.6.18, 10.11.8, 11.4.2). */
    private static final MariaDbDialect WITHOUT_SNAPSHOT_ISOLATION = new MariaDbDialect(false);
    /**
     * InnoDB's largest index key, in bytes (with the default 16 kB pages and the DYNAMIC row format), counted from
     * the key columns' declared sizes when the index is created.
     */
    static final int MAX_INDEX_KEY_BYTES = 3072;
    /**
     * The longest utf8mb4 name column a BTREE key on a raw name holds beside a {@code bigint} scope and an ascii
     * {@code char(64)} hash: 750 characters of at most 4 bytes, 3000 of the 3072 bytes.
     */
    static final int RAW_NAME_COLUMN_CHARS = 750;
    private static final int DUPLICATE_KEY = 1062;
    private static final int DUPLICATE_KEY_WITH_NAME = 1586;
    private static final int LOCK_WAIT_TIMEOUT = 1205;
    private static final int DEADLOCK = 1213;
    private static final int RECORD_CHANGED = 1020;

    private final SchemaCatalog catalog = new MariaDbCatalog(this);
    private final boolean snapshotIsolationVariable;

    MariaDbDialect() {
        this(true);
    }

    private MariaDbDialect(boolean snapshotIsolationVariable) {
        this.snapshotIsolationVariable = snapshotIsolationVariable;
    }

    /** This dialect, or one that leaves {@code innodb_snapshot_isolation} alone if the server has no such variable. */
    @Override
    Dialect adaptTo(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from information_schema.system_variables"
                     + " where variable_name = 'INNODB_SNAPSHOT_ISOLATION'")) {
            rs.next();
            return rs.getLong(1) > 0 ? this : WITHOUT_SNAPSHOT_ISOLATION;
        }
    }

    @Override
    SchemaCatalog catalog() {
        return catalog;
    }

    /** Microseconds, which {@code current_timestamp} alone drops. */
    @Override
    String currentTimestampSql() {
        return "current_timestamp(6)";
    }

    @Override
    public String displayName() {
        return "MariaDB";
    }

    @Override
    public LibrarySchema.Database ddl() {
        return LibrarySchema.Database.MARIADB;
    }

    @Override
    public String quoteIdentifier(String name) {
        return '`' + name.replace("`", "``") + '`';
    }

    @Override
    public int maxIdentifierLength() {
        return 64;
    }

    /**
     * The values' bytes as InnoDB counts them in a key (no length prefixes), a {@code bigint} as 8. InnoDB checks
     * the key's declared size when the index is created and MariaDB turns a key over the limit into a {@code USING
     * HASH} key, which {@link #checkUniqueKeys} refuses; so with a BTREE key in place a key whose values fit their
     * columns always fits the index, and this sum of actual sizes agrees.
     */
    @Override
    public int indexEntryBytes(int... valueBytes) {
        int size = 0;
        for (int bytes : valueBytes) {
            size += bytes;
        }
        return size;
    }

    /**
     * InnoDB's index key limit.
     *
     * @return {@value #MAX_INDEX_KEY_BYTES}
     */
    @Override
    public int maxIndexEntryBytes() {
        return MAX_INDEX_KEY_BYTES;
    }

    /**
     * {@code varchar(n)} in utf8mb4 counts code points (a character outside the BMP is one character of 4 bytes).
     */
    @Override
    public int characterLength(String value) {
        return value.codePointCount(0, value.length());
    }

    /** {@code timeout} in whole seconds for {@code innodb_lock_wait_timeout}: rounded up, at least 1. */
    @Override
    public String lockTimeoutValue(Duration timeout) {
        long millis = Math.max(1, timeout.toMillis());
        return Long.toString((millis + 999) / 1000);
    }

    /**
     * {@code SET STATEMENT innodb_lock_wait_timeout=N, innodb_snapshot_isolation=OFF FOR }, with {@code value} checked
     * to be whole seconds. The guard's statements that can wait (its inserts, locks and locking re-reads) rely on the
     * unique key and on locking reads, which see the latest committed row; with {@code innodb_snapshot_isolation=ON}
     * (the default from MariaDB 11.6) InnoDB would instead refuse, with error 1020, to lock a row committed after a
     * caller's REPEATABLE READ snapshot, so a waiting duplicate would fail instead of being answered. Switching it off for
     * these statements alone keeps the answers of 11.4's default; the caller's own statements keep its setting.
     */
    @Override
    public @Nullable String lockTimeoutStatementPrefix(String value) {
        return "set statement innodb_lock_wait_timeout=" + Long.parseLong(value)
                + (snapshotIsolationVariable ? ", innodb_snapshot_isolation=OFF" : "") + " for ";
    }

    /**
     * {@code INSERT ... RETURNING} (MariaDB 10.5 and later) for single rows and for many; no insert-if-absent clause:
     * the duplicate-key error (1062) of a plain insert is caught, since InnoDB rolls back only the failed statement.
     * Not {@code INSERT IGNORE}, which would also skip rows that break NOT NULL, length or foreign keys.
     */
    /**
     * Sends each multi-row statement first, without the lookup of its keys ahead of it: a batch of new files costs one
     * statement per chunk, and the server no lookup of each key. A statement that meets a stored key fails with 1062
     * as a whole (InnoDB rolls the statement back, the transaction stays usable), and then only its rows go the
     * default way: one lookup of their keys and the insert of the absent ones. A batch with re-uploads pays that
     * failed statement once per chunk.
     */
    @Override
    Map<StoredKey, Long> insertAllIfAbsent(JdbcSession<?> s, Inserts sql, List<JdbcSession.KeyedRow> rows) {
        Map<StoredKey, Long> inserted = new HashMap<>(rows.size() * 2);
        int perStatement = rowsPerStatement(sql);
        for (int from = 0; from < rows.size(); from += perStatement) {
            List<JdbcSession.KeyedRow> part = rows.subList(from, Math.min(rows.size(), from + perStatement));
            try {
                inserted.putAll(insertRows(s, sql, part));
            } catch (RuntimeException e) {
                if (!s.isUniqueViolation(e)) {
                    throw e;
                }
                inserted.putAll(super.insertAllIfAbsent(s, sql, part));
            }
        }
        return inserted;
    }

    @Override
    Inserts inserts(TableSchema table, HostRows.Columns columns, String findSql, String touchStripeSql) {
        String head = insertHead(table, columns);
        String values = String.join(", ", columns.values());
        return new Inserts(head + " values (" + values + ") returning " + table.id(), null, null, null, null,
                head + " values ", "(" + values + ")", " returning " + table.rowColumns(""), columns.names().size());
    }

    /** MariaDB accepts 65,535 bind parameters per statement. */
    @Override
    int maxParameters() {
        return 65_535;
    }

    /**
     * Each statement that can wait carries the lock timeout ({@link #lockTimeoutStatementPrefix}); only where the
     * backend inserts rows itself, with statements the prefix cannot reach, is the session's value swapped in and put
     * back. Explicit own transactions run at READ COMMITTED unless the guard's options say otherwise.
     *
     * <p>At the connection's own isolation level, on a connection in auto-commit mode, an insert that is the whole of a
     * registration (UNIQUE_CONSTRAINT) runs as an auto-commit statement, its own transaction: one round trip, and none
     * of the statements an explicit transaction costs this driver (auto-commit off and on, the isolation set and put
     * back, the commit). A single {@code INSERT} takes the same locks at any isolation level (its duplicate-key check
     * locks the existing entry at READ COMMITTED too), and the lookup after a duplicate, an auto-commit statement of its
     * own, reads a fresh snapshot, so it sees the row whose commit made the insert fail without a locking read. Anything
     * else begins an explicit transaction at READ COMMITTED first.
     */
    @Override
    <F, T> T inOwnTransaction(Connection c, StorageBackend.TransactionSpec spec, boolean foreignInserts,
            Sessions<F> sessions, StorageBackend.StorageWork<F, T> work) {
        String timeout = foreignInserts ? null : lockTimeoutValue(spec.lockTimeout());
        if (!foreignInserts) {
            return inImplicitTransactions(c, spec, timeout, sessions, work);
        }
        return JdbcTransactions.inOwnTransaction(c, this, spec, foreignInserts, tx -> run(sessions.open(timeout), work));
    }

    /**
     * In an implicit transaction: the insert as an auto-commit statement and, if it fails as a duplicate, the lookup as
     * another; otherwise the default (the insert, its duplicate-key error caught, the locking re-read).
     */
    @Override
    StorageSession.@Nullable Stored insertIfAbsentElseFind(JdbcSession<?> s, Inserts sql, HostRows.Row row, StoredKey key) {
        if (!s.implicitTransactionsLeft() || row.outcomeNeedsTransaction()) {
            return super.insertIfAbsentElseFind(s, sql, row, key);
        }
        try {
            OptionalLong id = s.execute("inserting the row", sql.insert(), true, true, row::bind,
                    (ps, hasResultSet) -> JdbcSession.firstId(ps));
            if (id.isPresent()) {
                return StorageSession.Stored.inserted(id.getAsLong());
            }
            throw new StorageException(StorageException.Kind.OTHER, "the insert returned no id", null);
        } catch (RuntimeException e) {
            if (!s.isUniqueViolation(e)) {
                throw e;
            }
        }
        return s.find(key).map(StorageSession.Stored::found).orElse(null);
    }

    /** As {@link #inOwnTransaction}, inside a savepoint of the caller's transaction. */
    @Override
    <F, T> T inCallerTransaction(Connection c, StorageBackend.TransactionSpec spec, boolean foreignInserts,
            Sessions<F> sessions, StorageBackend.StorageWork<F, T> work) {
        String timeout = foreignInserts ? null : lockTimeoutValue(spec.lockTimeout());
        return JdbcTransactions.inSavepoint(c, this, spec, foreignInserts, tx -> run(sessions.open(timeout), work));
    }

    @Override
    String lockingReadClause() {
        return " lock in share mode";
    }

    @Override
    public void setLockTimeout(Connection c, Duration timeout) throws SQLException {
        restoreLockTimeout(c, lockTimeoutValue(timeout));
    }

    @Override
    public String swapLockTimeout(Connection c, Duration timeout) throws SQLException {
        String previous;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select @@session.innodb_lock_wait_timeout")) {
            rs.next();
            previous = rs.getString(1);
        }
        setLockTimeout(c, timeout);
        return previous;
    }

    @Override
    public void restoreLockTimeout(Connection c, String previous) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("set session innodb_lock_wait_timeout = ?")) {
            ps.setLong(1, Long.parseLong(previous));
            ps.execute();
        }
    }

    /** The setting is per session: own transactions put the host's value back too. */
    @Override
    public boolean lockTimeoutOutlivesTransaction() {
        return true;
    }

    @Override
    public Isolation defaultOwnIsolation() {
        return Isolation.READ_COMMITTED;
    }

    @Override
    public boolean uniqueViolationAbortsTransaction() {
        return false;
    }

    /**
     * At REPEATABLE READ, compares the stripes' registration counts as the lock sees them (the latest committed) with
     * what the transaction's snapshot shows: every inserter bumps its stripe in the same transaction, so equal counts
     * mean no registration under these stripes committed after the snapshot and a plain check is current. A
     * snapshot not yet taken is taken by this read, after the lock, and is current too.
     */
    @Override
    public void checkSnapshotAfterStripeLock(Connection c, String stripeTable, int[] stripes) throws SQLException {
        if (c.getTransactionIsolation() != Connection.TRANSACTION_REPEATABLE_READ) {
            return;
        }
        String sum = "select coalesce(sum(registrations), 0) from " + stripeTable + " where stripe in ("
                + Statements.placeholders(stripes.length) + ")";
        long latest = sum(c, sum + " lock in share mode", stripes);
        long seen = sum(c, sum, stripes);
        if (latest != seen) {
            throw new StorageException(StorageException.Kind.SERIALIZATION_FAILURE, "the caller's REPEATABLE READ "
                    + "snapshot predates a registration committed under the same lock stripe, so the check could "
                    + "miss it: retry the transaction", null);
        }
    }

    private static long sum(Connection c, String sql, int[] stripes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < stripes.length; i++) {
                ps.setInt(i + 1, stripes[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public StorageException.Kind kindOf(@Nullable String sqlState, int vendorCode) {
        String state = sqlState == null ? "" : sqlState;
        if (vendorCode == DUPLICATE_KEY || vendorCode == DUPLICATE_KEY_WITH_NAME) {
            return StorageException.Kind.UNIQUE_VIOLATION;
        }
        if (vendorCode == LOCK_WAIT_TIMEOUT) {
            return StorageException.Kind.LOCK_TIMEOUT;
        }
        if (vendorCode == DEADLOCK || vendorCode == RECORD_CHANGED || state.startsWith("40")) {
            return StorageException.Kind.SERIALIZATION_FAILURE;
        }
        return StorageException.Kind.OTHER;
    }

    /**
     * Refuses any unique key besides the primary key and the key's own: MariaDB reports a duplicate on any unique key
     * with the same error (1062). Whether the key's own can be relied on is {@link MariaDbCatalog}'s to say.
     */
    @Override
    public void checkUniqueKeys(Connection c, TableSchema table) throws SQLException {
        Set<String> key = new LinkedHashSet<>();
        table.keyColumns().forEach(k -> key.add(storedName(k).toLowerCase(Locale.ROOT)));
        List<String> others = new ArrayList<>();
        for (SchemaCatalog.UniqueKey unique : catalog.uniqueKeys(c, table)) {
            if (!unique.columns().equals(key)) {
                others.add(unique.name() + " " + unique.columns());
            }
        }
        if (!others.isEmpty()) {
            throw new SchemaMismatchException("strategy UNIQUE_CONSTRAINT on MariaDB needs the unique key on " + key
                    + " to be the only unique key of " + table.qualifiedTable() + " besides the primary key, found "
                    + others + ": MariaDB reports a duplicate on any unique key with the same error (1062), so the "
                    + "guard could not tell a duplicate file from a clash on another key. Drop the other unique keys "
                    + "or use SELECT_FOR_UPDATE");
        }
    }
}
