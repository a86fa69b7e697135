package dev.dedupguard.jdbc;

import dev.dedupguard.Isolation;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
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
     * The dialect whose {@link #displayName()} matches the JDBC driver's product name
     * ({@link java.sql.DatabaseMetaData#getDatabaseProductName()}), or {@code null} if the database is not supported.
     *
     * @param productName the driver's product name, in any case; not {@code null}
     * @return the matching dialect, or {@code null} if none matches
     */
    public static @Nullable Dialect forProductName(String productName) {
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgres")) {
            return POSTGRESQL;
        }
        if (name.equals("h2")) {
            return H2;
        }
        if (name.equals("mariadb")) {
            return MARIADB;
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
    public @Nullable String lockTimeoutCarrier() {
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
     * Whether the lock timeout is put in force per statement ({@link #lockTimeoutStatementPrefix} is not {@code null}).
     *
     * @return {@code true} if statements that can wait carry the lock timeout themselves
     */
    public final boolean hasLockTimeoutStatementPrefix() {
        return lockTimeoutStatementPrefix("1") != null;
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
     * The query behind {@link #swapLockTimeout} (one parameter, the new value; returns the previous one in its first
     * column), for a session that sends it ahead of another statement.
     *
     * @return the query, or {@code null} where the timeout is not swapped by a query
     */
    public @Nullable String swapLockTimeoutQuery() {
        return null;
    }

    /**
     * The query behind {@link #restoreLockTimeout} (one parameter, the value to restore).
     *
     * @return the query, or {@code null} where {@link #swapLockTimeoutQuery()} is {@code null}
     */
    public @Nullable String restoreLockTimeoutQuery() {
        return null;
    }

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
     * The clause appended to an {@code INSERT} that makes it insert-if-absent against the unique constraint on
     * {@code keyColumns} and return the new id, or {@code null} if the database has none: then a unique violation is
     * caught, which {@link #uniqueViolationAbortsTransaction()} says whether it is safe to do without a savepoint.
     *
     * @param keyColumns the unique key's columns, comma-separated, in constraint order
     * @param idColumn the generated id column to return
     * @return SQL text starting with a space, or {@code null}
     */
    public @Nullable String insertIfAbsentClause(String keyColumns, String idColumn) {
        return null;
    }

    /**
     * One statement that runs {@code insertIfAbsentSql} and, if it inserted nothing, {@code findSql} for the same key,
     * returning one row -- whether it inserted, the id, then the existing row's other key columns as {@code findSql}
     * selects them (nulls for a new row) -- or {@code null} if the database cannot combine them. The lookup may see
     * only rows committed before the statement began (one snapshot), so a conflict with a row committed while the
     * insert waited returns no row: the caller then looks the key up on its own.
     *
     * @param insertIfAbsentSql an insert with {@link #insertIfAbsentClause}, returning only the id
     * @param findSql the key lookup, selecting the id and then {@code keyColumns} more key columns; its parameters
     *     follow the insert's
     * @param keyColumns how many columns {@code findSql} selects after the id
     * @return the combined statement, or {@code null}
     */
    public @Nullable String insertOrFindSql(String insertIfAbsentSql, String findSql, int keyColumns) {
        return null;
    }

    /**
     * A delete that returns the key columns of the rows it deleted ({@code DELETE ... RETURNING} by default).
     *
     * @param delete the {@code DELETE} statement
     * @param columns the select list of the deleted rows' columns
     * @return the statement, with {@code delete}'s parameters
     */
    public String deleteReturningSql(String delete, String columns) {
        return delete + " returning " + columns;
    }

    /**
     * One statement that, sent after the statement that locked the key's stripe (so with a snapshot that shows every
     * registration committed under it), returns the key's row if there is one, or else inserts the row and bumps the
     * stripe's registration count: one row as {@link #insertOrFindSql} returns it. {@code null} if the database cannot
     * combine them. Its parameters: the lookup's, the insert's, the stripe's.
     *
     * @param insertHead {@code INSERT INTO table (columns)}
     * @param rowValues the row's value expressions, comma-separated, without parentheses
     * @param idColumn the generated id column to return
     * @param findSql the key lookup, selecting the id and then {@code keyColumns} more key columns
     * @param keyColumns how many columns {@code findSql} selects after the id
     * @param touchStripeSql the {@code UPDATE} of one stripe row's registration count, ending in its {@code WHERE} clause
     * @return the combined statement, or {@code null}
     */
    public @Nullable String findOrInsertSql(String insertHead, String rowValues, String idColumn, String findSql,
            int keyColumns, String touchStripeSql) {
        return null;
    }

    /**
     * Whether {@code INSERT ... RETURNING} returns the generated ids of the inserted rows (PostgreSQL, MariaDB 10.5
     * and later), so that an insert is one plain statement.
     *
     * @return {@code true} if inserts may end with {@code RETURNING}; {@code false} by default
     */
    public boolean insertReturns() {
        return hasInsertIfAbsent();
    }

    /**
     * The clause appended to a {@code SELECT} of rows that exist (the unique key has just reported them) to read their
     * latest committed version, whatever the transaction's snapshot shows, or {@code null} where the plain read after
     * a duplicate-key error is current enough (a stale snapshot fails the insert itself, as on PostgreSQL). Used only
     * for keys whose insert failed as a duplicate: on such a row it locks that row alone, not a gap.
     *
     * @return SQL text starting with a space, or {@code null}
     */
    public @Nullable String lockingReadClause() {
        return null;
    }

    /**
     * Whether several statements can travel in one round trip as one prepared statement, each with its own snapshot
     * (PostgreSQL's driver sends {@code a; b} as one message); {@link JdbcSession} then queues statements that only
     * prepare the next one. Requires {@code UPDATE ... RETURNING}.
     *
     * @return {@code true} if statements may be pipelined; {@code false} by default
     */
    public boolean pipelinesStatements() {
        return false;
    }

    /**
     * Whether the database has an insert-if-absent clause (see {@link #insertIfAbsentClause}).
     *
     * @return {@code true} if {@link #insertIfAbsentClause} returns a clause
     */
    public final boolean hasInsertIfAbsent() {
        return insertIfAbsentClause("k", "id") != null;
    }

    /**
     * The most keys one {@link #findAllSql} statement may carry; a longer lookup is split into statements of at most
     * this many keys.
     *
     * @return the number of keys per lookup statement; 500 by default
     */
    public int maxKeysPerLookup() {
        return 500;
    }

    /**
     * Whether {@link #findAllSql} returns, ahead of each row's columns, the 1-based position of the requested key the
     * database matched the row with, so that rows are attributed to keys by the database's own match; otherwise they
     * are attributed by the values of their key columns.
     *
     * @return {@code true} if the lookup returns the matched key's position first; {@code false} by default
     */
    public boolean findAllReturnsKeyPosition() {
        return false;
    }

    /**
     * A query selecting the key columns ({@link TableSchema#rowColumns}, preceded by the matched key's position where
     * {@link #findAllReturnsKeyPosition()}) of the rows of {@code table} whose key is one of {@code keys} keys, bound by
     * {@link #bindFindAll}, oldest row first. By default a {@code (scope, hash, name) IN ((?, ?, ?), ...)} list of three
     * parameters per key.
     *
     * @param table the guard's table
     * @param keys how many keys the statement looks up, 1 to {@link #maxKeysPerLookup()}
     * @return SQL text with the parameters {@link #bindFindAll} binds
     */
    public String findAllSql(JdbcTable table, int keys) {
        TableSchema s = table.schema();
        StringBuilder sql = new StringBuilder("select ").append(s.rowColumns("")).append(" from ")
                .append(s.qualifiedTable()).append(" where (").append(s.scope()).append(", ").append(s.contentHash())
                .append(", ").append(s.nameMatch()).append(") in (");
        for (int i = 0; i < keys; i++) {
            sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
        }
        return sql.append(") order by ").append(s.id()).toString();
    }

    /**
     * Binds the parameters of {@link #findAllSql} for {@code keys}, the first at index {@code first}.
     *
     * @param ps the statement, which may carry other statements' parameters before {@code first}
     * @param first the index of the lookup's first parameter
     * @param table the guard's table, which gives each key's scope value
     * @param keys the keys, as many as {@link #findAllSql} was rendered for
     * @return the index after the lookup's last parameter
     * @throws SQLException if the driver refuses a value
     */
    public int bindFindAll(PreparedStatement ps, int first, JdbcTable table, List<StoredKey> keys)
            throws SQLException {
        int p = first;
        for (StoredKey key : keys) {
            ps.setObject(p++, table.scopeValue(key));
            ps.setString(p++, key.file().contentHash());
            ps.setString(p++, table.schema().nameMatchValue(key));
        }
        return p;
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
