package dev.dedupguard.spring.boot;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The guard bean of the starter: a {@link DuplicateGuard} that joins the Spring-managed transaction of the calling
 * thread when there is one, and runs a transaction of its own otherwise.
 *
 * <p><b>Which transaction each call uses.</b> Per call, if
 * {@link TransactionSynchronizationManager#isActualTransactionActive()} (inside {@code @Transactional}, a
 * {@code TransactionTemplate}, or jOOQ's {@code dsl.transaction(...)} on Boot's {@code DSLContext}), the call runs on
 * that transaction's connection inside a savepoint, exactly as the backend's {@code joining(...)} guard: it commits
 * nothing, disappears if the transaction rolls back, and a duplicate, lock timeout or database error leaves the
 * transaction and its other work usable. Serialization failures are not retried then: they raise
 * {@link dev.dedupguard.SerializationConflictException} (roll back and retry the transaction). Outside a transaction
 * the call takes a connection of its own, commits before returning and retries serialization failures.
 * {@link #ownTransactions()} always runs its own transaction, even inside a Spring transaction.
 *
 * <p><b>Attempt log</b> ({@code dedup-guard.attempt-log.enabled=true}). The attempts of a joined call are written in
 * the Spring transaction, so they commit and roll back with it; {@link #history(FileKey, long, int)} and
 * {@link #history(String, long, int)} inside a Spring transaction read in it, and so see its own uncommitted attempts.
 *
 * <p>The jOOQ backend joins through the transaction's JDBC connection on the application's {@code DataSource}, so it
 * joins transactions of a {@code DataSourceTransactionManager}, a {@code JpaTransactionManager} (Hibernate exposes its
 * connection) and jOOQ's Spring integration. The JPA backend joins through Spring's shared {@code EntityManager}, so
 * it needs a transaction of a {@code JpaTransactionManager} (Boot's default with JPA).
 *
 * <p>Immutable and thread-safe.
 *
 * @param <F> {@link dev.dedupguard.FileKey} for the library table, or the host's row or entity type
 */
public final class SpringDuplicateGuard<F> implements DuplicateGuard<F> {
    private final DuplicateGuard<F> own;
    private final Supplier<DuplicateGuard<F>> joined;

    /**
     * A guard that calls {@code own} outside Spring transactions and a guard from {@code joined} inside them.
     *
     * @param own the backend's guard, running transactions of its own
     * @param joined per call, a guard bound to the current Spring transaction (the backend's {@code joining(...)})
     */
    public SpringDuplicateGuard(DuplicateGuard<F> own, Supplier<DuplicateGuard<F>> joined) {
        this.own = Objects.requireNonNull(own, "own must not be null");
        this.joined = Objects.requireNonNull(joined, "joined must not be null");
    }

    @Override
    public Registration<F> register(F file) {
        return current().register(file);
    }

    @Override
    public List<Registration<F>> registerAll(Collection<? extends F> files) {
        return current().registerAll(files);
    }

    @Override
    public Registration<F> register(F file, AttemptContext context) {
        return current().register(file, context);
    }

    @Override
    public List<Registration<F>> registerAll(Collection<? extends F> files, AttemptContext context) {
        return current().registerAll(files, context);
    }

    @Override
    public List<Attempt> history(FileKey key, long after, int limit) {
        return current().history(key, after, limit);
    }

    @Override
    public List<Attempt> history(String scope, long after, int limit) {
        return current().history(scope, after, limit);
    }

    @Override
    public boolean release(F file) {
        return current().release(file);
    }

    @Override
    public Strategy strategy() {
        return own.strategy();
    }

    /**
     * The guard that always runs a transaction of its own, whether or not a Spring transaction is active.
     *
     * @return the backend's own-transaction guard
     */
    public DuplicateGuard<F> ownTransactions() {
        return own;
    }

    /**
     * Whether a call on this thread now would join a Spring transaction.
     *
     * @return {@link TransactionSynchronizationManager#isActualTransactionActive()}
     */
    public static boolean joinsNow() {
        return TransactionSynchronizationManager.isActualTransactionActive();
    }

    private DuplicateGuard<F> current() {
        return joinsNow() ? joined.get() : own;
    }
}
