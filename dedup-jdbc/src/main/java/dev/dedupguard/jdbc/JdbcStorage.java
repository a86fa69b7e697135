package dev.dedupguard.jdbc;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StorageBackend} over JDBC connections: own transactions on a connection the backend acquires, or a
 * savepoint inside the caller's transaction, each with the lock timeout applied as the {@link Dialect} prescribes.
 * A backend says how it reaches connections and opens its {@link JdbcSession}; the transaction handling is here.
 *
 * @param <F> the type the host registers
 */
public abstract class JdbcStorage<F> implements StorageBackend<F> {
    private static final String SAVEPOINT = "savepoint dedup_guard";
    private static final String RELEASE_SAVEPOINT = "release savepoint dedup_guard";
    private static final String ROLLBACK_TO_SAVEPOINT = "rollback to savepoint dedup_guard";

    /** The table and its rendered SQL. */
    protected final JdbcTable table;
    private final TableLimits limits;
    private final boolean carryLockTimeout;

    /**
     * A backend over {@code table}.
     *
     * @param table the table and its rendered SQL
     * @param limits the declared sizes of the key columns, as {@link SchemaValidator#validate} found them
     * @param carryLockTimeout whether own transactions let the first statement that can wait carry the lock timeout
     *     (one round trip fewer where the dialect has a {@link Dialect#lockTimeoutCarrier() carrier}), or, where the
     *     dialect has a {@link Dialect#lockTimeoutStatementPrefix per-statement prefix}, lets every statement that can
     *     wait carry it in own and joined mode; otherwise it is set before the work starts
     */
    protected JdbcStorage(JdbcTable table, TableLimits limits, boolean carryLockTimeout) {
        this.table = table;
        this.limits = limits;
        if (limits.keyColumnTypes() != null) {
            table.knowKeyColumnTypes(limits.keyColumnTypes());
        }
        this.carryLockTimeout = carryLockTimeout && (table.dialect().lockTimeoutCarrier() != null
                || table.dialect().hasLockTimeoutStatementPrefix());
    }

    /**
     * The declared sizes of the key columns.
     *
     * @return what the schema check found, as given at construction
     */
    protected final TableLimits limits() {
        return limits;
    }

    /**
     * Refuses a key the table would store as another value: a scope that its integer or UUID column would store in
     * another form (so that two scopes would be one), a character a column cannot hold (MariaDB's utf8mb3 lacks those
     * outside the Basic Multilingual Plane), a scope or name longer than its column's declared length (in the
     * database's characters); and, where the unique index holds the raw name, a key whose index entry (scope, hash and
     * name as stored) exceeds the database's limit. Never touches the database.
     */
    @Override
    public void checkKey(StoredKey key) {
        Dialect dialect = table.dialect();
        TableSchema s = table.schema();
        FileKey file = key.file();
        requireCanonicalScope(file.scope());
        if (limits.scopeBmpOnly() && limits.scopeForm() == TableLimits.ScopeForm.TEXT) {
            requireBmp("scope", s.scope(), file.scope());
        }
        if (limits.nameBmpOnly()) {
            requireBmp("fileName", s.fileName(), file.fileName());
        }
        Object scope = table.scopeValue(key);
        requireFits("scope", s.scope(), file.scope(), limits.scopeChars(), scope instanceof String);
        requireFits("fileName", s.fileName(), file.fileName(), limits.nameChars(), true);
        if (s.nameKey() == null) {
            int scopeBytes = scope instanceof String text ? utf8(text) : Long.BYTES;
            int hashBytes = file.contentHash().length();
            int nameBytes = utf8(key.nameKey());
            int entry = dialect.indexEntryBytes(scopeBytes, hashBytes, nameBytes);
            if (entry > dialect.maxIndexEntryBytes()) {
                int room = nameBytes;
                while (room > 0 && dialect.indexEntryBytes(scopeBytes, hashBytes, room) > dialect.maxIndexEntryBytes()) {
                    room--;
                }
                throw new IllegalArgumentException("fileName is " + nameBytes + " bytes in UTF-8; with the scope ("
                        + scopeBytes + " bytes) and the content hash, the entry of the unique index on " + s.keyColumns()
                        + " of " + s.qualifiedTable() + " would take " + entry + " bytes, more than the "
                        + dialect.maxIndexEntryBytes() + " " + dialect.displayName() + " allows: this key's name must be "
                        + "at most about " + room + " bytes. Map a name-key column to store longer names");
            }
        }
    }

    private void requireCanonicalScope(String scope) {
        String canonical = switch (limits.scopeForm()) {
            case TEXT -> scope;
            case INTEGER -> canonicalInteger(scope);
            case UUID -> canonicalUuid(scope);
        };
        if (!scope.equals(canonical)) {
            throw new IllegalArgumentException("scope " + quote(scope) + " would be stored in the " + limits.scopeForm()
                    .name().toLowerCase(java.util.Locale.ROOT) + " column " + table.schema().scope() + " of "
                    + table.schema().qualifiedTable() + (canonical == null ? ", which cannot hold it"
                            : " as " + canonical + ", the same value as the scope " + quote(canonical)
                                    + ": give it as " + quote(canonical)));
        }
    }

    private static @Nullable String canonicalInteger(String scope) {
        try {
            return Long.toString(Long.parseLong(scope));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static @Nullable String canonicalUuid(String scope) {
        try {
            return java.util.UUID.fromString(scope).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void requireBmp(String field, String column, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isSurrogate(value.charAt(i))) {
                throw new IllegalArgumentException(field + " " + quote(value) + " has the character U+"
                        + Integer.toHexString(value.codePointAt(i)).toUpperCase(java.util.Locale.ROOT) + " at index " + i
                        + ", which column " + column + " of " + table.schema().qualifiedTable() + " cannot hold (its "
                        + "character set has only the Basic Multilingual Plane, e.g. MariaDB's utf8mb3)");
            }
        }
    }

    /** A validated key field (no control characters, no unpaired surrogates) in quotes. */
    private static String quote(String value) {
        return '"' + value + '"';
    }

    private void requireFits(String field, String column, String value, @Nullable Integer declared, boolean text) {
        if (declared != null && text) {
            int length = table.dialect().characterLength(value);
            if (length > declared) {
                throw new IllegalArgumentException(field + " must be at most " + declared + " characters for column "
                        + column + " of " + table.schema().qualifiedTable() + ", was " + length + " characters");
            }
        }
    }

    private static int utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * A connection for an own transaction; handed back with {@link #release}.
     *
     * @return a connection not used by any other thread until it is released; any auto-commit and isolation state
     * @throws SQLException if no connection can be obtained
     */
    protected abstract Connection acquire() throws SQLException;

    /**
     * Hands back a connection from {@link #acquire}; called once per acquired connection, also after a failure.
     *
     * @param connection the connection {@link #acquire} returned
     */
    protected abstract void release(Connection connection);

    /**
     * Runs {@code work} on the connection of the caller's transaction (joined mode only).
     *
     * @param <T> what {@code work} returns
     * @param work the work, which sets and releases its own savepoint
     * @return what {@code work} returned
     * @throws dev.dedupguard.spi.StorageException if the caller's connection cannot be reached or {@code work} fails
     */
    protected abstract <T> T onCallerConnection(JdbcTransactions.SqlWork<T> work);

    /**
     * A session for one transaction on {@code connection}.
     *
     * @param connection the transaction's connection, with auto-commit off
     * @param pendingLockTimeout see {@link JdbcSession#JdbcSession}
     * @return a new session; closed by the caller when the work ends
     */
    protected abstract JdbcSession<F> openSession(Connection connection, @Nullable String pendingLockTimeout);

    @Override
    public abstract FileKey keyOf(F file);

    /**
     * Runs {@code work} as {@link StorageBackend#inTransaction} requires. If the calling thread is interrupted while a
     * statement waits (for a lock), the statement is cancelled, the work rolled back and
     * {@link StorageException.Kind#INTERRUPTED} raised; the connection stays usable.
     */
    @Override
    public final <T> T inTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        if (joinsCallerTransaction()) {
            Dialect dialect = table.dialect();
            if (dialect.pipelinesStatements() && dialect.swapLockTimeoutQuery() != null) {
                return onCallerConnection(c -> watched(c, spec, conn -> inPipelinedSavepoint(conn, spec, work)));
            }
            if (carryLockTimeout && dialect.hasLockTimeoutStatementPrefix()) {
                String timeout = dialect.lockTimeoutValue(spec.lockTimeout());
                return onCallerConnection(c -> watched(c, spec, conn -> JdbcTransactions.inSavepoint(conn, dialect,
                        spec, false, tx -> run(tx, timeout, work))));
            }
            return onCallerConnection(c -> watched(c, spec, conn -> JdbcTransactions.inSavepoint(conn, dialect, spec,
                    tx -> run(tx, null, work))));
        }
        Connection c;
        try {
            c = acquire();
        } catch (SQLException | RuntimeException e) {
            throw table.dialect().translate("obtaining a connection", e);
        }
        try {
            String pending = carryLockTimeout ? table.dialect().lockTimeoutValue(spec.lockTimeout()) : null;
            return watched(c, spec, conn -> JdbcTransactions.inOwnTransaction(conn, table.dialect(), spec,
                    pending == null, tx -> run(tx, pending, work)));
        } finally {
            release(c);
        }
    }

    /**
     * {@link JdbcTransactions#inSavepoint} in as few round trips as the dialect allows: the savepoint and the lock
     * timeout swap travel with the work's first statement, the restore and the release with each other. If the work
     * sent nothing, there is nothing to undo or release.
     */
    private <T> T inPipelinedSavepoint(Connection c, TransactionSpec spec, StorageWork<F, T> work) {
        Dialect dialect = table.dialect();
        try {
            JdbcTransactions.requireTransaction(c);
        } catch (SQLException e) {
            throw dialect.translate("checking the caller's transaction", e);
        }
        String[] previousTimeout = new String[1];
        try (JdbcSession<F> session = openSession(c, null)) {
            session.queue(SAVEPOINT, new Object[0], null);
            session.queue(dialect.swapLockTimeoutQuery(), new Object[] {dialect.lockTimeoutValue(spec.lockTimeout())},
                    rs -> {
                        rs.next();
                        previousTimeout[0] = rs.getString(1);
                    });
            T result;
            try {
                result = work.run(session);
                if (session.sentAnything()) {
                    session.queue(dialect.restoreLockTimeoutQuery(), new Object[] {previousTimeout[0]}, null);
                    session.queue(RELEASE_SAVEPOINT, new Object[0], null);
                    session.sendQueued();
                } else {
                    session.dropQueued();
                }
            } catch (RuntimeException e) {
                if (session.sentAnything()) {
                    try (Statement s = c.createStatement()) {
                        s.execute(ROLLBACK_TO_SAVEPOINT);
                    } catch (SQLException rollbackFailure) {
                        e.addSuppressed(rollbackFailure);
                    }
                }
                throw dialect.translate("registration in the caller's transaction", e);
            }
            return result;
        }
    }

    /**
     * Runs {@code work} on {@code c} watched for interruption: if the calling thread is interrupted while a statement
     * waits, the statement is cancelled and the failure reported as {@link StorageException.Kind#INTERRUPTED}.
     */
    private <T> T watched(Connection c, TransactionSpec spec, Function<Connection, T> work) {
        long started = System.nanoTime();
        try (InterruptWatch watch = InterruptWatch.start(c)) {
            try {
                return work.apply(watch.connection());
            } catch (StorageException e) {
                if (watch.interrupted() || table.dialect().interruptEndedWait(e.kind(),
                        Duration.ofNanos(System.nanoTime() - started), spec.lockTimeout())) {
                    throw new StorageException(StorageException.Kind.INTERRUPTED, "interrupted while waiting: "
                            + e.getMessage(), e);
                }
                throw e;
            }
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
