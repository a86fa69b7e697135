package dev.dedupguard.spring.boot;

import dev.dedupguard.AbstractGuardBuilder;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.GuardListener;
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
import java.util.Set;
import java.util.UUID;
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
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.util.ClassUtils;

/**
 * Auto-configures one {@link SpringDuplicateGuard} bean named {@code dedupGuard} on the application's single
 * {@link DataSource}, with the jOOQ or the JPA backend (see {@link DedupGuardProperties#backend()}), and, when
 * Micrometer and a {@link MeterRegistry} are present, a {@link MicrometerGuardListener}.
 *
 * <p>Backs off when the application defines its own {@link DuplicateGuard} bean, and configures nothing without a
 * single {@code DataSource} candidate. Every {@link GuardListener} bean is passed to the guard. A host table or
 * entity comes from a {@link HostTable} or {@link EntityMapping} bean, else from {@code dedup-guard.host.*}, else
 * the guard registers {@link dev.dedupguard.FileKey}s in the library table. Building the guard checks the schema: a
 * mismatch stops start-up with the library's {@link dev.dedupguard.SchemaMismatchException} message.
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
    DedupGuardAutoConfiguration.JpaGuardConfiguration.class,
    DedupGuardAutoConfiguration.JooqGuardConfiguration.class})
public class DedupGuardAutoConfiguration {
    private static final String JPA_GUARD = "dev.dedupguard.jpa.JpaDuplicateGuard";
    private static final String JOOQ_GUARD = "dev.dedupguard.jooq.JooqDuplicateGuard";
    private static final Set<Class<?>> SCOPE_TYPES = Set.of(String.class, Long.class, Integer.class, UUID.class);

    /** Created by Spring. */
    public DedupGuardAutoConfiguration() {
    }

    static <B extends AbstractGuardBuilder<B>> B configure(B builder, DedupGuardProperties p,
            ObjectProvider<GuardListener> listeners) {
        return builder.strategy(p.strategy()).lockTimeout(p.lockTimeout()).isolation(p.isolation())
                .maxAttempts(p.maxAttempts()).lockStripes(p.lockStripes()).namePolicy(p.namePolicy())
                .listener(combine(listeners.orderedStream().toList()));
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

    private static String require(String value, String property, String because) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("dedup-guard.host." + property + " must be set when " + because
                    + ", was " + (value == null ? "unset" : "'" + value + "'"));
        }
        return value;
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

    /** The JPA backend on the application's {@link EntityManagerFactory}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({JpaDuplicateGuard.class, EntityManagerFactory.class, SharedEntityManagerCreator.class})
    @ConditionalOnBean(EntityManagerFactory.class)
    @Conditional(JpaChosen.class)
    static class JpaGuardConfiguration {
        @Bean
        @ConditionalOnMissingBean(DuplicateGuard.class)
        @SuppressWarnings({"rawtypes", "unchecked"})
        SpringDuplicateGuard dedupGuard(DedupGuardProperties properties, EntityManagerFactory emf,
                ObjectProvider<EntityMapping<?>> mappings, ObjectProvider<GuardListener> listeners) {
            EntityMapping<?> mapping = mappings.getIfUnique(() -> mappingOf(properties.host()));
            JpaDuplicateGuard.Builder builder = mapping == null
                    ? JpaDuplicateGuard.forLibraryEntity(emf)
                    : JpaDuplicateGuard.forHostEntity(emf, mapping);
            builder.stripeTableName(properties.stripeTableName()).createSchemaIfMissing(properties.createSchema());
            JpaDuplicateGuard<Object> guard = configure((JpaDuplicateGuard.Builder<Object>) builder, properties,
                    listeners).build();
            EntityManager shared = SharedEntityManagerCreator.createSharedEntityManager(emf);
            DuplicateGuard<Object> joined = guard.joining(shared);
            return new SpringDuplicateGuard<>(guard, () -> joined);
        }

        @SuppressWarnings({"rawtypes", "unchecked"})
        private static EntityMapping<?> mappingOf(DedupGuardProperties.Host host) {
            if (host.entity() == null) {
                return null;
            }
            String because = "dedup-guard.host.entity is set";
            EntityMapping mapping = EntityMapping.of(host.entity())
                    .scope(require(host.scope(), "scope", because))
                    .contentHash(require(host.contentHash(), "content-hash", because))
                    .fileName(require(host.fileName(), "file-name", because));
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
        @SuppressWarnings({"rawtypes", "unchecked"})
        SpringDuplicateGuard dedupGuard(DedupGuardProperties properties, DataSource dataSource,
                ObjectProvider<DSLContext> dsl, ObjectProvider<HostTable<?>> hostTables,
                ObjectProvider<GuardListener> listeners) {
            DSLContext bootDsl = dsl.getIfUnique();
            SQLDialect dialect = bootDsl != null && bootDsl.dialect() != SQLDialect.DEFAULT
                    ? bootDsl.dialect()
                    : dialectOf(dataSource);
            HostTable<?> host = hostTables.getIfUnique(() -> hostTableOf(properties.host()));
            JooqDuplicateGuard.Builder builder = host == null
                    ? JooqDuplicateGuard.forLibraryTable(dataSource, dialect).tableName(properties.tableName())
                    : JooqDuplicateGuard.forHostTable(dataSource, dialect, (HostTable) host);
            builder.stripeTableName(properties.stripeTableName()).createSchemaIfMissing(properties.createSchema());
            JooqDuplicateGuard<Object> guard = configure((JooqDuplicateGuard.Builder<Object>) builder, properties,
                    listeners).build();
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
            if (!SCOPE_TYPES.contains(host.scopeType())) {
                throw new IllegalArgumentException("dedup-guard.host.scope-type must be one of java.lang.String, "
                        + "java.lang.Long, java.lang.Integer, java.util.UUID, was " + host.scopeType().getName());
            }
            String because = "dedup-guard.host.table is set";
            HostTable.Builder<Record> builder = HostTable.of(DSL.table(DSL.name(host.table().split("\\."))))
                    .id(DSL.field(DSL.name(require(host.id(), "id", because)), Long.class))
                    .scope(DSL.field(DSL.name(require(host.scope(), "scope", because)), (Class) host.scopeType()))
                    .contentHash(DSL.field(DSL.name(require(host.contentHash(), "content-hash", because)),
                            String.class))
                    .fileName(DSL.field(DSL.name(require(host.fileName(), "file-name", because)), String.class));
            if (host.nameKey() != null) {
                builder.nameKey(DSL.field(DSL.name(host.nameKey()), String.class));
            }
            return builder.build();
        }
    }

    /**
     * Picks the backend: {@code dedup-guard.backend}, or for AUTO the JPA backend when a host entity is configured
     * or dedup-jooq is absent, else jOOQ.
     */
    abstract static class BackendCondition extends SpringBootCondition {
        static Backend chosen(ConditionContext context) {
            Backend backend = Backend.valueOf(context.getEnvironment()
                    .getProperty("dedup-guard.backend", "auto").trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            if (backend != Backend.AUTO) {
                return backend;
            }
            ClassLoader loader = context.getClassLoader();
            boolean jpa = ClassUtils.isPresent(JPA_GUARD, loader);
            boolean jooq = ClassUtils.isPresent(JOOQ_GUARD, loader);
            if (jpa && (!jooq || context.getEnvironment().containsProperty("dedup-guard.host.entity")
                    || hasEntityMappingBean(context))) {
                return Backend.JPA;
            }
            return jooq ? Backend.JOOQ : Backend.JPA;
        }

        private static boolean hasEntityMappingBean(ConditionContext context) {
            ConfigurableListableBeanFactory beans = context.getBeanFactory();
            return beans != null && beans.getBeanNamesForType(EntityMapping.class, true, false).length > 0;
        }

        ConditionOutcome outcome(ConditionContext context, Backend wanted) {
            Backend chosen = chosen(context);
            return chosen == wanted
                    ? ConditionOutcome.match("dedup-guard backend " + chosen)
                    : ConditionOutcome.noMatch("dedup-guard backend is " + chosen + ", not " + wanted);
        }
    }

    /** Matches when the JPA backend is chosen. */
    static final class JpaChosen extends BackendCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return outcome(context, Backend.JPA);
        }
    }

    /** Matches when the jOOQ backend is chosen. */
    static final class JooqChosen extends BackendCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return outcome(context, Backend.JOOQ);
        }
    }
}
