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
 * SQL round trips per registration of a host entity on MariaDB, in own-transaction mode. The insert is the native
 * {@code INSERT ... RETURNING id}, which carries the lock timeout itself, as jOOQ's does: the session's timeout is never
 * read, set or put back.
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
        switch (strategy) {
            case NO_LOCK -> {
                assertThat(fresh).hasSize(3);      // find, insert, commit
                assertThat(duplicate).hasSize(1);  // find, an auto-commit statement
            }
            case SELECT_FOR_UPDATE -> {
                assertThat(fresh).hasSize(5);      // lock stripe, find, touch stripe, insert, commit
                assertThat(duplicate).hasSize(3);  // lock stripe, find, commit
            }
            default -> {
                assertThat(fresh).hasSize(1);      // insert, an auto-commit statement
                assertThat(duplicate).hasSize(2);  // insert (1062), then the lookup (auto-commit: a fresh snapshot)
            }
        }
        assertThat(fresh).noneMatch(sql -> sql.contains("@@session")).anyMatch(sql -> sql.startsWith(
                "set statement innodb_lock_wait_timeout=5, innodb_snapshot_isolation=OFF for insert"));
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
