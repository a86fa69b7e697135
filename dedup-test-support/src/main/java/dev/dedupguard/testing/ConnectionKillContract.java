package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.internal.GuardFactory;
import dev.dedupguard.spi.StoredKey;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard's PostgreSQL connection is terminated ({@code pg_terminate_backend}) in the middle of a registration: while
 * it holds a stripe lock, and after its insert but before its commit. The caller gets a clear exception carrying the
 * key, nothing is half-stored, no lock is left behind, and the pool recovers. A backend's test class extends this and
 * names its {@link GuardBackend}.
 *
 * @param <F> the backend's registered type
 */
public abstract class ConnectionKillContract<F> {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final TestDatabase db = TestDatabase.POSTGRESQL;

    protected abstract GuardBackend<F> backend();

    @BeforeEach
    void clean() {
        TestTable.createAll(db);
        TestTable.clearAll(db);
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void connectionKilledWhileHoldingTheStripeLock() throws Exception {
        killMidRegistration(Strategy.SELECT_FOR_UPDATE, TestTable.HOST_UNCONSTRAINED, true);
    }

    @Test
    void connectionKilledAfterTheInsertBeforeTheCommit() throws Exception {
        killMidRegistration(Strategy.UNIQUE_CONSTRAINT, TestTable.HOST, false);
    }

    private void killMidRegistration(Strategy strategy, TestTable table, boolean afterLock) throws Exception {
        GuardOptions options = GuardOptions.builder().strategy(strategy).lockTimeout(Duration.ofSeconds(5)).build();
        DuplicateGuard<F> plain = backend().guard(db, table, options);
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        Runnable stop = () -> {
            paused.countDown();
            try {
                resume.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        DuplicateGuard<F> guard = GuardFactory.create(new DecoratedStorage<>(backend().storage(db, table, options),
                session -> new DecoratedStorage.Forwarding<>(session) {
                    /**
                     * Pauses after the check that follows the stripe lock: a session may send the lock together with
                     * that check (one round trip), so only then is the lock certainly held.
                     */
                    @Override
                    public OptionalLong find(StoredKey key) {
                        OptionalLong id = session.find(key);
                        if (afterLock) {
                            stop.run();
                        }
                        return id;
                    }

                    @Override
                    public OptionalLong insertIfAbsent(F file, StoredKey key) {
                        OptionalLong id = session.insertIfAbsent(file, key);
                        if (!afterLock) {
                            stop.run();
                        }
                        return id;
                    }
                }), options);
        FileKey key = Keys.key(7, 1);

        Future<Object> victim = pool.submit(() -> {
            try {
                return guard.register(backend().file(table, key));
            } catch (RuntimeException e) {
                return e;
            }
        });
        assertThat(paused.await(20, TimeUnit.SECONDS)).isTrue();
        long killed = db.queryLong("select count(pg_terminate_backend(pid)) from pg_stat_activity where state = "
                + "'idle in transaction' and pid <> pg_backend_pid() and datname = current_database()");
        assertThat(killed).as("backends terminated").isEqualTo(1);
        resume.countDown();

        Object outcome = victim.get(30, TimeUnit.SECONDS);
        assertThat(outcome).as("the caller gets a clear exception, not an answer")
                .isInstanceOf(DuplicateGuardException.class);
        assertThat(((DuplicateGuardException) outcome).key()).contains(key);
        assertThat(table.rowsWith(db, key)).as("nothing half-stored").isZero();

        long t0 = System.nanoTime();
        Registration<F> retry = plain.register(backend().file(table, key));
        assertThat(retry.isNew()).as("no lock left behind: the key stores at once").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        for (int i = 2; i < 22; i++) {
            assertThat(plain.register(backend().file(table, Keys.key(7, i))).isNew()).as("the pool recovered").isTrue();
        }
        assertThat(table.rowsWith(db, key)).isEqualTo(1);
    }
}
