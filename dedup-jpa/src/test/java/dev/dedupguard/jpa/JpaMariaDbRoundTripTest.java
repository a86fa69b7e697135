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

/**
 * SQL round trips per registration of a host entity on MariaDB, in own-transaction mode. The insert is Hibernate's
 * (the native insert is PostgreSQL's), so the session's lock timeout is read, set and put back around the work.
 */
class JpaMariaDbRoundTripTest {
    private static final TestDatabase DB = TestDatabase.MARIADB;
    private static final CountingDataSource COUNTING = new CountingDataSource(DB.dataSource());
    private static EntityManagerFactory emf;

    @BeforeAll
    static void start() {
        TestTable.createAll(DB);
        emf = new PersistenceConfiguration("dedup-roundtrips-mariadb").managedClass(CaseFile.class)
                .managedClass(LegacyCaseFile.class).property("hibernate.connection.datasource", COUNTING)
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
        TestTable.clearAll(DB);
    }

    /** These numbers are in the README's round-trip section. */
    @ParameterizedTest
    @EnumSource(Strategy.class)
    void roundTripsPerSingleRegistration(Strategy strategy) {
        List<List<String>> measured = strategy == Strategy.UNIQUE_CONSTRAINT
                ? measure(CaseFile.class, strategy) : measure(LegacyCaseFile.class, strategy);
        List<String> fresh = measured.get(0);
        List<String> duplicate = measured.get(1);
        System.out.printf("JPA MariaDB %s: new file %d round trips %s%nJPA MariaDB %s: duplicate %d round trips %s%n",
                strategy, fresh.size(), fresh, strategy, duplicate.size(), duplicate);
        // every registration: read, set and put back the session's lock timeout (3), and the commit
        switch (strategy) {
            case NO_LOCK -> {
                assertThat(fresh).hasSize(6);      // + find, insert
                assertThat(duplicate).hasSize(5);  // + find
            }
            case SELECT_FOR_UPDATE -> {
                assertThat(fresh).hasSize(8);      // + lock stripe, find, touch stripe, insert
                assertThat(duplicate).hasSize(6);  // + lock stripe, find
            }
            default -> {
                assertThat(fresh).hasSize(6);      // + lookup, insert
                assertThat(duplicate).hasSize(6);  // + lookup, find
            }
        }
        assertThat(fresh.get(0)).startsWith("select @@session.innodb_lock_wait_timeout");
    }

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
