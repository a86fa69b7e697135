package dev.dedupguard.spi;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The primitives the strategies are written in, bound to one transaction. Every method runs in that transaction
 * and reports failures as {@link StorageException}.
 *
 * <p><b>Rows the database matched.</b> Every primitive that reports an existing row returns its key columns as a
 * {@link StoredRow}, exactly as the database returned the row it matched to the key; the engine compares them with
 * the requested key under the guard's own equality and never answers {@code Duplicate} for a row that differs. A
 * backend must not filter or re-match rows by the key's values in Java before returning them: a row the database
 * considered equal is what the engine needs to see.
 *
 * @param <F> the type the host registers
 */
public interface StorageSession<F> {

    /**
     * The oldest row that the database matches to this key and the transaction can see, if any.
     *
     * @param key the key to look up
     * @return the row's key columns, or empty if the transaction sees no row with the key
     */
    Optional<StoredRow> find(StoredKey key);

    /**
     * The rows that the database matches to these keys and the transaction can see; absent keys are left out. Each row
     * is attributed to the requested key the database matched it with (e.g. by the position of the key in the
     * statement); a backend that cannot tell which key a returned row was matched with, and finds that the row's key
     * columns equal none of the requested keys, looks the keys without a row up one by one ({@link #find}), so that
     * the engine sees each row with the key the database matched it to.
     *
     * @param keys distinct keys to look up; may be empty
     * @return for each key found, the oldest row matched to it; empty if none is found
     */
    Map<StoredKey, StoredRow> findAll(Collection<StoredKey> keys);

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
     * {@link #insertIfAbsent}, and for a key that exists, the row ({@link #find}): what a registration needs.
     * A backend may answer both in one statement; the default sends the insert and, after a conflict, the lookup.
     * Like {@link #insertIfAbsent}, it leaves the transaction usable and does not absorb violations of other
     * constraints.
     *
     * @param file the host's file, for the columns beyond the key
     * @param key the key columns to store
     * @return the new row, or the existing one; {@code null} if the key exists but the transaction cannot see its row
     *     (a snapshot taken before that row was committed)
     */
    default @Nullable Stored insertIfAbsentElseFind(F file, StoredKey key) {
        OptionalLong inserted = insertIfAbsent(file, key);
        if (inserted.isPresent()) {
            return Stored.inserted(inserted.getAsLong());
        }
        return find(key).map(Stored::found).orElse(null);
    }

    /**
     * With the key's stripes locked by {@link #lockStripes}: the row with the key that the transaction sees, or else
     * {@link #touchStripes} and {@link #insert}. A backend may do all of it in one statement; the default sends them
     * one by one.
     *
     * @param file the host's file, for the columns beyond the key
     * @param key the key columns to store
     * @param stripes the key's stripes, locked by this transaction
     * @return the existing row, or the new one
     */
    default Stored lockedFindElseInsert(F file, StoredKey key, int[] stripes) {
        Optional<StoredRow> existing = find(key);
        if (existing.isPresent()) {
            return Stored.found(existing.get());
        }
        touchStripes(stripes);
        return Stored.inserted(insert(file, key));
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
     * Deletes the rows that the database matches to this key and returns their key columns, so that the engine can
     * check them (and roll the deletion back if the database matched a row the guard considers another key).
     *
     * @param key the key whose rows to delete
     * @return the deleted rows; empty if none matched
     */
    List<StoredRow> delete(StoredKey key);

    /**
     * Announces, before a registration's steps, the attempt that the registration of {@code key} in this transaction
     * will log ({@link #logAttempts}), so that a session may write its row in the same statement as the insert. A
     * session that does so must, when the insert stores the row, write it with outcome {@code NEW} and the new id and
     * then skip that entry when {@link #logAttempts} passes it. By default nothing is done ahead.
     *
     * @param key the key to be registered
     * @param context the attempt's actor and reference
     */
    default void expectAttempt(StoredKey key, AttemptContext context) {
    }

    /**
     * Writes attempt-log rows in this transaction, with the database's {@code CURRENT_TIMESTAMP}, in the given order.
     * Never updates or deletes log rows.
     *
     * @param attempts the rows to write; may be empty
     * @throws UnsupportedOperationException if the backend keeps no attempt log
     */
    default void logAttempts(List<LoggedAttempt> attempts) {
        throw new UnsupportedOperationException("this backend keeps no attempt log");
    }

    /**
     * Reads logged attempts that the database matches to {@code query}, oldest first. The engine compares each with
     * what was asked under the guard's own equality, so rows the database matched by a looser collation may be
     * returned; they must not be filtered in Java.
     *
     * @param query the scope or key, the page start and size
     * @return up to {@code query.limit()} attempts with a sequence above {@code query.after()}, ascending
     * @throws UnsupportedOperationException if the backend keeps no attempt log
     */
    default List<Attempt> attempts(LoggedAttempt.Query query) {
        throw new UnsupportedOperationException("this backend keeps no attempt log");
    }

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
     * @param existing the key columns of the row that already held the key, as the database returned them;
     *     {@code null} exactly when {@code inserted}
     */
    record Stored(long id, boolean inserted, @Nullable StoredRow existing) {
        /**
         * Checks that an existing row comes with its key columns and a new one without.
         *
         * @param id the row's id
         * @param inserted {@code true} if this call inserted the row
         * @param existing the existing row's key columns; {@code null} exactly when {@code inserted}
         * @throws IllegalArgumentException if {@code existing} is given for an inserted row or missing for an
         *     existing one, or its id is not {@code id}
         */
        public Stored {
            if (inserted != (existing == null) || existing != null && existing.id() != id) {
                throw new IllegalArgumentException("an existing row needs its key columns (with its id), a new one"
                        + " none: id " + id + ", inserted " + inserted + ", existing " + existing);
            }
        }

        /**
         * The row this call inserted.
         *
         * @param id the new row's id
         * @return a new {@code Stored}
         */
        public static Stored inserted(long id) {
            return new Stored(id, true, null);
        }

        /**
         * The row that already held the key.
         *
         * @param existing its key columns, as the database returned them; not {@code null}
         * @return a new {@code Stored} with the row's id
         */
        public static Stored found(StoredRow existing) {
            return new Stored(Objects.requireNonNull(existing, "existing").id(), false, existing);
        }
    }
}
