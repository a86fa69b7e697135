package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.CountingDataSource;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SQL round trips per registration of a host entity on PostgreSQL, in own-transaction mode. */
class JpaRoundTripTest {
    private static final CountingDataSource COUNTING = new CountingDataSource(TestDatabase.POSTGRESQL.dataSource());
    private static EntityManagerFactory emf;

    @BeforeAll
    static void start() {
        TestTable.createAll(TestDatabase.POSTGRESQL);
        emf = new PersistenceConfiguration("dedup-roundtrips").managedClass(CaseFile.class)
                .managedClass(LegacyCaseFile.class).property("hibernate.connection.datasource", COUNTING)
                // no second-level cache: Hibernate would otherwise pick up JCache from the classpath and, on close,
                // close the JVM-wide default CacheManager that the other tests' factory uses
                .property("hibernate.cache.use_second_level_cache", "false")
                .property("hibernate.cache.region.factory_class", "org.hibernate.cache.internal.NoCachingRegionFactory")
                .createEntityManagerFactory();
    }

    @AfterAll
    static void stop() {
        emf.close();
    }

    @BeforeEach
    void clean() {
        TestTable.clearAll(TestDatabase.POSTGRESQL);
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void roundTripsPerSingleRegistration(Strategy strategy) {
        List<List<String>> measured = strategy == Strategy.UNIQUE_CONSTRAINT
                ? measure(CaseFile.class, strategy) : measure(LegacyCaseFile.class, strategy);
        List<String> fresh = measured.get(0);
        List<String> duplicate = measured.get(1);
        System.out.printf("JPA %s: new file %d round trips %s%nJPA %s: duplicate %d round trips %s%n", strategy,
                fresh.size(), fresh, strategy, duplicate.size(), duplicate);

        switch (strategy) {
            case NO_LOCK -> {
                assertThat(fresh).hasSize(4);      // set lock timeout, find, insert, commit
                assertThat(duplicate).hasSize(3);  // set lock timeout, find, commit
            }
            case SELECT_FOR_UPDATE -> {
                assertThat(fresh).hasSize(5);      // set lock timeout, [lock stripe; find], touch stripe, insert, commit
                assertThat(duplicate).hasSize(3);  // set lock timeout, [lock stripe; find], commit
            }
            default -> {
                // set lock timeout, find, SAVEPOINT, insert, RELEASE, commit: the savepoint keeps a unique violation
                // from aborting the transaction, since Hibernate's insert has no ON CONFLICT clause
                assertThat(fresh).hasSize(6);
                // set lock timeout, find (present: no insert attempted), find, commit
                assertThat(duplicate).hasSize(4);
            }
        }
    }

    /** Round trips of registering a new file, then the same file again. */
    private static <E extends CaseFileColumns> List<List<String>> measure(Class<E> type, Strategy strategy) {
        JpaDuplicateGuard<E> guard = JpaDuplicateGuard.forHostEntity(emf, JpaBackend.mapping(type)).strategy(strategy)
                .build();
        FileKey key = Keys.key(5, 1);
        COUNTING.reset();
        guard.register(entity(type, key));
        List<String> fresh = COUNTING.roundTrips();
        COUNTING.reset();
        guard.register(entity(type, key));
        return List.of(fresh, COUNTING.roundTrips());
    }

    @SuppressWarnings("unchecked")
    private static <E extends CaseFileColumns> E entity(Class<E> type, FileKey key) {
        long caseId = Long.parseLong(key.scope());
        return (E) (type == CaseFile.class
                ? new CaseFile(caseId, key.contentHash(), key.fileName(), "a", 1)
                : new LegacyCaseFile(caseId, key.contentHash(), key.fileName(), "a", 1));
    }
}
