package dev.dedupguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.jayway.jsonpath.JsonPath;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardListener;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Isolation;
import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.Registration;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import dev.dedupguard.spring.boot.jpa.CaseFileEntity;
import dev.dedupguard.spring.boot.jpa.JpaTestApplication;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/** The auto-configuration in {@link ApplicationContextRunner}s on in-memory H2. */
class DedupGuardAutoConfigurationTest {
    private static final String HASH = "ab".repeat(32);

    private final ApplicationContextRunner jooq = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class, DedupGuardAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                    "spring.datasource.username=sa", "dedup-guard.create-schema=true");

    @SuppressWarnings("unchecked")
    static <F> SpringDuplicateGuard<F> guard(org.springframework.context.ApplicationContext context) {
        return context.getBean(SpringDuplicateGuard.class);
    }

    private static FileKey key(String name) {
        return FileKey.of("case-1", HASH, name);
    }

    /** JPA and the starter on a fresh in-memory H2, registering the test's {@link CaseFileEntity}. */
    static ApplicationContextRunner jpaOnHostEntity() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        HibernateJpaAutoConfiguration.class, DedupGuardAutoConfiguration.class))
                .withUserConfiguration(JpaTestApplication.class)
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                        "spring.datasource.username=sa", "spring.jpa.hibernate.ddl-auto=create-drop",
                        "dedup-guard.host.entity=" + CaseFileEntity.class.getName(), "dedup-guard.host.scope=caseId",
                        "dedup-guard.host.content-hash=fileHash", "dedup-guard.host.file-name=originalFilename");
    }

    @Test
    void jooqBackendGivesOneGuardThatRegistersAndAnswersDuplicates() {
        jooq.run(context -> {
            assertThat(context).hasSingleBean(DuplicateGuard.class).hasSingleBean(SpringDuplicateGuard.class);
            SpringDuplicateGuard<FileKey> guard = guard(context);
            assertThat(guard.ownTransactions()).isInstanceOf(JooqDuplicateGuard.class);

            Registration<FileKey> first = guard.register(key("a.evtx"));
            Registration<FileKey> second = guard.register(key("a.evtx"));

            assertThat(first.isNew()).isTrue();
            assertThat(second.isNew()).isFalse();
            assertThat(second.id()).isEqualTo(first.id());
            assertThat(new JdbcTemplate(context.getBean(DataSource.class))
                    .queryForObject("select count(*) from dedup_file", Long.class)).isEqualTo(1);
        });
    }

    @Test
    void jpaBackendGivesOneGuardOnTheHostEntity() {
        jpaOnHostEntity()
                .run(context -> {
                    assertThat(context).hasSingleBean(DuplicateGuard.class);
                    SpringDuplicateGuard<CaseFileEntity> guard = guard(context);
                    assertThat(guard.ownTransactions()).isInstanceOf(JpaDuplicateGuard.class);

                    Registration<CaseFileEntity> first = guard.register(new CaseFileEntity(7, HASH, "a.evtx"));
                    Registration<CaseFileEntity> second = guard.register(new CaseFileEntity(7, HASH, "a.evtx"));

                    assertThat(first.isNew()).isTrue();
                    assertThat(second.isNew()).isFalse();
                    assertThat(second.id()).isEqualTo(first.id());
                });
    }

    @Test
    void theBackendPropertyPicksJooqBesideJpa() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        HibernateJpaAutoConfiguration.class, DedupGuardAutoConfiguration.class))
                .withUserConfiguration(JpaTestApplication.class)
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                        "spring.datasource.username=sa", "dedup-guard.create-schema=true", "dedup-guard.backend=jooq")
                .run(context -> assertThat(context.getBean(SpringDuplicateGuard.class).ownTransactions())
                        .isInstanceOf(JooqDuplicateGuard.class));
    }

    /** The host table comes from schema.sql: the guard, which checks it when built, waits for the script. */
    @Test
    void theGuardIsBuiltAfterTheApplicationsSchemaScript() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceInitializationAutoConfiguration.class, DedupGuardAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                        "spring.datasource.username=sa", "spring.sql.init.mode=always",
                        "spring.sql.init.schema-locations=classpath:sql/init-case-file.sql",
                        "dedup-guard.host.table=init_case_file", "dedup-guard.host.scope=case_id",
                        "dedup-guard.host.scope-type=java.lang.Long", "dedup-guard.host.content-hash=file_hash",
                        "dedup-guard.host.file-name=original_filename")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(SpringDuplicateGuard.class);
                    assertThat(new JdbcTemplate(context.getBean(DataSource.class))
                            .queryForObject("select count(*) from init_case_file", Long.class)).isZero();
                });
    }

    @Test
    void noDataSourceNoGuard() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DedupGuardAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(DuplicateGuard.class);
                });
    }

    @Test
    void twoDataSourcesWithoutAPrimaryNoGuard() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DedupGuardAutoConfiguration.class))
                .withBean("one", DataSource.class, () -> h2("one"))
                .withBean("two", DataSource.class, () -> h2("two"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(DuplicateGuard.class));
    }

    @Test
    void withoutABackendOnTheClasspathNoGuard() {
        jooq.withClassLoader(new FilteredClassLoader(JooqDuplicateGuard.class, JpaDuplicateGuard.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(DuplicateGuard.class));
    }

    @Test
    void backsOffWhenTheApplicationDefinesAGuard() {
        jooq.withBean("myGuard", DuplicateGuard.class, () -> JooqDuplicateGuard
                        .forLibraryTable(h2("mine"), org.jooq.SQLDialect.H2).createSchemaIfMissing(true).build())
                .run(context -> {
                    assertThat(context).hasSingleBean(DuplicateGuard.class).doesNotHaveBean(SpringDuplicateGuard.class);
                    assertThat(context).getBean("myGuard").isInstanceOf(JooqDuplicateGuard.class);
                });
    }

    @Test
    void propertiesBindToTheGuardsSettings() {
        jooq.withPropertyValues("dedup-guard.strategy=select-for-update", "dedup-guard.lock-timeout=2s",
                        "dedup-guard.isolation=repeatable-read", "dedup-guard.max-attempts=3",
                        "dedup-guard.lock-stripes=64", "dedup-guard.name-policy=nfc-case-insensitive",
                        "dedup-guard.table-name=sb_files", "dedup-guard.stripe-table-name=sb_stripes")
                .run(context -> {
                    @SuppressWarnings("unchecked")
                    JooqDuplicateGuard<FileKey> own = (JooqDuplicateGuard<FileKey>) context
                            .getBean(SpringDuplicateGuard.class).ownTransactions();
                    GuardOptions o = own.options();
                    assertThat(o.strategy()).isEqualTo(Strategy.SELECT_FOR_UPDATE);
                    assertThat(o.lockTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(o.isolation()).isEqualTo(Isolation.REPEATABLE_READ);
                    assertThat(o.maxAttempts()).isEqualTo(3);
                    assertThat(o.lockStripes()).isEqualTo(64);
                    assertThat(o.namePolicy()).isEqualTo(NamePolicy.NFC_CASE_INSENSITIVE);
                    assertThat(o.backend()).isEqualTo("jooq");
                    JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
                    assertThat(jdbc.queryForObject("select count(*) from sb_stripes", Long.class)).isEqualTo(64);
                    own.register(key("Report.PDF"));
                    assertThat(own.register(key("report.pdf")).isNew()).as("NFC_CASE_INSENSITIVE").isFalse();
                    assertThat(jdbc.queryForObject("select count(*) from sb_files", Long.class)).isEqualTo(1);
                });
    }

    @Test
    void theMetadataFileDescribesEveryProperty() throws Exception {
        String metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated by spring-boot-configuration-processor").isNotNull();
            metadata = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        List<Map<String, Object>> properties = JsonPath.read(metadata, "$.properties[*]");
        Map<String, Map<String, Object>> byName = new java.util.HashMap<>();
        properties.forEach(p -> byName.put((String) p.get("name"), p));

        List<String> expected = new ArrayList<>();
        for (RecordComponent c : DedupGuardProperties.class.getRecordComponents()) {
            if (c.getType().isRecord()) {
                for (RecordComponent h : c.getType().getRecordComponents()) {
                    expected.add("dedup-guard." + kebab(c.getName()) + "." + kebab(h.getName()));
                }
            } else {
                expected.add("dedup-guard." + kebab(c.getName()));
            }
        }
        assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(byName.values()).allSatisfy(p -> assertThat((String) p.get("description")).isNotBlank());
        assertThat(byName.get("dedup-guard.lock-timeout")).containsEntry("type", "java.time.Duration")
                .containsEntry("defaultValue", "5s");
        assertThat(byName.get("dedup-guard.strategy")).containsEntry("type", Strategy.class.getName())
                .containsEntry("defaultValue", "unique-constraint");
        assertThat(byName.get("dedup-guard.create-schema")).containsEntry("defaultValue", false);
        assertThat(expected).contains("dedup-guard.metrics.enabled", "dedup-guard.host.name-key",
                "dedup-guard.attempt-log.enabled", "dedup-guard.attempt-log.table");
        assertThat(byName.get("dedup-guard.attempt-log.enabled")).containsEntry("defaultValue", false);
        assertThat(byName.get("dedup-guard.attempt-log.table")).containsEntry("defaultValue", "dedup_attempt");
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([A-Z])", "-$1").toLowerCase();
    }

    @Test
    void aSchemaMismatchStopsStartUpWithTheLibrarysMessage() {
        String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        new JdbcTemplate(h2(url)).execute("create table host_files (id bigint generated by default as identity "
                + "primary key, case_id varchar(64) not null, file_hash char(64) not null, "
                + "file_name varchar(2000) not null)");
        jooq.withPropertyValues("spring.datasource.url=" + url, "dedup-guard.create-schema=false",
                        "dedup-guard.host.table=host_files", "dedup-guard.host.scope=case_id",
                        "dedup-guard.host.content-hash=file_hash", "dedup-guard.host.file-name=file_name")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable root = rootCause(context.getStartupFailure());
                    assertThat(root).isInstanceOf(SchemaMismatchException.class)
                            .hasMessageContaining("UNIQUE_CONSTRAINT needs a unique constraint");
                });
    }

    @Test
    void anOutOfRangePropertyStopsStartUpNamingIt() {
        jooq.withPropertyValues("dedup-guard.max-attempts=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(DedupGuardConfigurationException.class)
                    .hasMessage("dedup-guard.max-attempts=0 is out of range: it must be between 1 and 100.");
        });
        jooq.withPropertyValues("dedup-guard.host.table=host_files", "dedup-guard.host.scope=case_id").run(context ->
                assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(DedupGuardConfigurationException.class)
                        .hasMessageStartingWith("dedup-guard.host.content-hash is not set, but "
                                + "dedup-guard.host.table=host_files is"));
    }

    /**
     * The case: 1 registration committed and 2 rolled back used to count 3 new files. Joined calls count when
     * their transaction commits; an own transaction has committed when its event arrives; a REQUIRES_NEW transaction
     * inside a rolled-back one counts on its own commit.
     */
    @Test
    void metricsCountWhatJoinedTransactionsCommitted() {
        jooq.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            SpringDuplicateGuard<FileKey> guard = guard(context);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            PlatformTransactionManager tm = context.getBean(PlatformTransactionManager.class);
            TransactionTemplate tx = new TransactionTemplate(tm);

            tx.executeWithoutResult(s -> assertThat(guard.register(key("kept.evtx")).isNew()).isTrue());
            for (String name : List.of("undone-1.evtx", "undone-2.evtx")) {
                tx.executeWithoutResult(s -> {
                    assertThat(guard.register(key(name)).isNew()).isTrue();
                    s.setRollbackOnly();
                });
            }
            assertThat(count(meters, "new")).isEqualTo(1);

            tx.executeWithoutResult(s -> {
                guard.register(key("kept.evtx"));
                guard.registerAll(List.of(key("kept.evtx"), key("batch.evtx")));
                assertThat(count(meters, "new")).as("not before the commit").isEqualTo(1);
            });
            assertThat(count(meters, "duplicate")).isEqualTo(2);
            assertThat(count(meters, "new")).isEqualTo(2);

            TransactionTemplate requiresNew = new TransactionTemplate(tm);
            requiresNew.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
            tx.executeWithoutResult(s -> {
                guard.register(key("outer.evtx"));
                requiresNew.executeWithoutResult(inner -> guard.register(key("inner.evtx")));
                guard.register(key("outer-2.evtx"));
                s.setRollbackOnly();
            });
            assertThat(count(meters, "new")).as("inner committed, outer rolled back").isEqualTo(3);

            guard.ownTransactions().register(key("own.evtx"));
            tx.executeWithoutResult(s -> {
                guard.ownTransactions().register(key("own-inside.evtx"));
                s.setRollbackOnly();
            });
            assertThat(count(meters, "new")).as("own transactions commit before their event").isEqualTo(5);
            assertThat(meters.get(MicrometerGuardListener.DURATION).tag("outcome", "new").timer().count())
                    .as("the timer times every call").isEqualTo(8);
        });
    }

    @Test
    void metricsCountNewDuplicateAndTimeoutWithoutATagPerFile() {
        jooq.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("dedup-guard.lock-timeout=300ms")
                .run(context -> {
                    SpringDuplicateGuard<FileKey> guard = guard(context);
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    guard.register(key("a.evtx"));
                    guard.register(key("a.evtx"));
                    assertLockTimeout(guard, context.getBean(PlatformTransactionManager.class), key("held.evtx"));

                    assertThat(count(meters, "new")).isEqualTo(2);
                    assertThat(count(meters, "duplicate")).isEqualTo(1);
                    assertThat(count(meters, "lock_timeout")).isEqualTo(1);
                    assertThat(meters.get(MicrometerGuardListener.DURATION).tag("outcome", "new")
                            .tag("backend", "jooq").tag("strategy", "unique_constraint").timer().count())
                            .isEqualTo(2);
                    assertThat(meters.get(MicrometerGuardListener.DURATION).tag("outcome", "lock_timeout").timer()
                            .totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);

                    int meterCount = meters.getMeters().size();
                    for (int i = 0; i < 1_000; i++) {
                        assertThat(guard.register(FileKey.of("case-" + i, HASH, "f" + i + ".evtx")).isNew()).isTrue();
                    }
                    assertThat(meters.getMeters()).hasSize(meterCount);
                    assertThat(count(meters, "new")).isEqualTo(1_002);
                    assertThat(meters.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags())
                            .allSatisfy(t -> assertThat(t.getKey()).isIn("outcome", "strategy", "backend")));
                });
    }

    @Test
    void everyGuardListenerBeanIsCalledAndMetricsCanBeSwitchedOff() {
        AtomicInteger calls = new AtomicInteger();
        GuardListener counting = new GuardListener() {
            @Override
            public void registered(RegistrationEvent event) {
                calls.incrementAndGet();
            }
        };
        jooq.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean("counting", GuardListener.class, () -> counting)
                .withPropertyValues("dedup-guard.metrics.enabled=false")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(MicrometerGuardListener.class);
                    DedupGuardAutoConfigurationTest.<FileKey>guard(context).register(key("a.evtx"));
                    assertThat(calls).hasValue(1);
                    assertThat(context.getBean(MeterRegistry.class).find(MicrometerGuardListener.REGISTRATIONS)
                            .counters()).isEmpty();
                });
    }

    /** Holds {@code held} uncommitted in a Spring transaction on another thread while this thread registers it. */
    static void assertLockTimeout(SpringDuplicateGuard<FileKey> guard, PlatformTransactionManager tm, FileKey held)
            throws Exception {
        ExecutorService holder = Executors.newSingleThreadExecutor();
        CountDownLatch registered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            Future<?> holding = holder.submit(() -> new TransactionTemplate(tm).executeWithoutResult(s -> {
                assertThat(guard.register(held).isNew()).isTrue();
                registered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertThat(registered.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> guard.register(held)).isInstanceOf(LockTimeoutException.class);
            release.countDown();
            holding.get(10, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            holder.shutdownNow();
        }
    }

    private static double count(MeterRegistry meters, String outcome) {
        return meters.get(MicrometerGuardListener.REGISTRATIONS).tag("outcome", outcome).counter().count();
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static DataSource h2(String name) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(name.startsWith("jdbc:") ? name : "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        return ds;
    }
}
