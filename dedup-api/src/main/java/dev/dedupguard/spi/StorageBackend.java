package dev.dedupguard.spi;

import dev.dedupguard.FileKey;
import dev.dedupguard.Isolation;
import java.time.Duration;

/**
 * What a backend provides to run the strategies on one table. Implementations must be thread-safe if they run
 * their own transactions; a backend bound to a caller's transaction is used by one thread at a time.
 *
 * @param <F> the type the host registers
 */
public interface StorageBackend<F> {

    /**
     * The key of a file the host wants to register. Must not touch the database. Invalid field values must raise
     * {@link IllegalArgumentException} naming the field (constructing a {@link FileKey} does that).
     */
    FileKey keyOf(F file);

    /**
     * The longest file name, in UTF-8 bytes, that this backend's table can store and index; at most
     * {@link FileKey#MAX_FILE_NAME_BYTES}. The engine rejects longer names before any database work.
     */
    default int maxFileNameBytes() {
        return FileKey.MAX_FILE_NAME_BYTES;
    }

    /**
     * Whether {@link #inTransaction} joins a transaction the caller owns. If so, the engine never retries (only
     * the caller can restart its transaction) and raises {@link dev.dedupguard.SerializationConflictException}.
     */
    boolean joinsCallerTransaction();

    /**
     * Runs {@code work} in a transaction and returns its result.
     *
     * <p>Own mode: a fresh transaction on a connection of the backend's, with {@code isolation} (if not
     * {@code null}) and the lock timeout applied to every wait inside it; committed if {@code work} returns,
     * rolled back if it throws; the connection is returned in the state it was found.
     *
     * <p>Joined mode: on the caller's connection and transaction, inside a savepoint (or an equivalent), with the
     * lock timeout applied; if {@code work} throws, the savepoint is rolled back so that the caller's transaction
     * stays usable with its earlier work intact; nothing is committed.
     *
     * @throws StorageException for any database failure, classified by SQLSTATE and vendor code
     */
    <T> T inTransaction(TransactionSpec spec, StorageWork<F, T> work);

    /**
     * Settings for one transaction.
     *
     * @param isolation isolation level for own transactions, or {@code null} for the connection's
     * @param lockTimeout longest wait for any lock inside the transaction
     */
    record TransactionSpec(Isolation isolation, Duration lockTimeout) {
    }

    /** Work that runs inside {@link StorageBackend#inTransaction}. */
    @FunctionalInterface
    interface StorageWork<F, T> {
        T run(StorageSession<F> session);
    }
}
