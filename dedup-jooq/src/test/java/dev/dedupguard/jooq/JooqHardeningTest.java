package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.RegistrationInterruptedException;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Defects an adopter found (issue 9): each test failed before its fix. */
class JooqHardeningTest {

    @BeforeEach
    void tables() {
        for (TestDatabase db : TestDatabase.values()) {
            TestTable.createAll(db);
            TestTable.clearAll(db);
        }
    }

    static HikariDataSource singleConnectionPool(TestDatabase db) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        config.setMaximumPoolSize(1);
        return new HikariDataSource(config);
    }

    @ParameterizedTest
    @CsvSource({"POSTGRESQL, SELECT_FOR_UPDATE", "POSTGRESQL, UNIQUE_CONSTRAINT", "H2, SELECT_FOR_UPDATE",
                "H2, UNIQUE_CONSTRAINT"})
    void aBlockedRegistrationGivesUpWhenItsThreadIsInterrupted(TestDatabase db, Strategy strategy) throws Exception {
        FileKey key = Keys.key(91, 1);
        try (HikariDataSource pool = singleConnectionPool(db);
             Connection holder = db.dataSource().getConnection()) {
            JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(pool, JooqBackend.dialect(db))
                    .strategy(strategy).lockTimeout(Duration.ofSeconds(20)).build();
            holder.setAutoCommit(false);
            assertThat(guard.joining(DSL.using(holder, JooqBackend.dialect(db))).register(key).isNew()).isTrue();

            AtomicReference<Thread> waiter = new AtomicReference<>();
            AtomicBoolean flagKept = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Registration<FileKey>> call = CompletableFuture.supplyAsync(() -> {
                waiter.set(Thread.currentThread());
                started.countDown();
                try {
                    return guard.register(key);
                } finally {
                    flagKept.set(Thread.interrupted());
                }
            }, r -> new Thread(r, "interrupted-uploader").start());
            started.await();
            Thread.sleep(500);
            assertThat(call).as("waits behind the holder").isNotDone();
            long interruptedAt = System.nanoTime();
            waiter.get().interrupt();
            Throwable failure;
            try {
                call.get(3, TimeUnit.SECONDS);
                failure = null;
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
            } finally {
                holder.rollback();
            }
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - interruptedAt);
            assertThat(waitedMillis).as("gave up soon after the interrupt").isLessThan(2000);
            assertThat(failure).isInstanceOf(RegistrationInterruptedException.class)
                    .hasMessageContaining("interrupted");
            assertThat(flagKept).as("interrupt flag restored").isTrue();
            assertThat(TestTable.LIBRARY.rowsWith(db, key)).as("nothing stored").isZero();
            assertThat(guard.register(Keys.key(91, 2)).isNew()).as("the pooled connection still works").isTrue();
            assertThat(guard.register(key).isNew()).isTrue();
        }
    }
}
