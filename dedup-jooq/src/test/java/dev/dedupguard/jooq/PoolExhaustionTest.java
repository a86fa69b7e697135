package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A pool with fewer connections than callers (killed connections: {@link JooqConnectionKillTest}). */
class PoolExhaustionTest {
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
