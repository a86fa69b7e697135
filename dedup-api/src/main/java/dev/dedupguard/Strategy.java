package dev.dedupguard;

/**
 * How a guard keeps a key from being stored twice. The algorithms are written once, in this module, over the
 * storage SPI ({@link dev.dedupguard.spi.StorageSession}); every backend runs them unchanged.
 */
public enum Strategy {

    /**
     * Check, then insert, with no lock. <b>Admits duplicates under concurrency</b>: two registrations of the same
     * new key can both see "absent" and both insert. On a table without a unique constraint both rows are stored;
     * on a table with one, the loser gets a {@link DuplicateGuardException} caused by the unique violation. On
     * MariaDB the losers' inserts can instead deadlock on the unique key (InnoDB checks for the duplicate with shared
     * locks, and these convoys form next to deleted rows not yet purged); after {@link GuardOptions#maxAttempts()}
     * deadlocks in a row the loser gets a {@link SerializationConflictException}. Kept as the baseline that makes the
     * race measurable; do not use it to protect data.
     *
     * <ol>
     *   <li>find the key; if a row exists, answer {@code Duplicate}</li>
     *   <li>insert the row and answer {@code New}</li>
     * </ol>
     */
    NO_LOCK,

    /**
     * Lock, check, insert: for tables that cannot carry a unique constraint. A {@code SELECT ... FOR UPDATE} of the
     * not-yet-existing row would lock nothing on PostgreSQL and H2, so the guard locks a row that always exists: one
     * of {@link GuardOptions#lockStripes()} pre-filled rows of a stripe table, chosen by a stable hash of the key.
     *
     * <ol>
     *   <li>lock the key's stripe row with {@code SELECT ... FOR UPDATE} (batches: all stripes, in ascending order);
     *       waits at most the lock timeout</li>
     *   <li>find the key; if a row exists, answer {@code Duplicate}</li>
     *   <li>update the stripe row, insert the row, and answer {@code New}. The update (which commits or rolls back
     *       with the insert, and which only inserters make, so that waiters that find a duplicate do not invalidate
     *       each other) makes a waiter whose
     *       REPEATABLE READ or SERIALIZABLE snapshot predates this commit fail with a serialization error when it
     *       obtains the lock (and the guard retries with a fresh snapshot), instead of checking a stale snapshot</li>
     *   <li>the stripe lock is released when the transaction ends; in joined mode that is the caller's commit, so
     *       a long caller transaction blocks every key of the same stripe for as long as it runs</li>
     * </ol>
     */
    SELECT_FOR_UPDATE,

    /**
     * Insert-if-absent against a unique constraint on the key, in one statement where the dialect has one
     * (PostgreSQL {@code INSERT ... ON CONFLICT (key) DO NOTHING}); otherwise an insert whose unique violation
     * (SQLSTATE 23505, never message text) is absorbed on a database where a failed statement leaves the
     * transaction usable (H2).
     *
     * <ol>
     *   <li>insert the row if no row with the key exists; a concurrent uncommitted insert of the same key makes this
     *       wait until that transaction ends (at most the lock timeout)</li>
     *   <li>if inserted, answer {@code New}</li>
     *   <li>otherwise find the existing row and answer {@code Duplicate}; if the snapshot cannot see it (REPEATABLE
     *       READ), that is a serialization conflict: the guard's own transaction is retried</li>
     * </ol>
     */
    UNIQUE_CONSTRAINT
}
