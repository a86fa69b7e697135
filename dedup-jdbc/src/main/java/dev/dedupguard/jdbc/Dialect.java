package dev.dedupguard.jdbc;

import dev.dedupguard.Isolation;
import dev.dedupguard.LibrarySchema;
import dev.dedupguard.spi.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
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
     * The longest raw file name, in UTF-8 bytes, that a unique index over the raw name column can hold, for tables
     * that key on the raw name instead of a name-key digest.
     *
     * @return the limit in UTF-8 bytes, at most {@link dev.dedupguard.FileKey#MAX_FILE_NAME_BYTES}
     */
    public abstract int rawNameIndexLimit();

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
