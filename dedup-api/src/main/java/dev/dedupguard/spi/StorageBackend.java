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
     *
     * @param file what the host passed to the guard; never {@code null} (the engine rejects {@code null} first)
     * @return the key as the host gave it, before the guard's name policy; never {@code null}
     * @throws IllegalArgumentException if a field of {@code file} is not a valid key field
     */
    FileKey keyOf(F file);

    /**
     * Refuses a valid key that this backend's table cannot store or index (a column too narrow for the scope or the
     * name, a unique index entry larger than the database allows) with an {@link IllegalArgumentException} that names
     * the field, its size and the limit. Called by the engine for every key before any database work; must not touch
     * the database. By default every key fits.
     *
     * @param key the key as the guard stores it (after its name policy); never {@code null}
     * @throws IllegalArgumentException if the table cannot hold {@code key}
     */
    default void checkKey(StoredKey key) {
    }

    /**
     * Whether {@link #inTransaction} joins a transaction the caller owns. If so, the engine never retries (only
     * the caller can restart its transaction) and raises {@link dev.dedupguard.SerializationConflictException}.
     *
     * @return {@code true} for a backend bound to the caller's transaction, {@code false} for one that runs its own;
     *     the same answer on every call
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
     * @param <T> what {@code work} returns
     * @param spec the isolation and lock timeout to apply
     * @param work the strategy's steps, given a session bound to the transaction; run exactly once per call
     * @return what {@code work} returned
     * @throws StorageException for any database failure, classified by SQLSTATE and vendor code
     */
    <T> T inTransaction(TransactionSpec spec, StorageWork<F, T> work);

    /**
     * Settings for one transaction.
     *
     * @param isolation isolation level for own transactions, or {@code null} for the connection's
     * @param lockTimeout longest wait for any lock inside the transaction; 1 ms to 1 hour
     */
    record TransactionSpec(Isolation isolation, Duration lockTimeout) {
    }

    /**
     * Work that runs inside {@link StorageBackend#inTransaction}.
     *
     * @param <F> the type the host registers
     * @param <T> the result of the work
     */
    @FunctionalInterface
    interface StorageWork<F, T> {
        /**
         * Runs the work.
         *
         * @param session the primitives, bound to the transaction; valid only until this method returns
         * @return the result that {@link StorageBackend#inTransaction} passes on
         * @throws StorageException if a primitive failed; the transaction (or savepoint) is then rolled back
         */
        T run(StorageSession<F> session);
    }
}
