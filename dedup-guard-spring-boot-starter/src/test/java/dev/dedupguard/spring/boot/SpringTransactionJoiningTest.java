package dev.dedupguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.Registration;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import dev.dedupguard.spring.boot.jpa.AuditEntry;
import dev.dedupguard.spring.boot.jpa.CaseFileEntity;
import dev.dedupguard.spring.boot.jpa.JpaTestApplication;
import dev.dedupguard.testing.TestDatabase;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jooq.autoconfigure.JooqAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The guard bean inside and outside Spring-managed transactions on real PostgreSQL: joined calls commit and roll back
 * with the caller's work and leave its transaction usable after a duplicate; calls outside commit at once.
 */
class SpringTransactionJoiningTest {
    private static final String HASH = "cd".repeat(32);
    private static final AtomicLong CASES = new AtomicLong(ThreadLocalRandom.current().nextLong(1, 1L << 40));
    private static final String[] HOST_TABLE = {"dedup-guard.host.table=sb_case_file", "dedup-guard.host.scope=case_id",
        "dedup-guard.host.scope-type=java.lang.Long", "dedup-guard.host.content-hash=file_hash",
        "dedup-guard.host.file-name=original_filename"};
    private static final String[] HOST_ENTITY = {"dedup-guard.host.entity=" + CaseFileEntity.class.getName(),
        "dedup-guard.host.scope=caseId", "dedup-guard.host.content-hash=fileHash",
        "dedup-guard.host.file-name=originalFilename"};

    private static JdbcTemplate outside;

    /** The shared pool, not closed by the contexts (a DelegatingDataSource is not AutoCloseable). */
    private static DataSource postgres() {
        return new DelegatingDataSource(TestDatabase.POSTGRESQL.dataSource());
    }

    @BeforeAll
    static void tables() {
        outside = new JdbcTemplate(TestDatabase.POSTGRESQL.dataSource());
        outside.execute("create table if not exists sb_case_file (id bigserial primary key, case_id bigint not null, "
                + "file_hash char(64) not null, original_filename text not null, "
                + "constraint ck_sb_case_file_hash_lower check (file_hash = lower(file_hash)), "
                + "constraint uq_sb_case_file unique (case_id, file_hash, original_filename))");
        outside.execute("create table if not exists sb_audit (id bigserial primary key, note text not null)");
    }

    private final ApplicationContextRunner jdbcAndJooq = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceTransactionManagerAutoConfiguration.class,
                    JooqAutoConfiguration.class, DedupGuardAutoConfiguration.class))
            .withBean(DataSource.class, SpringTransactionJoiningTest::postgres)
            .withPropertyValues(HOST_TABLE);

    private final ApplicationContextRunner jpa = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HibernateJpaAutoConfiguration.class,
                    DedupGuardAutoConfiguration.class))
            .withUserConfiguration(JpaTestApplication.class)
            .withBean(DataSource.class, SpringTransactionJoiningTest::postgres)
            .withPropertyValues("spring.jpa.hibernate.ddl-auto=none");

    private static long rows(long caseId) {
        return outside.queryForObject("select count(*) from sb_case_file where case_id = ?", Long.class, caseId);
    }

    private static long audits(String note) {
        return outside.queryForObject("select count(*) from sb_audit where note = ?", Long.class, note);
    }

    private static Record caseFile(ApplicationContext context, long caseId, String name) {
        Record r = DSL.using(org.jooq.SQLDialect.POSTGRES).newRecord(DSL.field(DSL.name("case_id"), Long.class),
                DSL.field(DSL.name("file_hash"), String.class), DSL.field(DSL.name("original_filename"), String.class));
        r.set(DSL.field(DSL.name("case_id"), Long.class), caseId);
        r.set(DSL.field(DSL.name("file_hash"), String.class), HASH);
        r.set(DSL.field(DSL.name("original_filename"), String.class), name);
        return r;
    }

    @Test
    void jooqBackendJoinsADataSourceTransactionManagerTransaction() {
        jdbcAndJooq.run(context -> {
            @SuppressWarnings("unchecked")
            SpringDuplicateGuard<Record> guard = context.getBean(SpringDuplicateGuard.class);
            assertThat(guard.ownTransactions()).isInstanceOf(JooqDuplicateGuard.class);
            PlatformTransactionManager tm = context.getBean(PlatformTransactionManager.class);
            assertThat(tm).isInstanceOf(DataSourceTransactionManager.class);
            JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
            assertJoinsAndOwns(guard, tm, (note) -> jdbc.update("insert into sb_audit (note) values (?)", note),
                    caseId -> jdbc.queryForObject("select count(*) from sb_case_file where case_id = ?", Long.class,
                            caseId), (caseId, name) -> caseFile(context, caseId, name));
        });
    }

    @Test
    void jooqBackendJoinsJooqsSpringTransactions() {
        jdbcAndJooq.run(context -> {
            @SuppressWarnings("unchecked")
            SpringDuplicateGuard<Record> guard = context.getBean(SpringDuplicateGuard.class);
            DSLContext dsl = context.getBean(DSLContext.class);
            long caseId = CASES.incrementAndGet();
            String note = "jooq-" + caseId;

            assertThatThrownBy(() -> dsl.transaction(cfg -> {
                cfg.dsl().execute("insert into sb_audit (note) values (?)", note);
                assertThat(SpringDuplicateGuard.joinsNow()).isTrue();
                assertThat(guard.register(caseFile(context, caseId, "a.evtx")).isNew()).isTrue();
                throw new IllegalStateException("processing failed");
            })).hasMessage("processing failed");
            assertThat(rows(caseId)).isZero();
            assertThat(audits(note)).isZero();

            long firstId = dsl.transactionResult(cfg -> guard.register(caseFile(context, caseId, "a.evtx")).id());
            Registration<Record> dup = dsl.transactionResult(cfg -> {
                cfg.dsl().execute("insert into sb_audit (note) values (?)", note);
                Registration<Record> r = guard.register(caseFile(context, caseId, "a.evtx"));
                cfg.dsl().execute("insert into sb_audit (note) values (?)", note);
                return r;
            });
            assertThat(dup.isNew()).isFalse();
            assertThat(dup.id()).isEqualTo(firstId);
            assertThat(audits(note)).as("the transaction went on after the duplicate").isEqualTo(2);
            assertThat(rows(caseId)).isEqualTo(1);
        });
    }

    @Test
    void jpaBackendJoinsAJpaTransactionManagerTransaction() {
        jpa.withPropertyValues(HOST_ENTITY).run(context -> {
            @SuppressWarnings("unchecked")
            SpringDuplicateGuard<CaseFileEntity> guard = context.getBean(SpringDuplicateGuard.class);
            assertThat(guard.ownTransactions()).isInstanceOf(JpaDuplicateGuard.class);
            PlatformTransactionManager tm = context.getBean(PlatformTransactionManager.class);
            assertThat(tm).isInstanceOf(JpaTransactionManager.class);
            EntityManager em = SharedEntityManagerCreator.createSharedEntityManager(
                    context.getBean(EntityManagerFactory.class));
            assertJoinsAndOwns(guard, tm, note -> {
                em.persist(new AuditEntry(note));
                em.flush();
            }, caseId -> (Long) em.createNativeQuery("select count(*) from sb_case_file where case_id = ?1")
                    .setParameter(1, caseId).getSingleResult(),
                    (caseId, name) -> new CaseFileEntity(caseId, HASH, name));
        });
    }

    @Test
    void jooqBackendJoinsAJpaTransactionManagerTransaction() {
        jpa.withPropertyValues(HOST_TABLE).withPropertyValues("dedup-guard.backend=jooq").run(context -> {
            @SuppressWarnings("unchecked")
            SpringDuplicateGuard<Record> guard = context.getBean(SpringDuplicateGuard.class);
            assertThat(guard.ownTransactions()).isInstanceOf(JooqDuplicateGuard.class);
            PlatformTransactionManager tm = context.getBean(PlatformTransactionManager.class);
            assertThat(tm).isInstanceOf(JpaTransactionManager.class);
            EntityManager em = SharedEntityManagerCreator.createSharedEntityManager(
                    context.getBean(EntityManagerFactory.class));
            assertJoinsAndOwns(guard, tm, note -> {
                em.persist(new AuditEntry(note));
                em.flush();
            }, caseId -> (Long) em.createNativeQuery("select count(*) from sb_case_file where case_id = ?1")
                    .setParameter(1, caseId).getSingleResult(), (caseId, name) -> caseFile(context, caseId, name));
        });
    }

    interface Work {
        void audit(String note);
    }

    interface Count {
        long rows(long caseId);
    }

    interface Files<F> {
        F of(long caseId, String name);
    }

    /**
     * Inside a transaction: same connection, commit, rollback of the caller's work, a duplicate beside other work.
     * Outside: committed at once. Then 8 threads in 8 transactions race for one file.
     */
    private static <F> void assertJoinsAndOwns(SpringDuplicateGuard<F> guard, PlatformTransactionManager tm,
            Work work, Count inTransaction, Files<F> files) throws Exception {
        TransactionTemplate tx = new TransactionTemplate(tm);
        long caseId = CASES.incrementAndGet();
        String note = "note-" + caseId;

        Registration<F> first = tx.execute(s -> {
            work.audit(note);
            Registration<F> r = guard.register(files.of(caseId, "a.evtx"));
            assertThat(inTransaction.rows(caseId)).as("visible on the transaction's connection").isEqualTo(1);
            assertThat(rows(caseId)).as("invisible elsewhere before commit").isZero();
            return r;
        });
        assertThat(first.isNew()).isTrue();
        assertThat(rows(caseId)).isEqualTo(1);

        String rolledBack = note + "-rb";
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> {
            work.audit(rolledBack);
            assertThat(guard.register(files.of(caseId, "b.evtx")).isNew()).isTrue();
            throw new IllegalStateException("processing failed");
        })).hasMessage("processing failed");
        assertThat(rows(caseId)).as("the registration rolled back with the caller").isEqualTo(1);
        assertThat(audits(rolledBack)).isZero();

        String beside = note + "-dup";
        Registration<F> dup = tx.execute(s -> {
            work.audit(beside);
            Registration<F> r = guard.register(files.of(caseId, "a.evtx"));
            work.audit(beside);
            return r;
        });
        assertThat(dup.isNew()).isFalse();
        assertThat(dup.id()).isEqualTo(first.id());
        assertThat(audits(beside)).as("the caller's work around the duplicate committed").isEqualTo(2);

        assertThat(SpringDuplicateGuard.joinsNow()).isFalse();
        assertThat(guard.register(files.of(caseId, "c.evtx")).isNew()).isTrue();
        assertThat(rows(caseId)).as("own transaction committed before returning").isEqualTo(2);

        long raceCase = CASES.incrementAndGet();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier barrier = new CyclicBarrier(threads);
            List<Future<Registration<F>>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> tx.execute(s -> {
                    try {
                        barrier.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return guard.register(files.of(raceCase, "raced.evtx"));
                })));
            }
            List<Registration<F>> done = new ArrayList<>();
            for (Future<Registration<F>> f : results) {
                done.add(f.get(30, TimeUnit.SECONDS));
            }
            assertThat(done).filteredOn(Registration::isNew).hasSize(1);
            assertThat(done).extracting(Registration::id).containsOnly(done.get(0).id());
            assertThat(rows(raceCase)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
