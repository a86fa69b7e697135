package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.Strategy;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * More callers than connections: 16 threads share a pool of 2 and all their registrations complete (they queue, never
 * deadlock); with every connection taken, a registration fails with a clear exception within the pool's timeout
 * instead of hanging. A backend's test class extends this and names its {@link ProcessGuardFactory}.
 */
public abstract class PoolExhaustionContract {

    /** Builds the backend's guard on the test's small pool. */
    protected abstract ProcessGuardFactory factory();

    /** The database to run on: PostgreSQL unless overridden. */
    protected TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }

    @Test
    @SuppressWarnings("try") // the two connections are held, not used: they are what exhausts the pool
    void moreCallersThanConnectionsQueueAndAFullPoolFailsClearlyInsteadOfHanging() throws Exception {
        TestDatabase db = database();
        TestTable.createAll(db);
        TestTable.clearAll(db);
        TestTable table = TestTable.HOST_UNCONSTRAINED;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(1000);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try (HikariDataSource small = new HikariDataSource(config)) {
            ProcessGuardFactory factory = factory();
            DuplicateGuard<Object> guard = factory.guard(small, Strategy.SELECT_FOR_UPDATE, table);
            List<Future<Boolean>> calls = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                calls.add(pool.submit(() -> {
                    boolean allNew = true;
                    for (int i = 0; i < 20; i++) {
                        allNew &= guard.register(factory.file(table, Keys.key(100 + thread, i))).isNew();
                    }
                    return allNew;
                }));
            }
            for (Future<Boolean> f : calls) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(table.totalRows(db)).isEqualTo(16 * 20);

            try (Connection a = small.getConnection(); Connection b = small.getConnection()) {
                long t0 = System.nanoTime();
                Object outcome;
                try {
                    outcome = guard.register(factory.file(table, Keys.key(999, 1)));
                } catch (DuplicateGuardException e) {
                    outcome = e;
                }
                assertThat(outcome).isInstanceOf(DuplicateGuardException.class);
                assertThat((Throwable) outcome).hasMessageContaining("obtaining a connection");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            }
            assertThat(table.rowsWith(db, Keys.key(999, 1))).isZero();
        } finally {
            pool.shutdownNow();
        }
    }
}
