package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The pattern of a Spring {@code @Transactional} service: the shared EntityManager proxy, a JpaTransactionManager, and
 * one joined guard created once and used in every transaction (the proxy resolves the current transaction's manager).
 */
class SpringTransactionalTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @BeforeEach
    void clean() {
        JpaBackend.INSTANCE.emf(TestDatabase.POSTGRESQL);
        JpaBackend.INSTANCE.emf(TestDatabase.H2);
        JpaBackend.INSTANCE.emf(TestDatabase.MARIADB);
        TestTable.clearAll(TestDatabase.POSTGRESQL);
        TestTable.clearAll(TestDatabase.H2);
        TestTable.clearAll(TestDatabase.MARIADB);
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static CaseFile caseFile(FileKey key) {
        return new CaseFile(Long.parseLong(key.scope()), key.contentHash(), key.fileName(), "svc", 1);
    }

    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"UNIQUE_CONSTRAINT", "SELECT_FOR_UPDATE"})
    void aTransactionalServiceCommitsRollsBackAndRacesCorrectly(Strategy strategy) throws Exception {
        // on MariaDB Spring's transactions run at REPEATABLE READ: a race loser on UNIQUE_CONSTRAINT, whose lookup
        // before the insert fixed its snapshot, finds the winner's row by a locking re-read after the duplicate-key error
        for (TestDatabase db : List.of(TestDatabase.POSTGRESQL, TestDatabase.H2, TestDatabase.MARIADB)) {
            TestTable.clearAll(db);
            EntityManagerFactory emf = JpaBackend.INSTANCE.emf(db);
            TransactionTemplate tx = new TransactionTemplate(new JpaTransactionManager(emf));
            EntityManager shared = SharedEntityManagerCreator.createSharedEntityManager(emf);
            DuplicateGuard<CaseFile> guard = JpaDuplicateGuard.forHostEntity(emf, JpaBackend.mapping(CaseFile.class))
                    .strategy(strategy).build().joining(shared);

            FileKey committed = Keys.key(3, 1);
            Registration<CaseFile> first = tx.execute(s -> {
                shared.persist(new HostAudit("ingest started"));
                return guard.register(caseFile(committed));
            });
            assertThat(first.isNew()).isTrue();

            FileKey rolledBack = Keys.key(3, 2);
            assertThatThrownBy(() -> tx.executeWithoutResult(s -> {
                assertThat(guard.register(caseFile(rolledBack)).isNew()).isTrue();
                throw new IllegalStateException("processing failed");
            })).hasMessage("processing failed");
            assertThat(TestTable.HOST.rowsWith(db, rolledBack)).as("rolled back with the service").isZero();

            Registration<CaseFile> dup = tx.execute(s -> {
                Registration<CaseFile> r = guard.register(caseFile(committed));
                shared.persist(new HostAudit("duplicate skipped"));
                return r;
            });
            assertThat(dup.isNew()).isFalse();
            assertThat(dup.id()).isEqualTo(first.id());
            assertThat(db.queryLong("select count(*) from host_audit")).isEqualTo(2);

            FileKey raced = Keys.key(3, 3);
            CyclicBarrier barrier = new CyclicBarrier(8);
            List<Future<Registration<CaseFile>>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    return tx.execute(s -> guard.register(caseFile(raced)));
                }));
            }
            long winners = 0;
            for (Future<Registration<CaseFile>> f : futures) {
                winners += f.get(60, TimeUnit.SECONDS).isNew() ? 1 : 0;
            }
            assertThat(winners).as("%s on %s", strategy, db).isEqualTo(1);
            for (Future<Registration<CaseFile>> f : futures) {
                assertThat(f.get().id()).as("every loser gets the winner's id").isEqualTo(futures.get(0).get().id());
            }
            assertThat(TestTable.HOST.rowsWith(db, raced)).isEqualTo(1);

            assertThatThrownBy(() -> guard.register(caseFile(Keys.key(3, 4))))
                    .as("outside any transaction").isInstanceOf(IllegalStateException.class);
        }
    }
}
