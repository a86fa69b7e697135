package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.RegistrationInterruptedException;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.CountingDataSource;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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

    /**
     * Without the native insert (H2 here), a batch of re-uploads is looked up once per 500 keys before any insert.
     * Before the fix each row was looked up on its own by its insert-if-absent: 2,000 statements for 2,000 files.
     */
    @Test
    void aBatchOfReuploadsWithoutTheNativeInsertIsLookedUpPerChunk() {
        TestDatabase h2 = TestDatabase.H2;
        TestTable.createAll(h2);
        TestTable.clearAll(h2);
        CountingDataSource counting = new CountingDataSource(h2.dataSource());
        EntityManagerFactory emf = new PersistenceConfiguration("dedup-reuploads").managedClass(DedupFile.class)
                .property("hibernate.connection.datasource", counting)
                .property("hibernate.cache.use_second_level_cache", "false")
                .property("hibernate.cache.region.factory_class", "org.hibernate.cache.internal.NoCachingRegionFactory")
                .createEntityManagerFactory();
        try {
            JpaDuplicateGuard<FileKey> guard = JpaDuplicateGuard.forLibraryEntity(emf)
                    .strategy(Strategy.UNIQUE_CONSTRAINT).batchChunkSize(1_000).build();
            List<FileKey> keys = Keys.keys(98, 2_000);
            assertThat(guard.registerAll(keys)).allMatch(Registration::isNew);

            counting.reset();
            assertThat(guard.registerAll(keys)).noneMatch(Registration::isNew);
            List<String> roundTrips = counting.roundTrips();
            assertThat(counting.count("insert")).as("every key was found, so no insert was tried").isZero();
            assertThat(roundTrips.stream().filter(sql -> sql.contains("from dedup_file")))
                    .as("500 keys per lookup: before the inserts, and the algorithm's lookup of the conflicts")
                    .hasSize(8);
            assertThat(roundTrips.size()).as("round trips, whatever the number of files: %s", roundTrips)
                    .isLessThanOrEqualTo(16);
            assertThat(TestTable.LIBRARY.totalRows(h2)).isEqualTo(2_000);
        } finally {
            emf.close();
        }
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
