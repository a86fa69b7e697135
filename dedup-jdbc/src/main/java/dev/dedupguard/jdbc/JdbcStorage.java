package dev.dedupguard.jdbc;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The storage port over JDBC, whole: every statement, transaction and lock timeout of a registration, for any backend
 * that supplies its {@link HostRows} (how to read keys and write rows) and its {@link Connections} (how to reach a
 * connection). The database's ways come from its {@link Dialect}. Built by {@link JdbcGuards#storage}, which checks
 * the schema first. Immutable and thread-safe (own transactions); a storage joined to a caller's transaction is as
 * thread-safe as that transaction's connection.
 *
 * @param <F> the type the host registers
 */
public final class JdbcStorage<F> implements StorageBackend<F> {
    private final Statements statements;
    private final Dialect dialect;
    private final TableLimits limits;
    private final HostRows<F> rows;
    private final Connections connections;
    private final boolean joined;
    private final boolean foreignInserts;
    private final @Nullable AttemptLogStatements attemptLog;

    JdbcStorage(Statements statements, TableLimits limits, HostRows<F> rows, Connections connections,
            boolean foreignInserts, @Nullable AttemptLogStatements attemptLog) {
        this.attemptLog = attemptLog;
        this.statements = Objects.requireNonNull(statements, "statements");
        this.dialect = statements.dialect();
        this.limits = Objects.requireNonNull(limits, "limits");
        this.rows = Objects.requireNonNull(rows, "rows");
        this.connections = Objects.requireNonNull(connections, "connections");
        this.joined = connections.joined();
        this.foreignInserts = foreignInserts;
    }

    /**
     * The same storage on the connection of a caller's transaction: its calls run inside a savepoint there and commit
     * nothing.
     *
     * @param caller the caller's transaction's connection, {@link Connections#joined() joined}
     * @return a storage bound to that transaction
     * @throws IllegalArgumentException if {@code caller} is not joined
     */
    public JdbcStorage<F> joining(Connections caller) {
        if (!caller.joined()) {
            throw new IllegalArgumentException("caller must be the connection of a caller's transaction (joined)");
        }
        return new JdbcStorage<>(statements, limits, rows, caller, foreignInserts, attemptLog);
    }

    @Override
    public FileKey keyOf(F file) {
        return rows.keyOf(file);
    }

    @Override
    public boolean joinsCallerTransaction() {
        return joined;
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
        TableSchema s = statements.schema();
        FileKey file = key.file();
        requireCanonicalScope(file.scope());
        if (limits.scopeBmpOnly() && limits.scopeForm() == TableLimits.ScopeForm.TEXT) {
            requireBmp("scope", s.scope(), file.scope());
        }
        if (limits.nameBmpOnly()) {
            requireBmp("fileName", s.fileName(), file.fileName());
        }
        Object scope = statements.scopeValue(key);
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
        if (limits.scopeForm() == TableLimits.ScopeForm.INTEGER && isCanonicalInteger(scope)) {
            return;
        }
        String canonical = switch (limits.scopeForm()) {
            case TEXT -> scope;
            case INTEGER -> canonicalInteger(scope);
            case UUID -> canonicalUuid(scope);
        };
        if (!scope.equals(canonical)) {
            throw new IllegalArgumentException("scope " + quote(scope) + " would be stored in the " + limits.scopeForm()
                    .name().toLowerCase(Locale.ROOT) + " column " + statements.schema().scope() + " of "
                    + statements.schema().qualifiedTable() + (canonical == null ? ", which cannot hold it"
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

    /** Whether {@code scope} is a long in the form {@link Long#toString(long)} gives, without building that form. */
    private static boolean isCanonicalInteger(String scope) {
        int first = scope.startsWith("-") ? 1 : 0;
        int digits = scope.length() - first;
        if (digits == 0 || digits > 19 || scope.charAt(first) == '0' && (digits > 1 || first == 1)) {
            return false;
        }
        for (int i = first; i < scope.length(); i++) {
            char c = scope.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        if (digits < 19) {
            return true;
        }
        try {
            Long.parseLong(scope);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static @Nullable String canonicalUuid(String scope) {
        try {
            return UUID.fromString(scope).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void requireBmp(String field, String column, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isSurrogate(value.charAt(i))) {
                throw new IllegalArgumentException(field + " " + quote(value) + " has the character U+"
                        + Integer.toHexString(value.codePointAt(i)).toUpperCase(Locale.ROOT) + " at index " + i
                        + ", which column " + column + " of " + statements.schema().qualifiedTable() + " cannot hold "
                        + "(its character set has only the Basic Multilingual Plane, e.g. MariaDB's utf8mb3)");
            }
        }
    }

    /** A validated key field (no control characters, no unpaired surrogates) in quotes. */
    private static String quote(String value) {
        return '"' + value + '"';
    }

    private void requireFits(String field, String column, String value, @Nullable Integer declared, boolean text) {
        if (declared != null && text) {
            int length = dialect.characterLength(value);
            if (length > declared) {
                throw new IllegalArgumentException(field + " must be at most " + declared + " characters for column "
                        + column + " of " + statements.schema().qualifiedTable() + ", was " + length + " characters");
            }
        }
    }

    /** The length of {@code value} in UTF-8, without encoding it (a validated key has no unpaired surrogate). */
    static int utf8(String value) {
        int bytes = value.length();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return bytes;
    }

    /**
     * Runs {@code work} as {@link StorageBackend#inTransaction} requires, in the dialect's way of a transaction of the
     * guard's own or of a savepoint in the caller's. If the calling thread is interrupted while a statement waits (for a
     * lock), the statement is cancelled, the work rolled back and {@link StorageException.Kind#INTERRUPTED} raised; the
     * connection stays usable.
     */
    @Override
    public <T> T inTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        try {
            return connections.withConnection(c -> watched(spec, watch -> {
                Dialect.Sessions<F> sessions = pending -> new JdbcSession<>(c, statements, rows, joined, pending, watch,
                        foreignInserts, attemptLog);
                return joined ? dialect.inCallerTransaction(c, spec, foreignInserts, sessions, work)
                        : dialect.inOwnTransaction(c, spec, foreignInserts, sessions, work);
            }));
        } catch (SQLException e) {
            throw dialect.translate(joined ? "reaching the caller's connection" : "obtaining a connection", e);
        } catch (RuntimeException e) {
            throw e instanceof StorageException || e instanceof IllegalStateException ? e
                    : dialect.translate(joined ? "registration in the caller's transaction" : "registration", e);
        }
    }

    /**
     * Runs {@code work} watched for interruption: if the calling thread is interrupted while a statement waits, the
     * statement is cancelled and the failure reported as {@link StorageException.Kind#INTERRUPTED}.
     */
    private <T> T watched(TransactionSpec spec, Function<InterruptWatch, T> work) {
        long started = System.nanoTime();
        try (InterruptWatch watch = InterruptWatch.start()) {
            try {
                return work.apply(watch);
            } catch (StorageException e) {
                if (watch.interrupted() || dialect.interruptEndedWait(e.kind(),
                        Duration.ofNanos(System.nanoTime() - started), spec.lockTimeout())) {
                    throw new StorageException(StorageException.Kind.INTERRUPTED, "interrupted while waiting: "
                            + e.getMessage(), e);
                }
                throw e;
            }
        }
    }
}
