package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.spi.GuardFactory;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.testing.DecoratedStorage;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults a guard must survive: its connection killed mid-registration, and a pool with fewer connections than callers. */
class FaultInjectionTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final TestDatabase db = TestDatabase.POSTGRESQL;

    @BeforeEach
    void clean() {
        TestTable.createAll(db);
        TestTable.clearAll(db);
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Where a registration stops so that its backend can be terminated. */
    private enum Pause { AFTER_STRIPE_LOCK, AFTER_INSERT }

    @Test
    void connectionKilledWhileHoldingTheStripeLock() throws Exception {
        killMidRegistration(Strategy.SELECT_FOR_UPDATE, TestTable.HOST_UNCONSTRAINED, Pause.AFTER_STRIPE_LOCK);
    }

    @Test
    void connectionKilledAfterTheInsertBeforeTheCommit() throws Exception {
        killMidRegistration(Strategy.UNIQUE_CONSTRAINT, TestTable.HOST, Pause.AFTER_INSERT);
    }

    private void killMidRegistration(Strategy strategy, TestTable table, Pause pause) throws Exception {
        GuardOptions options = GuardOptions.builder().strategy(strategy).lockTimeout(Duration.ofSeconds(5)).build();
        JooqDuplicateGuard<Object> plain = JooqBackend.INSTANCE.build(db, table, options);
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
        DuplicateGuard<Object> guard = GuardFactory.create(new DecoratedStorage<>(plain.storage(),
                session -> new DecoratedStorage.Forwarding<>(session) {
                    @Override
                    public void lockStripes(int[] stripes) {
                        session.lockStripes(stripes);
                        if (pause == Pause.AFTER_STRIPE_LOCK) {
                            stop.run();
                        }
                    }

                    @Override
                    public OptionalLong insertIfAbsent(Object file, StoredKey key) {
                        OptionalLong id = session.insertIfAbsent(file, key);
                        if (pause == Pause.AFTER_INSERT) {
                            stop.run();
                        }
                        return id;
                    }
                }), options);
        FileKey key = Keys.key(7, 1);

        Future<Object> victim = pool.submit(() -> {
            try {
                return guard.register(JooqBackend.INSTANCE.file(table, key));
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
        assertThat(outcome).as("the caller gets a clear exception, not an answer").isInstanceOf(DuplicateGuardException.class);
        assertThat(((DuplicateGuardException) outcome).key()).contains(key);
        assertThat(table.rowsWith(db, key)).as("nothing half-stored").isZero();

        long t0 = System.nanoTime();
        Registration<Object> retry = plain.register(JooqBackend.INSTANCE.file(table, key));
        assertThat(retry.isNew()).as("no lock left behind: the key stores at once").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        for (int i = 2; i < 22; i++) {
            assertThat(plain.register(JooqBackend.INSTANCE.file(table, Keys.key(7, i))).isNew())
                    .as("the pool recovered").isTrue();
        }
        assertThat(table.rowsWith(db, key)).isEqualTo(1);
    }

    @Test
    void moreCallersThanConnectionsQueueAndAFullPoolFailsClearlyInsteadOfHanging() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(1000);
        try (HikariDataSource small = new HikariDataSource(config)) {
            DuplicateGuard<Record> guard = JooqDuplicateGuard.forHostTable(small, SQLDialect.POSTGRES,
                    JooqBackend.mapping(TestTable.HOST_UNCONSTRAINED)).strategy(Strategy.SELECT_FOR_UPDATE).build();
            List<Future<Boolean>> calls = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                calls.add(pool.submit(() -> {
                    boolean allNew = true;
                    for (int i = 0; i < 20; i++) {
                        allNew &= guard.register((Record) JooqBackend.INSTANCE.file(TestTable.HOST_UNCONSTRAINED,
                                Keys.key(100 + thread, i))).isNew();
                    }
                    return allNew;
                }));
            }
            for (Future<Boolean> f : calls) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(TestTable.HOST_UNCONSTRAINED.totalRows(db)).isEqualTo(16 * 20);

            try (var a = small.getConnection(); var b = small.getConnection()) {
                long t0 = System.nanoTime();
                Object outcome;
                try {
                    outcome = guard.register((Record) JooqBackend.INSTANCE.file(TestTable.HOST_UNCONSTRAINED,
                            Keys.key(999, 1)));
                } catch (DuplicateGuardException e) {
                    outcome = e;
                }
                assertThat(outcome).isInstanceOf(DuplicateGuardException.class);
                assertThat((Throwable) outcome).hasMessageContaining("obtaining a connection");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            }
        }
    }
}
