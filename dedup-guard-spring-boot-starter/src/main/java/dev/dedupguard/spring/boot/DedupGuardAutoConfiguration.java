package dev.dedupguard.spring.boot;

import dev.dedupguard.AbstractGuardBuilder;
import dev.dedupguard.AttemptLog;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.GuardListener;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.jooq.HostTable;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.jpa.EntityMapping;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import dev.dedupguard.spring.boot.DedupGuardProperties.Backend;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.JDBCUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.util.ClassUtils;

/**
 * Auto-configures one {@link SpringDuplicateGuard} bean named {@code dedupGuard} on the application's single
 * {@link DataSource}, with the jOOQ or the JPA backend (see {@link DedupGuardProperties#backend()}), and, when
 * Micrometer and a {@link MeterRegistry} are present, a {@link MicrometerGuardListener}.
 *
 * <p>Backs off when the application defines its own {@link DuplicateGuard} bean. Every {@link GuardListener} bean is
 * passed to the guard. A host table or entity comes from a {@link HostTable} or {@link EntityMapping} bean, else from
 * {@code dedup-guard.host.*}, else the guard registers {@link dev.dedupguard.FileKey}s in the library table.
 *
 * <p>With {@code dedup-guard.attempt-log.enabled=true} the guard logs every attempt ({@link AttemptLog}) in
 * {@code dedup-guard.attempt-log.table}, taking the context of calls that give none from the application's
 * {@link AttemptContextSupplier} bean, else (spring-security-core on the class path) from a
 * {@link SecurityAttemptContextSupplier} bean this configuration defines, else none.
 *
 * <p>The guard reads the schema when it is built, so its bean depends on database initialization: it is built after
 * Spring Boot's {@code schema.sql}, Flyway or Liquibase have run.
 *
 * <p><b>When it fails and when it stays out.</b> Once it has what a guard needs (one {@code DataSource} candidate, a
 * backend library), start-up fails with a {@link DedupGuardConfigurationException} whenever it cannot build the
 * guard: a property out of range or without its unit, an incomplete host mapping, a jOOQ or Hibernate version the
 * backend does not support, a table that does not fit (the schema checks of {@code build()}). Without what it needs
 * (no {@code DataSource}, several without a {@code @Primary} one, neither dedup-jooq nor dedup-jpa, the JPA backend
 * without an {@code EntityManagerFactory}) it configures nothing; if the application then asks for a
 * {@code DuplicateGuard}, {@link DedupGuardFailureAnalyzer} says which of these is the reason.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
    "org.springframework.boot.jooq.autoconfigure.JooqAutoConfiguration",
    "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(DedupGuardProperties.class)
@Import({DedupGuardAutoConfiguration.MetricsConfiguration.class,
    DedupGuardAutoConfiguration.SecurityAttemptContextConfiguration.class,
    DedupGuardAutoConfiguration.JpaGuardConfiguration.class,
    DedupGuardAutoConfiguration.JooqGuardConfiguration.class,
    DedupGuardAutoConfiguration.UnusableBackendConfiguration.class})
public class DedupGuardAutoConfiguration {
    private static final String JPA_GUARD = "dev.dedupguard.jpa.JpaDuplicateGuard";
    private static final String JOOQ_GUARD = "dev.dedupguard.jooq.JooqDuplicateGuard";

    /** Created by Spring. */
    public DedupGuardAutoConfiguration() {
    }

    static <B extends AbstractGuardBuilder<B>> B configure(B builder, DedupGuardProperties p,
            ObjectProvider<GuardListener> listeners, ObjectProvider<AttemptContextSupplier> contexts) {
        return builder.strategy(p.strategy()).lockTimeout(p.lockTimeout()).isolation(p.isolation())
                .maxAttempts(p.maxAttempts()).lockStripes(p.lockStripes()).namePolicy(p.namePolicy())
                .listener(combine(listeners.orderedStream().toList())).attemptLog(attemptLog(p, contexts));
    }

    /**
     * The attempt log of {@code dedup-guard.attempt-log.*}: off, or in its table with the context of the single
     * {@link AttemptContextSupplier} bean (several without a {@code @Primary} one fail start-up), or none.
     */
    static AttemptLog attemptLog(DedupGuardProperties p, ObjectProvider<AttemptContextSupplier> contexts) {
        if (!p.attemptLog().enabled()) {
            return AttemptLog.OFF;
        }
        AttemptLog log = AttemptLog.in(p.attemptLog().table());
        AttemptContextSupplier context = contexts.getIfAvailable();
        return context == null ? log : log.withContext(context);
    }

    /**
     * Builds the guard, turning the library's refusals into failures that name the {@code dedup-guard.*} properties:
     * a {@link SchemaMismatchException} says how to fix the table (the attempt log's, when the exception names that
     * table), an {@link IllegalArgumentException} which mapping setting is wrong.
     */
    static <G> G build(Supplier<G> build, DedupGuardProperties p, String table) {
        try {
            return build.get();
        } catch (SchemaMismatchException e) {
            String log = p.attemptLog().table();
            if (p.attemptLog().enabled() && e.table().filter(log::equals).isPresent()) {
                throw new DedupGuardConfigurationException("dedup-guard cannot use the attempt log table " + log
                        + " (dedup-guard.attempt-log.table): " + StarterChecks.inPropertyTerms(e.getMessage()),
                        "Apply dev/dedupguard/schema/attempt/postgresql.sql (or h2.sql, mariadb.sql) from the "
                        + "dedup-jdbc jar with your migration tool, with the table's name put in as above (its "
                        + "comments say which grants to give the application), or set dedup-guard.create-schema=true "
                        + "to let start-up create " + log + " if absent, or set dedup-guard.attempt-log.enabled=false.",
                        e);
            }
            throw new DedupGuardConfigurationException("dedup-guard cannot use the table " + table + " with "
                    + "dedup-guard.strategy=" + StarterChecks.value(p.strategy()) + ": "
                    + StarterChecks.inPropertyTerms(e.getMessage()), schemaAction(p, table), e);
        } catch (IllegalArgumentException e) {
            throw new DedupGuardConfigurationException("dedup-guard cannot map the table " + table + ": "
                    + StarterChecks.inPropertyTerms(e.getMessage()), "Check dedup-guard.host.* against the host's "
                    + "table or entity (column or attribute names, their types), or define a HostTable or "
                    + "EntityMapping bean of your own.", e);
        }
    }

    private static String schemaAction(DedupGuardProperties p, String table) {
        boolean host = p.host().table() != null || p.host().entity() != null;
        StringBuilder action = new StringBuilder();
        if (host) {
            action.append("Create or change ").append(table).append(" as described; the host-table DDL the library "
                    + "ships (dev/dedupguard/schema/host/postgresql.sql, h2.sql, mariadb.sql in the dedup-jdbc jar) is "
                    + "a table the guard accepts. dedup-guard.create-schema=true creates only the library's own "
                    + "tables, never a host table.");
            if (p.strategy() == Strategy.UNIQUE_CONSTRAINT) {
                action.append(" A table that cannot carry the unique constraint takes "
                        + "dedup-guard.strategy=select-for-update.");
            }
        } else {
            action.append("Apply dev/dedupguard/schema/postgresql.sql (or h2.sql, mariadb.sql) from the dedup-api jar "
                    + "with your migration tool, or set dedup-guard.create-schema=true to let start-up create the "
                    + "library's tables (").append(p.tableName()).append(", ").append(p.stripeTableName())
                    .append(") if absent.");
        }
        return action.toString();
    }

    static GuardListener combine(List<GuardListener> listeners) {
        if (listeners.isEmpty()) {
            return GuardListener.NONE;
        }
        if (listeners.size() == 1) {
            return listeners.get(0);
        }
        return new GuardListener() {
            @Override
            public void registered(RegistrationEvent event) {
                listeners.forEach(l -> l.registered(event));
            }

            @Override
            public void batchRegistered(BatchEvent event) {
                listeners.forEach(l -> l.batchRegistered(event));
            }

            @Override
            public void retried(RetryEvent event) {
                listeners.forEach(l -> l.retried(event));
            }
        };
    }

    /** The Micrometer binding, when Micrometer is on the classpath and the application has a registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    @ConditionalOnProperty(name = "dedup-guard.metrics.enabled", havingValue = "true", matchIfMissing = true)
    static class MetricsConfiguration {
        @Bean
        @ConditionalOnMissingBean
        MicrometerGuardListener dedupGuardMetrics(MeterRegistry registry) {
            return new MicrometerGuardListener(registry);
        }
    }

    /**
     * The default {@link AttemptContextSupplier} when the attempt log is on and spring-security-core is on the class
     * path: the actor from Spring Security's current authentication. An application's own bean replaces it.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContextHolder")
    @ConditionalOnProperty(name = "dedup-guard.attempt-log.enabled", havingValue = "true")
    static class SecurityAttemptContextConfiguration {
        @Bean
        @ConditionalOnMissingBean(AttemptContextSupplier.class)
        SecurityAttemptContextSupplier dedupGuardAttemptContext() {
            return new SecurityAttemptContextSupplier();
        }
    }

    /** The JPA backend on the application's {@link EntityManagerFactory}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({JpaDuplicateGuard.class, EntityManagerFactory.class, SharedEntityManagerCreator.class})
    @ConditionalOnBean(EntityManagerFactory.class)
    @Conditional(JpaChosen.class)
    static class JpaGuardConfiguration {
        @Bean
        @ConditionalOnMissingBean(DuplicateGuard.class)
        @DependsOnDatabaseInitialization
        @SuppressWarnings({"rawtypes", "unchecked"})
        SpringDuplicateGuard dedupGuard(DedupGuardProperties properties, Environment environment,
                EntityManagerFactory emf, ObjectProvider<EntityMapping<?>> mappings,
                ObjectProvider<GuardListener> listeners, ObjectProvider<AttemptContextSupplier> contexts) {
            StarterChecks.check(properties, environment);
            EntityMapping<?> bean = mappings.getIfUnique();
            Class<?> entity = bean != null ? bean.type() : properties.host().entity();
            String table = entity != null ? "of the entity " + entity.getName()
                    : "of the library entity DedupFile (" + properties.tableName() + ")";
            JpaDuplicateGuard<Object> guard = build(() -> {
                EntityMapping<?> mapping = bean != null ? bean : mappingOf(properties.host());
                JpaDuplicateGuard.Builder builder = mapping == null
                        ? JpaDuplicateGuard.forLibraryEntity(emf)
                        : JpaDuplicateGuard.forHostEntity(emf, mapping);
                builder.stripeTableName(properties.stripeTableName())
                        .createSchemaIfMissing(properties.createSchema());
                return configure((JpaDuplicateGuard.Builder<Object>) builder, properties, listeners, contexts)
                        .build();
            }, properties, table);
            EntityManager shared = SharedEntityManagerCreator.createSharedEntityManager(emf);
            DuplicateGuard<Object> joined = guard.joining(shared);
            return new SpringDuplicateGuard<>(guard, () -> joined);
        }

        @SuppressWarnings({"rawtypes", "unchecked"})
        private static EntityMapping<?> mappingOf(DedupGuardProperties.Host host) {
            if (host.entity() == null) {
                return null;
            }
            EntityMapping mapping = EntityMapping.of(host.entity()).scope(host.scope())
                    .contentHash(host.contentHash()).fileName(host.fileName());
            return host.nameKey() == null ? mapping : mapping.nameKey(host.nameKey());
        }
    }

    /** The jOOQ backend on the application's {@link DataSource}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({JooqDuplicateGuard.class, DSLContext.class})
    @Conditional(JooqChosen.class)
    static class JooqGuardConfiguration {
        @Bean
        @ConditionalOnMissingBean(DuplicateGuard.class)
        @DependsOnDatabaseInitialization
        @SuppressWarnings({"rawtypes", "unchecked"})
        SpringDuplicateGuard dedupGuard(DedupGuardProperties properties, Environment environment,
                DataSource dataSource, ObjectProvider<DSLContext> dsl, ObjectProvider<HostTable<?>> hostTables,
                ObjectProvider<GuardListener> listeners, ObjectProvider<AttemptContextSupplier> contexts) {
            StarterChecks.check(properties, environment);
            DSLContext bootDsl = dsl.getIfUnique();
            SQLDialect dialect = bootDsl != null && bootDsl.dialect() != SQLDialect.DEFAULT
                    ? bootDsl.dialect()
                    : dialectOf(dataSource);
            HostTable<?> bean = hostTables.getIfUnique();
            String table = bean != null ? bean.table().toString()
                    : properties.host().table() != null ? properties.host().table() : properties.tableName();
            JooqDuplicateGuard<Object> guard = build(() -> {
                HostTable<?> host = bean != null ? bean : hostTableOf(properties.host());
                JooqDuplicateGuard.Builder builder = host == null
                        ? JooqDuplicateGuard.forLibraryTable(dataSource, dialect).tableName(properties.tableName())
                        : JooqDuplicateGuard.forHostTable(dataSource, dialect, (HostTable) host);
                builder.stripeTableName(properties.stripeTableName())
                        .createSchemaIfMissing(properties.createSchema());
                return configure((JooqDuplicateGuard.Builder<Object>) builder, properties, listeners, contexts)
                        .build();
            }, properties, table);
            DSLContext transactional = DSL.using(new TransactionAwareDataSourceProxy(dataSource), dialect);
            return new SpringDuplicateGuard<>(guard, () -> guard.joining(transactional));
        }

        private static SQLDialect dialectOf(DataSource dataSource) {
            try (Connection c = dataSource.getConnection()) {
                return JDBCUtils.dialect(c);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot tell the database's SQL dialect: " + e.getMessage(), e);
            }
        }

        @SuppressWarnings({"rawtypes", "unchecked"})
        private static HostTable<?> hostTableOf(DedupGuardProperties.Host host) {
            if (host.table() == null) {
                return null;
            }
            HostTable.Builder<Record> builder = HostTable.of(DSL.table(DSL.name(host.table().split("\\."))))
                    .id(DSL.field(DSL.name(host.id()), Long.class))
                    .scope(DSL.field(DSL.name(host.scope()), (Class) host.scopeType()))
                    .contentHash(DSL.field(DSL.name(host.contentHash()), String.class))
                    .fileName(DSL.field(DSL.name(host.fileName()), String.class));
            if (host.nameKey() != null) {
                builder.nameKey(DSL.field(DSL.name(host.nameKey()), String.class));
            }
            return builder.build();
        }
    }

    /**
     * The backend that was chosen but cannot run: its library is missing, or the jOOQ or Hibernate version on the
     * class path is one it does not support. Start-up fails with the reason instead of leaving the application
     * without a guard (and its {@code DuplicateGuard} injection with "no qualifying bean").
     */
    @Configuration(proxyBeanMethods = false)
    @Conditional(ChosenBackendUnusable.class)
    static class UnusableBackendConfiguration {
        @Bean
        @ConditionalOnMissingBean(DuplicateGuard.class)
        SpringDuplicateGuard<Object> dedupGuard(Environment environment, ConfigurableListableBeanFactory beans) {
            Backend backend = BackendCondition.chosen(environment, beans.getBeanClassLoader(), beans);
            String problem = BackendCondition.problem(backend, beans.getBeanClassLoader());
            throw new DedupGuardConfigurationException("dedup-guard cannot configure its "
                    + backend.name().toLowerCase(Locale.ROOT) + " backend (dedup-guard.backend="
                    + BackendCondition.setting(environment) + "): " + problem, backend == Backend.JOOQ
                    ? "Use jOOQ " + StarterChecks.JOOQ_LINE + ".x: with spring-boot-starter-parent set "
                    + "<jooq.version>" + StarterChecks.JOOQ_PIN + "</jooq.version> in your <properties>; with the "
                    + "spring-boot-dependencies BOM declare org.jooq:jooq:" + StarterChecks.JOOQ_PIN + " in your "
                    + "<dependencyManagement> before it. Or set dedup-guard.backend=jpa, or define a DuplicateGuard "
                    + "bean of your own."
                    : "Use Hibernate ORM " + StarterChecks.HIBERNATE_LINE + ".x (Spring Boot 4.1's; with "
                    + "spring-boot-starter-parent set <hibernate.version> to a " + StarterChecks.HIBERNATE_LINE
                    + ".x release), or set dedup-guard.backend=jooq, or define a DuplicateGuard bean of your own.",
                    null);
        }
    }

    /**
     * Picks the backend: {@code dedup-guard.backend}, or for AUTO the JPA backend when a host entity is configured
     * or dedup-jooq is absent, else jOOQ; none if AUTO finds neither dedup-jooq nor dedup-jpa.
     */
    abstract static class BackendCondition extends SpringBootCondition {
        /** The backend the properties and the class path choose, or null for none. */
        static Backend chosen(Environment environment, ClassLoader loader, ConfigurableListableBeanFactory beans) {
            Backend backend = Binder.get(environment).bind("dedup-guard.backend", Backend.class)
                    .orElse(Backend.AUTO);
            if (backend != Backend.AUTO) {
                return backend;
            }
            boolean jpa = ClassUtils.isPresent(JPA_GUARD, loader);
            boolean jooq = ClassUtils.isPresent(JOOQ_GUARD, loader);
            if (jpa && (!jooq || environment.containsProperty("dedup-guard.host.entity")
                    || hasEntityMappingBean(beans))) {
                return Backend.JPA;
            }
            return jooq ? Backend.JOOQ : null;
        }

        /** Why {@code backend} cannot run here, or null if it can. */
        static String problem(Backend backend, ClassLoader loader) {
            if (backend == Backend.JOOQ) {
                return ClassUtils.isPresent(JOOQ_GUARD, loader) ? StarterChecks.jooqProblem(loader)
                        : "dedup-jooq is not on the class path.";
            }
            return ClassUtils.isPresent(JPA_GUARD, loader)
                    ? StarterChecks.hibernateProblem(StarterChecks.hibernateVersion(loader))
                    : "dedup-jpa is not on the class path.";
        }

        static String setting(Environment environment) {
            String raw = StarterChecks.raw(environment, "backend");
            return raw == null ? "auto (the default)" : raw;
        }

        private static boolean hasEntityMappingBean(ConfigurableListableBeanFactory beans) {
            return beans != null && beans.getBeanNamesForType(EntityMapping.class, true, false).length > 0;
        }

        static Backend chosen(ConditionContext context) {
            return chosen(context.getEnvironment(), context.getClassLoader(), context.getBeanFactory());
        }

        ConditionOutcome outcome(ConditionContext context, Backend wanted) {
            Backend chosen = chosen(context);
            if (chosen != wanted) {
                return ConditionOutcome.noMatch("dedup-guard backend is " + chosen + ", not " + wanted);
            }
            String problem = problem(chosen, context.getClassLoader());
            return problem == null ? ConditionOutcome.match("dedup-guard backend " + chosen)
                    : ConditionOutcome.noMatch("dedup-guard backend " + chosen + " cannot run: " + problem);
        }
    }

    /** Matches when the JPA backend is chosen and can run. */
    static final class JpaChosen extends BackendCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return outcome(context, Backend.JPA);
        }
    }

    /** Matches when the jOOQ backend is chosen and can run. */
    static final class JooqChosen extends BackendCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return outcome(context, Backend.JOOQ);
        }
    }

    /** Matches when a backend is chosen that cannot run (see {@link UnusableBackendConfiguration}). */
    static final class ChosenBackendUnusable extends BackendCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Backend chosen = chosen(context);
            String problem = chosen == null ? null : problem(chosen, context.getClassLoader());
            return problem == null ? ConditionOutcome.noMatch("no dedup-guard backend, or it can run")
                    : ConditionOutcome.match("dedup-guard backend " + chosen + " cannot run: " + problem);
        }
    }
}
