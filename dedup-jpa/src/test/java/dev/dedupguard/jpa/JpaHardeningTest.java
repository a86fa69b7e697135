package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.RegistrationInterruptedException;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Defects an adopter found (issue 9), on the JPA backend: each test failed before its fix. */
class JpaHardeningTest {
    private static final TestDatabase PG = TestDatabase.POSTGRESQL;

    @BeforeEach
    void tables() {
        JpaBackend.INSTANCE.emf(PG);
        TestTable.clearAll(PG);
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void theLargestAcceptedChunkSizeWorksWhenTheChunkHoldsExistingKeys(Strategy strategy) {
        PG.execute("insert into dedup_file (scope, content_hash, file_name, name_key) select '95', "
                + "encode(sha256(convert_to('content-' || i, 'UTF8')), 'hex'), 'server' || i || '_Security.evtx', "
                + "encode(sha256(convert_to('server' || i || '_Security.evtx', 'UTF8')), 'hex') "
                + "from generate_series(0, 9989) i");
        JpaDuplicateGuard<FileKey> guard = JpaDuplicateGuard.forLibraryEntity(JpaBackend.INSTANCE.emf(PG))
                .strategy(strategy).batchChunkSize(10_000).build();
        List<Registration<FileKey>> results = guard.registerAll(Keys.keys(95, 10_000));
        assertThat(results.subList(0, 9_990)).noneMatch(Registration::isNew);
        assertThat(results.subList(9_990, 10_000)).allMatch(Registration::isNew);
        assertThat(TestTable.LIBRARY.totalRows(PG)).isEqualTo(10_000);
    }

    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"SELECT_FOR_UPDATE", "UNIQUE_CONSTRAINT"})
    void aBlockedRegistrationGivesUpWhenItsThreadIsInterrupted(Strategy strategy) throws Exception {
        FileKey key = Keys.key(96, 1);
        JpaDuplicateGuard<FileKey> guard = JpaDuplicateGuard.forLibraryEntity(JpaBackend.INSTANCE.emf(PG))
                .strategy(strategy).lockTimeout(Duration.ofSeconds(20)).build();
        EntityManager holder = JpaBackend.INSTANCE.emf(PG).createEntityManager();
        try {
            holder.getTransaction().begin();
            assertThat(guard.joining(holder).register(key).isNew()).isTrue();
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
            Throwable failure = null;
            try {
                call.get(3, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failure = e.getCause();
            } finally {
                holder.getTransaction().rollback();
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - interruptedAt)).isLessThan(2000);
            assertThat(failure).isInstanceOf(RegistrationInterruptedException.class);
            assertThat(flagKept).as("interrupt flag restored").isTrue();
            assertThat(guard.register(key).isNew()).as("nothing was stored; connections still work").isTrue();
        } finally {
            holder.close();
        }
    }
}
