package dev.dedupguard.spi;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The primitives the strategies are written in, bound to one transaction. Every method runs in that transaction
 * and reports failures as {@link StorageException}.
 *
 * @param <F> the type the host registers
 */
public interface StorageSession<F> {

    /**
     * The id of the row with this key that the transaction can see, if any.
     *
     * @param key the key to look up
     * @return the row's id, or empty if the transaction sees no row with the key
     */
    OptionalLong find(StoredKey key);

    /**
     * The ids of the rows with these keys that the transaction can see; absent keys are left out.
     *
     * @param keys distinct keys to look up; may be empty
     * @return the id of each key found, keyed by that key; empty if none is found
     */
    Map<StoredKey, Long> findAll(Collection<StoredKey> keys);

    /**
     * Locks the given stripe rows ({@code SELECT ... FOR UPDATE}) until the transaction ends, waiting at most the lock
     * timeout ({@link StorageException.Kind#LOCK_TIMEOUT} after that). Must lock in ascending order (the engine
     * passes the stripes sorted and distinct) so that two batches never deadlock.
     *
     * @param stripes stripe numbers, 0 to {@link dev.dedupguard.GuardOptions#lockStripes()} - 1, ascending and
     *     distinct
     */
    void lockStripes(int[] stripes);

    /**
     * Writes to the locked stripe rows of a transaction that is about to insert under them (the write commits or rolls
     * back with the insert; a session may send it together with the insert), so that a transaction whose snapshot predates
     * this one's commit gets a serialization failure when it locks them (REPEATABLE READ, SERIALIZABLE) instead of
     * a stale snapshot in which this registration is invisible. Only inserters write, so waiters that find a
     * duplicate do not invalidate each other.
     *
     * @param stripes stripes this transaction has locked with {@link #lockStripes}, ascending and distinct
     */
    void touchStripes(int[] stripes);

    /**
     * Inserts the row unconditionally and returns its id. A unique violation is reported as
     * {@link StorageException.Kind#UNIQUE_VIOLATION}; on PostgreSQL the transaction is then aborted.
     *
     * @param file the host's file, for the columns beyond the key
     * @param key the key columns to store: the file name as given and the name key or digest
     * @return the id of the inserted row
     */
    long insert(F file, StoredKey key);

    /**
     * Inserts the row unless a row with the same key exists, against the unique constraint on the key, and returns
     * the new id, or empty if a row with the key exists (including one committed by a transaction this call waited
     * for). Must leave the transaction usable in both cases, and must not absorb violations of other constraints.
     *
     * @param file the host's file, for the columns beyond the key
     * @param key the key columns to store
     * @return the id of the inserted row, or empty if a row with the key already exists
     */
    OptionalLong insertIfAbsent(F file, StoredKey key);

    /**
     * {@link #insertIfAbsent}, and for a key that exists, the row's id ({@link #find}): what a registration needs.
     * A backend may answer both in one statement; the default sends the insert and, after a conflict, the lookup.
     * Like {@link #insertIfAbsent}, it leaves the transaction usable and does not absorb violations of other
     * constraints.
     *
     * @param file the host's file, for the columns beyond the key
     * @param key the key columns to store
     * @return the new row's id, or the existing row's; {@code null} if the key exists but the transaction cannot see
     *     its row (a snapshot taken before that row was committed)
     */
    default @Nullable Stored insertOrFind(F file, StoredKey key) {
        OptionalLong inserted = insertIfAbsent(file, key);
        if (inserted.isPresent()) {
            return new Stored(inserted.getAsLong(), true);
        }
        OptionalLong existing = find(key);
        return existing.isPresent() ? new Stored(existing.getAsLong(), false) : null;
    }

    /**
     * With the key's stripes locked by {@link #lockStripes}: the row with the key that the transaction sees, or else
     * {@link #touchStripes} and {@link #insert}. A backend may do all of it in one statement; the default sends them
     * one by one.
     *
     * @param file the host's file, for the columns beyond the key
     * @param key the key columns to store
     * @param stripes the key's stripes, locked by this transaction
     * @return the existing row's id, or the new row's
     */
    default Stored findOrInsert(F file, StoredKey key, int[] stripes) {
        OptionalLong existing = find(key);
        if (existing.isPresent()) {
            return new Stored(existing.getAsLong(), false);
        }
        touchStripes(stripes);
        return new Stored(insert(file, key), true);
    }

    /**
     * {@link #insertIfAbsent} for many rows with distinct keys, sorted by key; returns the ids of the rows this
     * call inserted. Backends should send one statement per call; the default sends one per row.
     *
     * @param rows files to insert, with distinct keys, sorted by key; may be empty
     * @return the id of each row this call inserted, keyed by its key; keys that already existed are left out
     */
    default Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
        Map<StoredKey, Long> inserted = new LinkedHashMap<>();
        for (Row<F> row : rows) {
            insertIfAbsent(row.file(), row.key()).ifPresent(id -> inserted.put(row.key(), id));
        }
        return inserted;
    }

    /**
     * Deletes the rows with this key; returns whether any existed.
     *
     * @param key the key whose rows to delete
     * @return {@code true} if at least one row was deleted
     */
    boolean delete(StoredKey key);

    /**
     * A file and its key, for batch operations.
     *
     * @param file the host's file
     * @param key its validated key in stored forms
     * @param <F> the type the host registers
     */
    record Row<F>(F file, StoredKey key) {
    }

    /**
     * The row a registration ends with: the one it inserted, or the one that already held the key.
     *
     * @param id the row's id
     * @param inserted {@code true} if this call inserted the row
     */
    record Stored(long id, boolean inserted) {
    }
}
