package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Isolation;
import dev.dedupguard.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * The fixture every part of the contract suite shares: which backend, database, table and strategy the part runs on,
 * guards and caller transactions on them, a thread pool for races, and the row counts the tests assert. Each test
 * starts from empty tables; caller transactions a test began are closed (rolled back if still open) after it, and its
 * worker threads must end.
 *
 * <p>A part is an abstract subclass holding tests of one kind; {@link GuardContract} runs every part for one
 * {@link Setup}.
 *
 * @param <F> the backend's registered type
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ContractBase<F> {
    private static final Set<TestDatabase> PREPARED = Collections.synchronizedSet(EnumSet.noneOf(TestDatabase.class));
    /** How long a call that must wait is watched before it counts as blocked. */
    protected static final Duration BLOCKED = Duration.ofMillis(400);

    private final Setup<F> setup;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private ExecutorService pool;

    /**
     * What one run of the suite runs on.
     *
     * @param backend the backend under test
     * @param database the database it runs on
     * @param table the table it registers into
     * @param strategy the strategy its guards run; one that {@code table} {@linkplain TestTable#supports supports}
     * @param <F> the backend's registered type
     */
    public record Setup<F>(GuardBackend<F> backend, TestDatabase database, TestTable table, Strategy strategy) {
        /** Checks that every part is given and that the table supports the strategy. */
        public Setup {
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(strategy, "strategy");
            if (!table.supports(strategy)) {
                throw new IllegalArgumentException("table " + table + " does not support strategy " + strategy);
            }
        }
    }

    /** A part that runs on {@code setup}. */
    protected ContractBase(Setup<F> setup) {
        this.setup = Objects.requireNonNull(setup, "setup");
    }

    @BeforeEach
    void prepareTables() {
        if (PREPARED.add(database())) {
            TestTable.createAll(database());
        }
        TestTable.clearAll(database());
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void release() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("worker threads ended").isTrue();
    }

    /** The backend under test. */
    protected final GuardBackend<F> backend() {
        return setup.backend();
    }

    /** The database the backend runs on. */
    protected final TestDatabase database() {
        return setup.database();
    }

    /** The table this run registers into. */
    protected final TestTable table() {
        return setup.table();
    }

    /** The strategy this run's guards run. */
    protected final Strategy strategy() {
        return setup.strategy();
    }

    /** The test's worker threads; shut down after each test. */
    protected final ExecutorService pool() {
        return pool;
    }

    /** Options for this test's strategy with a generous lock timeout (tests that need a short one set it). */
    protected GuardOptions.Builder options() {
        return GuardOptions.builder().strategy(strategy()).lockTimeout(Duration.ofSeconds(20));
    }

    /** A guard in own-transaction mode on this run's table, built with {@code options}. */
    protected DuplicateGuard<F> guard(GuardOptions options) {
        return backend().guard(database(), table(), options);
    }

    /** A guard in own-transaction mode with {@link #options()}. */
    protected DuplicateGuard<F> guard() {
        return guard(options().build());
    }

    /** What the backend registers for {@code key} on this run's table. */
    protected F file(FileKey key) {
        return backend().file(table(), key);
    }

    /** How many rows of this run's table have the key's scope, hash and exact name. */
    protected long rows(FileKey key) {
        return table().rowsWith(database(), key);
    }

    /** Begins a caller's transaction, closed after the test if the test did not close it. */
    protected GuardBackend.CallerTransaction<F> begin(GuardOptions options, Isolation isolation) {
        GuardBackend.CallerTransaction<F> tx = backend().begin(database(), table(), options, isolation);
        cleanup.add(0, tx);
        return tx;
    }

    /** Whether this run's strategy is meant to keep duplicates out (every strategy but NO_LOCK). */
    protected final boolean guarded() {
        return strategy() != Strategy.NO_LOCK;
    }

    /** Whether a second registration of a key waits for the first one's open transaction. */
    protected final boolean secondRegistrationWaits() {
        return guarded() || table().hasUniqueConstraint();
    }

    /** The call's result, or the runtime exception it threw. */
    protected static Object outcomeOf(Supplier<?> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** Asserts that {@code call} is still running after {@link #BLOCKED}. */
    protected static void assertBlocked(Future<?> call) throws InterruptedException {
        Thread.sleep(BLOCKED.toMillis());
        assertThat(call.isDone()).as("the second registration waits for the first transaction").isFalse();
    }

    /** Waits (up to 60 s) at {@code barrier}; a broken or timed-out barrier fails the calling worker. */
    protected static void awaitQuietly(CyclicBarrier barrier) {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("race barrier broken", e);
        }
    }
}
