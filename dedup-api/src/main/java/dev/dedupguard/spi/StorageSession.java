package dev.dedupguard.spi;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The primitives the strategies are written in, bound to one transaction. Every method runs in that transaction
 * and reports failures as {@link StorageException}.
 *
 * @param <F> the type the host registers
 */
public interface StorageSession<F> {

    /** The id of the row with this key that the transaction can see, if any. */
    OptionalLong find(StoredKey key);

    /** The ids of the rows with these keys that the transaction can see; absent keys are left out. */
    Map<StoredKey, Long> findAll(Collection<StoredKey> keys);

    /**
     * Locks the given stripe rows ({@code SELECT ... FOR UPDATE}) until the transaction ends, waiting at most the lock
     * timeout ({@link StorageException.Kind#LOCK_TIMEOUT} after that). Must lock in ascending order (the engine
     * passes the stripes sorted and distinct) so that two batches never deadlock.
     */
    void lockStripes(int[] stripes);

    /**
     * Writes to the locked stripe rows of a transaction that is about to insert under them (the write commits or rolls
     * back with the insert; a session may send it together with the insert), so that a transaction whose snapshot predates
     * this one's commit gets a serialization failure when it locks them (REPEATABLE READ, SERIALIZABLE) instead of
     * a stale snapshot in which this registration is invisible. Only inserters write, so waiters that find a
     * duplicate do not invalidate each other.
     */
    void touchStripes(int[] stripes);

    /**
     * Inserts the row unconditionally and returns its id. A unique violation is reported as
     * {@link StorageException.Kind#UNIQUE_VIOLATION}; on PostgreSQL the transaction is then aborted.
     */
    long insert(F file, StoredKey key);

    /**
     * Inserts the row unless a row with the same key exists, against the unique constraint on the key, and returns
     * the new id, or empty if a row with the key exists (including one committed by a transaction this call waited
     * for). Must leave the transaction usable in both cases, and must not absorb violations of other constraints.
     */
    OptionalLong insertIfAbsent(F file, StoredKey key);

    /**
     * {@link #insertIfAbsent} for many rows with distinct keys, sorted by key; returns the ids of the rows this
     * call inserted. Backends should send one statement per call; the default sends one per row.
     */
    default Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
        Map<StoredKey, Long> inserted = new LinkedHashMap<>();
        for (Row<F> row : rows) {
            insertIfAbsent(row.file(), row.key()).ifPresent(id -> inserted.put(row.key(), id));
        }
        return inserted;
    }

    /** Deletes the rows with this key; returns whether any existed. */
    boolean delete(StoredKey key);

    /** A file and its key, for batch operations. */
    record Row<F>(F file, StoredKey key) {
    }
}
