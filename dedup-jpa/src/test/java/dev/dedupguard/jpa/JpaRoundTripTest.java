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

        // the native insert carries the lock timeout in its own round trip (a two-statement prepared statement) when
        // it is the transaction's first statement that can wait; a stripe lock carries it in its own SQL
        switch (strategy) {
            case NO_LOCK -> {
                assertThat(fresh).hasSize(3);      // find, [set lock timeout; insert], commit
                assertThat(duplicate).hasSize(1);  // find, as an implicit transaction
            }
            case SELECT_FOR_UPDATE -> {
                // [lock stripe (+ timeout); find, else insert + touch stripe]: one implicit transaction
                assertThat(fresh).hasSize(1);
                assertThat(duplicate).hasSize(1);  // [lock stripe (+ timeout); find]
            }
            default -> {
                // [set lock timeout; INSERT ... ON CONFLICT DO NOTHING]: one implicit transaction that the server
                // commits (the entity has no @PostPersist callback to run inside it)
                assertThat(fresh).hasSize(1);
                assertThat(fresh.get(0)).contains("on conflict").doesNotContain("savepoint");
                // the same insert, which stores nothing, then the lookup of the existing row
                assertThat(duplicate).hasSize(2);
                assertThat(duplicate.get(0)).contains("on conflict").doesNotContain("not exists");
                assertThat(duplicate.get(1)).startsWith("select");
            }
        }
    }

    @org.junit.jupiter.api.Test
    void registerAllSendsOneStatementPerChunk() {
        JpaDuplicateGuard<CaseFile> guard = JpaDuplicateGuard.forHostEntity(emf, JpaBackend.mapping(CaseFile.class))
                .build();
        List<CaseFile> files = Keys.keys(6, 1000).stream().map(k -> entity(CaseFile.class, k)).toList();
        COUNTING.reset();
        assertThat(guard.registerAll(files)).allMatch(dev.dedupguard.Registration::isNew);
        List<String> trips = COUNTING.roundTrips();
        System.out.printf("JPA registerAll(1000): %d round trips%n", trips.size());
        // per chunk of 500: set lock timeout + INSERT ... VALUES (500 rows) ON CONFLICT DO NOTHING, commit
        assertThat(trips).hasSize(4);
        assertThat(COUNTING.count("COMMIT")).isEqualTo(2);
        assertThat(trips.stream().filter(t -> t.contains("on conflict"))).hasSize(2);
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
