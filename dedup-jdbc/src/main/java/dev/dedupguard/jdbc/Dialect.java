package dev.dedupguard.jdbc;

import dev.dedupguard.Isolation;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Everything about the guard's SQL that differs by database, decided once when a guard is built: how the lock timeout
 * is set, restored and carried by the first statement that can wait; the insert-if-absent clause; what a waiting
 * caller's transaction may not do; how errors are classified; identifier and index-size limits; the DDL resource.
 * Backends map their own notion of the database (jOOQ's {@code SQLDialect}, Hibernate's {@code Dialect}) to one of
 * these constants and never branch on the database themselves.
 *
 * <p>Adding a database means one new subclass, its DDL resource in {@link LibrarySchema.Database}, and its contract
 * test classes. Instances are immutable and thread-safe.
 */
public abstract class Dialect {
    /** PostgreSQL 12 and later. */
    public static final Dialect POSTGRESQL = new PostgresDialect();
    /** H2 2.x. */
    public static final Dialect H2 = new H2Dialect();
    /** MariaDB 10.6 and later with InnoDB (tested on 11.4); not MySQL. */
    public static final Dialect MARIADB = new MariaDbDialect();

    Dialect() {
    }

    /**
     * Every database the guard supports, in a fixed order; {@link #forProductName} matches these only. Adding a database
     * adds it here, and {@code SupportedDialectsTest} and the backends' contract-coverage tests then fail until its
     * statements, DDL and contract runs exist (see {@code docs/architecture.md}).
     *
     * @return PostgreSQL, H2, MariaDB
     */
    public static List<Dialect> supported() {
        return List.of(POSTGRESQL, H2, MARIADB);
    }

    /**
     * The database's name as users know it, e.g. {@code PostgreSQL}.
     *
     * @return the name, used in messages and matched by {@link #forProductName}
     */
    public abstract String displayName();

    /**
     * The shipped DDL of the library-owned tables for this database.
     *
     * @return the {@link LibrarySchema} resource to create the tables from
     */
    public abstract LibrarySchema.Database ddl();

    /**
     * The longest identifier, in characters, the database keeps without truncating it.
     *
     * @return the limit in characters, e.g. 63 for PostgreSQL
     */
    public abstract int maxIdentifierLength();

    /**
     * The size, in bytes, of a unique index entry holding the key values of the given sizes, as the database counts
     * it against {@link #maxIndexEntryBytes()}: strings by their UTF-8 size, a {@code bigint} scope as
     * {@link Long#BYTES}. By default 0: no entry is too large.
     *
     * @param valueBytes the size of each key value, in index order (scope, content hash, name)
     * @return the entry's size in bytes
     */
    public int indexEntryBytes(int... valueBytes) {
        return 0;
    }

    /**
     * The largest unique index entry, in bytes, the database accepts (see {@link #indexEntryBytes}).
     *
     * @return the limit in bytes; {@link Integer#MAX_VALUE} if the database has no such limit
     */
    public int maxIndexEntryBytes() {
        return Integer.MAX_VALUE;
    }

    /**
     * The length of {@code value} in the characters that a declared column length ({@code varchar(n)}) counts.
     *
     * @param value a key value; not {@code null}
     * @return its length as the database counts it against the column's declared length
     */
    public abstract int characterLength(String value);

    /**
     * Refuses a configured, possibly schema-qualified table name that the database would truncate: each part at most
     * {@link #maxIdentifierLength()} characters, the table's part {@code reserved} fewer (for the names the library
     * derives from it, such as the constraint {@code uq_<table>_key}).
     *
     * @param field the builder setting, for the message, e.g. {@code tableName}
     * @param name the validated name, parts separated by {@code .}
     * @param reserved how many characters the library adds to the table's part in derived names
     * @return {@code name}
     * @throws IllegalArgumentException naming {@code field}, the part, its length and the limit
     */
    public final String requireIdentifierFits(String field, String name, int reserved) {
        String[] parts = name.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            int limit = maxIdentifierLength() - (i == parts.length - 1 ? reserved : 0);
            if (parts[i].length() > limit) {
                throw new IllegalArgumentException(field + " must be at most " + limit + " characters per part on "
                        + displayName() + " (which truncates identifiers longer than " + maxIdentifierLength()
                        + (limit < maxIdentifierLength() ? "; the library derives names such as ck_<table>_hash_lower from it"
                                : "")
                        + "), was " + parts[i].length() + ": \"" + name + "\"");
            }
        }
        return name;
    }

    /**
     * This dialect as it fits the server {@code c} is connected to: the same by default; a database whose statements
     * depend on what the server version offers returns a variant.
     *
     * @param c a connection to the guard's database
     * @return the dialect to render the guard's statements with
     * @throws SQLException if the server cannot be asked
     */
    Dialect adaptTo(Connection c) throws SQLException {
        return this;
    }

    /**
     * The dialect whose {@link #displayName()} is exactly the JDBC driver's product name
     * ({@link java.sql.DatabaseMetaData#getDatabaseProductName()}: {@code PostgreSQL}, {@code H2}, {@code MariaDB}), or
     * {@code null} if the database is not supported. Never matched by substring: a product that speaks PostgreSQL's
     * protocol (CockroachDB, YugabyteDB, ...) names itself otherwise and is refused by name, since its semantics differ.
     *
     * @param productName the driver's product name; not {@code null}
     * @return the matching dialect, or {@code null} if none matches
     */
    public static @Nullable Dialect forProductName(String productName) {
        for (Dialect dialect : supported()) {
            if (dialect.displayName().equals(productName)) {
                return dialect;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- lock timeout

    /**
     * A derived table of one row that, when joined into a statement, puts the lock timeout (bound as its single
     * {@code ?} parameter, see {@link #lockTimeoutValue}) in force for the rest of the transaction before the statement
     * can wait; or {@code null} if the database cannot do that and the timeout must be set by a statement of its own.
     *
     * @return SQL text of the derived table, or {@code null}
     */
    @Nullable String lockTimeoutCarrier() {
        return null;
    }

    /**
     * A prefix that puts the lock timeout (a {@link #lockTimeoutValue} rendered as a literal) in force for the one
     * statement it precedes and for nothing else, or {@code null} if the database has none. Where there is one, the
     * guard prefixes every statement that can wait and never touches the session's setting: no reading, setting or
     * restoring it, in own and joined mode alike.
     *
     * @param value the lock timeout value, as {@link #lockTimeoutValue} returns it
     * @return SQL text ending with a space, to put in front of a statement; or {@code null}
     */
    public @Nullable String lockTimeoutStatementPrefix(String value) {
        return null;
    }

    /**
     * The lock timeout in the form the database's setting takes, bound as the carrier's parameter.
     *
     * @param timeout the guard's lock timeout, 1 ms to 1 hour
     * @return the setting's value, e.g. {@code 5000ms} for PostgreSQL
     */
    public String lockTimeoutValue(Duration timeout) {
        return Long.toString(timeout.toMillis());
    }

    /**
     * Sets the lock timeout for the rest of the current transaction, or for the session where the database has no
     * transaction-scoped setting (H2).
     *
     * @param c a connection inside the transaction
     * @param timeout the guard's lock timeout, 1 ms to 1 hour
     * @throws SQLException if the database refuses the setting
     */
    public abstract void setLockTimeout(Connection c, Duration timeout) throws SQLException;

    /**
     * Sets the lock timeout for a registration inside a caller's transaction and returns the caller's setting to put
     * back afterwards with {@link #restoreLockTimeout}, or {@code null} if there is nothing to restore.
     *
     * @param c the connection of the caller's transaction
     * @param timeout the guard's lock timeout, 1 ms to 1 hour
     * @return the caller's previous setting, or {@code null} if the dialect cannot or need not restore it
     * @throws SQLException if the database refuses the setting
     */
    public abstract @Nullable String swapLockTimeout(Connection c, Duration timeout) throws SQLException;

    /**
     * Puts back a setting that {@link #swapLockTimeout} returned.
     *
     * @param c the connection {@link #swapLockTimeout} ran on, still inside the same transaction
     * @param previous the non-null value {@link #swapLockTimeout} returned
     * @throws SQLException if the database refuses the setting
     * @throws UnsupportedOperationException on a dialect whose {@link #swapLockTimeout} never returns a value
     */
    public void restoreLockTimeout(Connection c, String previous) throws SQLException {
        throw new UnsupportedOperationException(displayName() + " has no lock timeout to restore");
    }

    /**
     * Whether the lock timeout set for an own transaction stays on the connection after the transaction ends, so that
     * own transactions too must {@link #swapLockTimeout swap} it and put the previous value back (MariaDB's session
     * setting); {@code false} where it ends with the transaction or where the session keeping it is accepted (H2).
     *
     * @return whether own transactions restore the lock timeout they set
     */
    public boolean lockTimeoutOutlivesTransaction() {
        return false;
    }

    // ---------------------------------------------------------------- isolation

    /**
     * The isolation level of an own transaction when the guard's options set none.
     *
     * @return the level, or {@code null} for the connection's own
     */
    public @Nullable Isolation defaultOwnIsolation() {
        return null;
    }

    // ---------------------------------------------------------------- statements

    /**
     * The inserts of one column set into one table, rendered by the dialect once: what the dialect's insert operations
     * send. Fields a dialect does not use are {@code null}.
     *
     * @param insert {@code INSERT ... VALUES (...)} returning the new id in its first column
     * @param insertIfAbsent the insert with the database's insert-if-absent clause, returning the id, or {@code null}
     * @param insertIfAbsentSettingTimeout {@code insertIfAbsent} that puts the lock timeout (one more parameter, after
     *     the row's) in force itself before it inserts, for a message that is the insert alone, or {@code null}
     * @param insertIfAbsentElseFind the insert-if-absent and the key lookup in one statement (see {@link JdbcSession#stored}), or
     *     {@code null}
     * @param lockedFindElseInsert the lookup and, if it finds nothing, the insert and one stripe write in one statement, or
     *     {@code null}
     * @param rowsHead the text before the rows of a multi-row insert
     * @param rowValues one row's value list, in parentheses
     * @param rowsTail the text after the rows of a multi-row insert, which returns id and the key columns of each new
     *     row ({@link TableSchema#rowColumns} order: id, scope, hash, name, name key)
     * @param parameters how many parameters one row binds
     */
    record Inserts(String insert, @Nullable String insertIfAbsent, @Nullable String insertIfAbsentSettingTimeout,
            @Nullable String insertIfAbsentElseFind,
            @Nullable String lockedFindElseInsert, String rowsHead, String rowValues, String rowsTail, int parameters) {

        /** The multi-row insert of {@code rows} rows. */
        String rows(int rows) {
            StringBuilder sql = new StringBuilder(rowsHead.length() + rows * (rowValues.length() + 2) + rowsTail.length())
                    .append(rowsHead);
            for (int i = 0; i < rows; i++) {
                sql.append(i == 0 ? "" : ", ").append(rowValues);
            }
            return sql.append(rowsTail).toString();
        }
    }

    /**
     * Renders the inserts of rows writing {@code columns} into {@code table}.
     *
     * @param table the guard's table
     * @param columns the columns a row writes, and their value expressions
     * @param findSql the key lookup ({@link Statements#findSql()})
     * @param touchStripeSql the update of one stripe's registration count, ending in its {@code WHERE} clause
     * @return the statements
     */
    abstract Inserts inserts(TableSchema table, HostRows.Columns columns, String findSql, String touchStripeSql);

    /** {@code INSERT INTO table (columns)}. */
    static String insertHead(TableSchema table, HostRows.Columns columns) {
        return "insert into " + table.qualifiedTable() + " (" + String.join(", ", columns.names()) + ")";
    }

    /**
     * A delete that returns the key columns of the rows it deleted ({@code DELETE ... RETURNING} by default).
     *
     * @param delete the {@code DELETE} statement
     * @param columns the select list of the deleted rows' columns
     * @return the statement, with {@code delete}'s parameters
     */
    String deleteReturningSql(String delete, String columns) {
        return delete + " returning " + columns;
    }

    /**
     * The clause appended to a {@code SELECT} of rows that exist (the unique key has just reported them) to read their
     * latest committed version, whatever the transaction's snapshot shows, or {@code null} where the plain read after
     * a duplicate-key error is current enough (a stale snapshot fails the insert itself, as on PostgreSQL).
     *
     * @return SQL text starting with a space, or {@code null}
     */
    @Nullable String lockingReadClause() {
        return null;
    }

    /**
     * Whether several statements can travel in one round trip as one prepared statement, each with its own snapshot
     * (PostgreSQL's driver sends {@code a; b} as one message); {@link JdbcSession} then queues statements that only
     * prepare the next one.
     *
     * @return {@code true} if statements may be pipelined; {@code false} by default
     */
    boolean pipelinesStatements() {
        return false;
    }

    /**
     * The most keys one {@link #findAllSql} statement may carry; a longer lookup is split.
     *
     * @return the number of keys per lookup statement; 500 by default
     */
    int maxKeysPerLookup() {
        return 500;
    }

    /**
     * Whether {@link #findAllSql} returns, ahead of each row's columns, the 1-based position of the requested key the
     * database matched the row with; otherwise rows are attributed by the values of their key columns.
     *
     * @return {@code true} if the lookup returns the matched key's position first; {@code false} by default
     */
    boolean findAllReturnsKeyPosition() {
        return false;
    }

    /**
     * A query selecting the key columns ({@link TableSchema#rowColumns}, preceded by the matched key's position where
     * {@link #findAllReturnsKeyPosition()}) of the rows whose key is one of {@code keys} keys, bound by
     * {@link #bindFindAll}, oldest row first. By default a {@code (scope, hash, name) IN ((?, ?, ?), ...)} list.
     */
    String findAllSql(Statements statements, int keys) {
        TableSchema s = statements.schema();
        StringBuilder sql = new StringBuilder("select ").append(s.rowColumns("")).append(" from ")
                .append(s.qualifiedTable()).append(" where (").append(s.scope()).append(", ").append(s.contentHash())
                .append(", ").append(s.nameMatch()).append(") in (");
        for (int i = 0; i < keys; i++) {
            sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
        }
        return sql.append(") order by ").append(s.id()).toString();
    }

    /** Binds the parameters of {@link #findAllSql} for {@code keys}, the first at {@code first}; returns the next. */
    int bindFindAll(PreparedStatement ps, int first, Statements statements, List<StoredKey> keys) throws SQLException {
        int p = first;
        for (StoredKey key : keys) {
            ps.setObject(p++, statements.scopeValue(key));
            ps.setString(p++, key.file().contentHash());
            ps.setString(p++, statements.schema().nameMatchValue(key));
        }
        return p;
    }

    /**
     * The database's clock in SQL, as the attempt log records it: the time of the transaction (or statement) that writes
     * the row.
     *
     * @return {@code current_timestamp} by default
     */
    String currentTimestampSql() {
        return "current_timestamp";
    }

    // ---------------------------------------------------------------- operations

    /**
     * Inserts {@code row} and returns its id; a unique violation is thrown.
     *
     * @param s the transaction's session
     * @param sql the row's inserts
     * @param row the row
     * @return the new id
     */
    long insert(JdbcSession<?> s, Inserts sql, HostRows.Row row) {
        return s.execute("inserting the row", sql.insert(), true, row::bind, (ps, hasResultSet) ->
                JdbcSession.firstId(ps).orElseThrow(() -> new StorageException(StorageException.Kind.OTHER,
                        "the insert returned no id", null)));
    }

    /**
     * Inserts {@code row} unless the key exists: by default a plain insert whose duplicate-key error is caught (on a
     * database where a failed statement leaves the transaction usable) and recorded, so that a re-read of the key is
     * current.
     *
     * @return the new id, or empty if a row with the key exists
     */
    OptionalLong insertIfAbsent(JdbcSession<?> s, Inserts sql, HostRows.Row row, StoredKey key) {
        try {
            return OptionalLong.of(insert(s, sql, row));
        } catch (RuntimeException e) {
            if (s.isUniqueViolation(e)) {
                return s.duplicate(key);
            }
            throw e;
        }
    }

    /**
     * {@link #insertIfAbsent}, and for a key that exists, its row: by default the two one after the other.
     *
     * @return the new row or the existing one; {@code null} if the key exists but the transaction cannot see its row
     */
    StorageSession.@Nullable Stored insertIfAbsentElseFind(JdbcSession<?> s, Inserts sql, HostRows.Row row, StoredKey key) {
        OptionalLong id = insertIfAbsent(s, sql, row, key);
        if (id.isPresent()) {
            return StorageSession.Stored.inserted(id.getAsLong());
        }
        return s.find(key).map(StorageSession.Stored::found).orElse(null);
    }

    /**
     * With the key's stripe locked: the row with the key, or else the stripe write and the insert; by default one
     * statement after another.
     */
    StorageSession.Stored lockedFindElseInsert(JdbcSession<?> s, Inserts sql, HostRows.Row row, StoredKey key, int stripe) {
        Optional<StoredRow> existing = s.find(key);
        if (existing.isPresent()) {
            return StorageSession.Stored.found(existing.get());
        }
        s.touchStripes(new int[] {stripe});
        return StorageSession.Stored.inserted(insert(s, sql, row));
    }

    /**
     * Insert-if-absent of many rows with the same columns; by default one lookup of their keys, then one multi-row
     * insert of the rows not found. If a concurrent registration commits one of them in between, its duplicate-key
     * error fails that statement only (where a failed statement leaves the transaction usable) and the rows go one by
     * one instead, each duplicate caught.
     *
     * @return the id of each row this call inserted, by key
     */
    Map<StoredKey, Long> insertAllIfAbsent(JdbcSession<?> s, Inserts sql, List<JdbcSession.KeyedRow> rows) {
        List<StoredKey> keys = new ArrayList<>(rows.size());
        rows.forEach(r -> keys.add(r.key()));
        Map<StoredKey, StoredRow> existing = s.findAll(keys);
        List<JdbcSession.KeyedRow> absent = new ArrayList<>(rows.size());
        for (JdbcSession.KeyedRow row : rows) {
            if (!existing.containsKey(row.key())) {
                absent.add(row);
            }
        }
        if (absent.isEmpty()) {
            return Map.of();
        }
        try {
            return insertRows(s, sql, absent);
        } catch (RuntimeException e) {
            if (!s.isUniqueViolation(e)) {
                throw e;
            }
            Map<StoredKey, Long> inserted = new LinkedHashMap<>();
            for (JdbcSession.KeyedRow row : absent) {
                insertIfAbsent(s, sql, row.row(), row.key()).ifPresent(id -> inserted.put(row.key(), id));
            }
            return inserted;
        }
    }

    /** How many rows one multi-row statement of {@code sql} carries, within the driver's parameter limit. */
    int rowsPerStatement(Inserts sql) {
        return Math.max(1, (maxParameters() - 2048) / Math.max(1, sql.parameters()));
    }

    /**
     * The multi-row statements of {@code rows} ({@link Inserts#rows}), as many rows per statement as the driver's
     * parameter limit allows; the new rows' ids, attributed by the key columns the statement returns.
     */
    Map<StoredKey, Long> insertRows(JdbcSession<?> s, Inserts sql, List<JdbcSession.KeyedRow> rows) {
        Map<List<String>, StoredKey> byColumns = new HashMap<>(rows.size() * 2);
        for (JdbcSession.KeyedRow r : rows) {
            byColumns.put(Statements.columnsOf(s.statements.scopeValue(r.key()), r.key().file().contentHash(),
                    s.statements.schema().nameMatchValue(r.key())), r.key());
        }
        Map<StoredKey, Long> inserted = new HashMap<>(rows.size() * 2);
        int perStatement = rowsPerStatement(sql);
        for (int from = 0; from < rows.size(); from += perStatement) {
            List<JdbcSession.KeyedRow> part = rows.subList(from, Math.min(rows.size(), from + perStatement));
            s.execute("inserting the rows", sql.rows(part.size()), true, (ps, first) -> {
                int p = first;
                for (JdbcSession.KeyedRow r : part) {
                    p = r.row().bind(ps, p);
                }
            }, (ps, hasResultSet) -> {
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        StoredRow row = s.readRow(rs, 1);
                        StoredKey key = byColumns.get(Statements.columnsOf(row.scope(), row.contentHash(),
                                row.nameDigest() != null ? row.nameDigest() : row.fileName()));
                        if (key != null) {
                            inserted.put(key, row.id());
                        }
                    }
                }
                return null;
            });
        }
        return inserted;
    }

    /**
     * The most bind parameters one statement may carry.
     *
     * @return 32,767 (pgjdbc's limit; MariaDB's and H2's are higher) by default
     */
    int maxParameters() {
        return 32_767;
    }

    // ---------------------------------------------------------------- transactions

    /**
     * Opens the session of one transaction.
     *
     * @param <F> the type the host registers
     */
    @FunctionalInterface
    interface Sessions<F> {
        /**
         * @param pendingLockTimeout the lock timeout the session's first statement that can wait must put in force,
         *     or {@code null} if it is in force already
         */
        JdbcSession<F> open(@Nullable String pendingLockTimeout);
    }

    /**
     * Runs {@code work} in a transaction of the guard's own on {@code c}, with the lock timeout in force before its
     * first wait: by default set by a statement of its own before the work.
     *
     * @param c a connection the guard acquired
     * @param spec the isolation and lock timeout
     * @param foreignInserts whether rows are inserted by the backend's own statements (which carry no prefix)
     * @param sessions opens the transaction's session
     * @param work the strategy's steps
     */
    <F, T> T inOwnTransaction(Connection c, StorageBackend.TransactionSpec spec, boolean foreignInserts,
            Sessions<F> sessions, StorageBackend.StorageWork<F, T> work) {
        return JdbcTransactions.inOwnTransaction(c, this, spec, true, tx -> run(sessions.open(null), work));
    }

    /**
     * Runs {@code work} on the caller's connection inside a savepoint, with the guard's lock timeout in force: by
     * default swapped in before the work and the caller's put back after.
     */
    <F, T> T inCallerTransaction(Connection c, StorageBackend.TransactionSpec spec, boolean foreignInserts,
            Sessions<F> sessions, StorageBackend.StorageWork<F, T> work) {
        return JdbcTransactions.inSavepoint(c, this, spec, true, tx -> run(sessions.open(null), work));
    }

    /**
     * {@link JdbcTransactions#inImplicitTransactions}, with a session opened with the pending lock timeout
     * {@code timeout} that sends whole messages as implicit transactions while the call allows it.
     */
    <F, T> T inImplicitTransactions(Connection c, StorageBackend.TransactionSpec spec, @Nullable String timeout,
            Sessions<F> sessions, StorageBackend.StorageWork<F, T> work) {
        return JdbcTransactions.inImplicitTransactions(c, this, spec, implicit -> {
            JdbcSession<F> session = sessions.open(timeout);
            session.implicitTransactions(implicit);
            return run(session, work);
        });
    }

    /** Runs {@code work} on {@code session}, then sends what it left queued, and closes the session. */
    static <F, T> T run(JdbcSession<F> session, StorageBackend.StorageWork<F, T> work) {
        try (session) {
            T result = work.run(session);
            session.beforeCommit();
            return result;
        }
    }

    /**
     * Whether a failed statement (a unique violation) aborts the whole transaction, as on PostgreSQL.
     *
     * @return {@code true} if a unique violation may only be absorbed inside a savepoint
     */
    public abstract boolean uniqueViolationAbortsTransaction();

    /**
     * Refuses a stripe lock inside a caller's transaction whose isolation level would let the following check read a
     * stale snapshot; does nothing where the lock makes later reads current.
     *
     * @param c the connection of the caller's transaction
     * @throws StorageException if the guard must not join {@code c}'s transaction for SELECT_FOR_UPDATE
     * @throws SQLException if the transaction's isolation level cannot be read
     */
    public void checkJoinedStripeLock(Connection c) throws SQLException {
    }

    /**
     * Called inside a caller's transaction right after its stripe lock: raises a serialization failure if the
     * transaction's snapshot predates a registration committed under {@code stripes}, where the database would let
     * the following plain check read that stale snapshot without complaint; does nothing where the lock itself raises
     * one (PostgreSQL) or the check is refused beforehand ({@link #checkJoinedStripeLock}).
     *
     * @param c the caller's connection, holding the stripe locks
     * @param stripeTable the stripe table
     * @param stripes the stripes just locked, ascending
     * @throws StorageException of kind {@code SERIALIZATION_FAILURE} if the snapshot is stale
     * @throws SQLException if the database fails
     */
    public void checkSnapshotAfterStripeLock(Connection c, String stripeTable, int[] stripes) throws SQLException {
    }

    // ---------------------------------------------------------------- schema

    /**
     * This database's catalog, which the schema check reads to prove that the database compares keys as the guard does.
     *
     * @return the catalog reader; one per dialect
     */
    abstract SchemaCatalog catalog();

    /**
     * Checks, beyond the presence of a unique constraint on the key columns, that the database enforces it the way
     * {@code UNIQUE_CONSTRAINT} relies on; does nothing where any such constraint will do.
     *
     * @param c a connection to the guard's database
     * @param table the guard's table
     * @throws dev.dedupguard.SchemaMismatchException if the table's unique keys do not fit, saying how to fix them
     * @throws SQLException if the database fails
     */
    public void checkUniqueKeys(Connection c, TableSchema table) throws SQLException {
    }

    /**
     * Refuses a partitioned table whose partition key is not part of the guard's key: a unique constraint on a
     * partitioned table must include the partition key, so no constraint could keep a key unique across partitions.
     * Does nothing for a table that is not partitioned, or where the database has no declarative partitioning.
     *
     * @param c a connection to the guard's database
     * @param table the guard's table
     * @throws dev.dedupguard.SchemaMismatchException naming the partition key and the key columns
     * @throws SQLException if the database fails
     */
    public void checkPartitionKey(Connection c, TableSchema table) throws SQLException {
    }

    // ---------------------------------------------------------------- errors

    /**
     * Whether a failure of {@code kind}, raised by a call that took {@code elapsed} under {@code lockTimeout}, is the
     * database's own reaction to the calling thread being interrupted (after which the thread's interrupt flag may be
     * clear). By default none is: interruption is noticed by the guard, which cancels the waiting statement.
     *
     * @param kind how the call failed
     * @param elapsed how long the call ran
     * @param lockTimeout the guard's lock timeout
     * @return whether the failure means that the thread was interrupted
     */
    public boolean interruptEndedWait(StorageException.Kind kind, Duration elapsed, Duration lockTimeout) {
        return false;
    }

    /**
     * The kind of one driver exception, by SQLSTATE and vendor code (never by message text).
     *
     * @param sqlState the exception's SQLSTATE, or {@code null} if the driver gave none
     * @param vendorCode the exception's vendor error code, 0 if none
     * @return the kind; {@code OTHER} if the codes mean nothing the engine reacts to
     */
    public abstract StorageException.Kind kindOf(@Nullable String sqlState, int vendorCode);

    /**
     * The kind of the first {@link SQLException} in {@code failure}'s causes (and their
     * {@link SQLException#getNextException() next exceptions}) that this dialect recognises, or {@code OTHER}.
     *
     * @param failure any exception; its cause chain may contain cycles
     * @return the first recognised kind, or {@code OTHER}; never {@code null}
     */
    public final StorageException.Kind kindOf(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null; e = e.getNextException()) {
                    StorageException.Kind kind = kindOf(e.getSQLState(), e.getErrorCode());
                    if (kind != StorageException.Kind.OTHER) {
                        return kind;
                    }
                    if (e.getNextException() != null && !seen.add(e.getNextException())) {
                        break;
                    }
                }
            }
        }
        return StorageException.Kind.OTHER;
    }

    /**
     * {@code failure} as a {@link StorageException} of its {@link #kindOf(Throwable) kind}, with a message that says
     * what was attempted; a {@code StorageException} is returned as it is.
     *
     * @param attempted what was being done, for the message, e.g. {@code "registration"}
     * @param failure the exception to translate
     * @return a storage exception with {@code failure} as its cause, or {@code failure} itself
     */
    public final StorageException translate(String attempted, Throwable failure) {
        if (failure instanceof StorageException se) {
            return se;
        }
        return new StorageException(kindOf(failure), attempted + " failed: " + failure.getMessage(), failure);
    }

    // ---------------------------------------------------------------- identifiers

    /**
     * {@code name} as a quoted identifier, which the database takes exactly (case, spaces and all): in double quotes,
     * or MariaDB's backticks, with the quote character doubled inside.
     *
     * @param name the identifier's text, without quotes; not {@code null}
     * @return the quoted identifier as it goes into SQL
     */
    public String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * One part of a name as the database's catalog stores it, for metadata lookups: a quoted part without its quotes
     * (see {@link SqlIdentifiers#unquote}), an unquoted part folded as the database folds it (PostgreSQL to lower case,
     * H2 to upper case, MariaDB not at all).
     *
     * @param identifier one part of a name as it goes into SQL; not {@code null}
     * @return the name to look up in the catalog
     */
    public final String storedName(String identifier) {
        return SqlIdentifiers.isQuoted(identifier) ? SqlIdentifiers.unquote(identifier) : foldUnquoted(identifier);
    }

    /** How the database folds an unquoted identifier; as written by default. */
    String foldUnquoted(String identifier) {
        return identifier;
    }

    @Override
    public String toString() {
        return displayName();
    }
}
