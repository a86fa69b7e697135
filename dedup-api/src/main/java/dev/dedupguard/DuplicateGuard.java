package dev.dedupguard;

import java.util.Collection;
import java.util.List;

/**
 * Registers files so that the same file is stored at most once per scope, even when several threads or
 * processes register it at the same instant.
 *
 * <p>"The same file" means the same {@link FileKey}: scope, content hash and file name, after the guard's
 * {@link NamePolicy} and hash normalisation. How sameness is enforced depends on the {@link Strategy}.
 *
 * <p><b>Transactions.</b> A guard obtained from a backend's builder runs each call in its own short transaction
 * on a connection of its own, and commits before the call returns. A guard obtained from a backend's
 * {@code joining(...)} method instead runs on the caller's connection inside the caller's transaction: the
 * registration commits or rolls back with the caller's work. The backend's javadoc says which is which.
 *
 * <p><b>Thread safety.</b> Implementations are immutable and safe for concurrent use once built. A joined
 * guard is bound to one transaction and is as thread-safe as that transaction's connection (i.e. not).
 *
 * @param <F> what the host registers: {@link FileKey} for the library-owned table, or the host's own row type
 */
public interface DuplicateGuard<F> {

    /**
     * Registers one file.
     *
     * <p>The input is validated before any database work; a bad field raises {@link IllegalArgumentException}
     * naming the field and the value.
     *
     * @param file what to register; its key must be valid for this guard (hash length of the configured
     *     {@link HashAlgorithm}, a file name the table can hold)
     * @return {@link Registration.New} if this call stored the file, {@link Registration.Duplicate} (with the id
     *     of the row stored earlier) if it was already registered; never {@code null}
     * @throws LockTimeoutException if waiting for another registration of the same key (or the same lock stripe)
     *     took longer than the configured lock timeout
     * @throws SerializationConflictException if the database reported a serialization failure that the guard
     *     could not resolve by itself (joined mode: roll back and retry the whole transaction)
     * @throws DuplicateGuardException for any other database failure
     */
    Registration<F> register(F file);

    /**
     * Registers many files, in fewer round trips than one call per file.
     *
     * <p>The result has one entry per input, in input order. Duplicates inside the input are handled: the first
     * occurrence of a key is registered, later occurrences report the same id as a {@link Registration.Duplicate}.
     * Every input is validated before any database work. In own-transaction mode each chunk of the input (see
     * {@link GuardOptions#batchChunkSize()}) commits in its own transaction; if a later chunk fails, the earlier
     * chunks stay committed. In joined mode everything runs in the caller's transaction.
     *
     * @param files what to register, in any order, duplicates allowed; may be empty, must not be {@code null}
     * @return one registration per input, in input order; an unmodifiable list, empty for an empty input
     * @throws IllegalArgumentException if any input is invalid (nothing is written then); the message names the
     *     index of the first invalid input
     * @throws LockTimeoutException if a chunk waited longer than the lock timeout for a lock
     * @throws SerializationConflictException if a chunk met a serialization failure the guard could not resolve
     * @throws DuplicateGuardException for any other database failure
     */
    List<Registration<F>> registerAll(Collection<? extends F> files);

    /**
     * Removes the registration of a file, for a host whose processing failed after the file was registered in a
     * transaction of the guard's own.
     *
     * @param file the file whose key (after the guard's {@link NamePolicy}) is to be removed; validated like
     *     {@link #register}
     * @return whether a row was removed; {@code false} if the key was not registered
     * @throws LockTimeoutException if waiting for a lock on the row took longer than the lock timeout
     * @throws DuplicateGuardException for any other database failure
     */
    boolean release(F file);

    /**
     * {@link #register(Object)}, logged with {@code context} as its actor and reference instead of the context the
     * guard's {@link AttemptLog} supplies.
     *
     * @param file what to register, as for {@link #register(Object)}
     * @param context who makes the attempt, on behalf of what; not {@code null}
     * @return as {@link #register(Object)}
     * @throws IllegalStateException if the guard keeps no attempt log (before any database work)
     * @throws UnsupportedOperationException if this implementation does not log attempts
     */
    default Registration<F> register(F file, AttemptContext context) {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no attempt log");
    }

    /**
     * {@link #registerAll(Collection)}, each element logged with {@code context} as its actor and reference.
     *
     * @param files what to register, as for {@link #registerAll(Collection)}
     * @param context who makes the attempts, on behalf of what; not {@code null}
     * @return as {@link #registerAll(Collection)}
     * @throws IllegalStateException if the guard keeps no attempt log (before any database work)
     * @throws UnsupportedOperationException if this implementation does not log attempts
     */
    default List<Registration<F>> registerAll(Collection<? extends F> files, AttemptContext context) {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no attempt log");
    }

    /**
     * The logged attempts at one key, oldest first ({@link Attempt#sequence()} ascending), a page at a time. An
     * attempt is at the key if its scope and content hash are the key's and, unless the guard's {@link NamePolicy}
     * ignores names, its file name is the same name under the policy. Compared by the guard, never by the database's
     * collation.
     *
     * @param key the key; validated like a registration's (its name is normalised by the name policy)
     * @param after the sequence of the last attempt of the previous page; 0 for the first page
     * @param limit the most attempts to return, 1 to 1,000
     * @return up to {@code limit} attempts with a sequence above {@code after}; fewer than {@code limit} only when
     *     there are no more
     * @throws IllegalStateException if the guard keeps no attempt log
     * @throws IllegalArgumentException if {@code key}, {@code after} or {@code limit} is invalid
     * @throws DuplicateGuardException if the log cannot be read
     * @throws UnsupportedOperationException if this implementation does not log attempts
     */
    default List<Attempt> history(FileKey key, long after, int limit) {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no attempt log");
    }

    /**
     * The logged attempts in one scope (e.g. one case), oldest first, a page at a time, as {@link #history(FileKey,
     * long, int)} pages them.
     *
     * @param scope the scope, as registrations give it
     * @param after the sequence of the last attempt of the previous page; 0 for the first page
     * @param limit the most attempts to return, 1 to 1,000
     * @return up to {@code limit} attempts with a sequence above {@code after}; fewer only when there are no more
     * @throws IllegalStateException if the guard keeps no attempt log
     * @throws IllegalArgumentException if {@code scope}, {@code after} or {@code limit} is invalid
     * @throws DuplicateGuardException if the log cannot be read
     * @throws UnsupportedOperationException if this implementation does not log attempts
     */
    default List<Attempt> history(String scope, long after, int limit) {
        throw new UnsupportedOperationException(getClass().getName() + " keeps no attempt log");
    }

    /**
     * The strategy this guard runs.
     *
     * @return the strategy fixed when the guard was built; never {@code null}
     */
    Strategy strategy();
}
