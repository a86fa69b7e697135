package dev.dedupguard.jpa;

import dev.dedupguard.AbstractGuardBuilder;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.jdbc.Connections;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.JdbcGuards;
import dev.dedupguard.jdbc.JdbcStorage;
import dev.dedupguard.jdbc.LibrarySchema;
import dev.dedupguard.jdbc.SqlIdentifiers;
import dev.dedupguard.spi.ForwardingDuplicateGuard;
import dev.dedupguard.spi.Guards;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import org.hibernate.Session;
import org.hibernate.dialect.H2Dialect;
import org.hibernate.dialect.MariaDBDialect;
import org.hibernate.dialect.PostgreSQLDialect;
import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/**
 * A {@link DuplicateGuard} on Jakarta Persistence 3.2 with Hibernate ORM 7.4, for PostgreSQL, H2 and MariaDB: for the library
 * entity {@link DedupFile}, or for the host's own entity mapped by an {@link EntityMapping}.
 *
 * <p><b>Quick start</b> (host entity, inside the host's transaction):
 * <pre>{@code
 * JpaDuplicateGuard<CaseFile> guard = JpaDuplicateGuard.forHostEntity(emf,
 *         EntityMapping.of(CaseFile.class).scope("caseId").contentHash("fileHash").fileName("originalFilename"))
 *     .build();
 * // in a @Transactional service, or between em.getTransaction().begin() and commit():
 * Registration<CaseFile> r = guard.joining(entityManager).register(new CaseFile(caseId, hash, name, uploader));
 * }</pre>
 *
 * <p><b>Connections and transactions.</b> {@link #register}, {@link #registerAll} and {@link #release} take a
 * connection from the persistence unit's connection provider, run a transaction of their own and commit before
 * returning. {@link #joining(EntityManager)} returns a guard that runs in the transaction of that
 * {@code EntityManager}: it flushes the manager's pending changes, works on its connection inside a savepoint and
 * commits nothing. A duplicate, a lock timeout or a database error inside the guard leaves the manager, its
 * transaction and its other changes usable: the guard's SQL never runs through the manager, so Hibernate never sees a
 * failed statement.
 *
 * <p><b>The registered entity.</b> A new file's entity is inserted with all its mapped columns; its id attribute is set
 * (and its version seeded, if it has one), its content hash attribute is set to the normalised lower-case hash, but it
 * is <em>not</em> managed by the caller's {@code EntityManager}: to change it afterwards, load it with
 * {@code em.find(type, registration.id())}. A duplicate's entity is left as it was and not stored.
 *
 * <p><b>How it is inserted</b> (decided by {@link Builder#build()}). On PostgreSQL and MariaDB, an entity whose insert
 * is one row in one table with an identity id is inserted by one native statement, rendered once from Hibernate's
 * metamodel (PostgreSQL: {@code INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id}; MariaDB: {@code INSERT ...
 * RETURNING id}, whose duplicate-key error the guard catches, as InnoDB rolls back only that statement), with its
 * values bound by Hibernate's own binders (converters, enums, embeddables, {@code java.time}, many-to-one keys), the
 * version seeded, the {@code @PrePersist} callbacks, the interceptor and the insert event listeners run as {@code
 * StatelessSession.insert} runs them ({@code @PrePersist} also for a duplicate, since it runs before the statement);
 * {@link #registerAll} sends one multi-row statement per chunk on PostgreSQL; with {@code SELECT_FOR_UPDATE} the
 * lookup, the insert and the stripe write are one statement on PostgreSQL, sent with the stripe lock. There is no
 * lookup before the insert and no savepoint around it, and the statement never passes through Hibernate, so an
 * expected duplicate, racing or not, makes nothing log a warning. Entities that need more than that statement keep
 * Hibernate's own insert through a {@code StatelessSession} on the same connection, after a lookup and inside a
 * savepoint: ids not from an identity column, inheritance, secondary tables, {@code @SQLInsert}, dynamic insert, owned
 * collections, attributes generated on insert ({@code @CreationTimestamp}, {@code @Generated}, {@code @TenantId}),
 * soft delete; so do all entities on H2. There a racing duplicate makes Hibernate log one {@code WARN} from
 * {@code SqlExceptionHelper}.
 *
 * <p><b>Lock timeout.</b> Applied with {@code SET LOCAL lock_timeout} (PostgreSQL, restored in joined mode) or
 * {@code SET LOCK_TIMEOUT} (H2, per session) or, on MariaDB, in whole seconds rounded up (at least 1 s) by each
 * statement that can wait ({@code SET STATEMENT innodb_lock_wait_timeout=N FOR ...}; around Hibernate's own insert the
 * session value is set and put back); Hibernate's
 * {@code jakarta.persistence.lock.timeout} hint is not used, since its PostgreSQL dialect ignores a finite value. On
 * MariaDB own transactions run at READ COMMITTED unless {@code isolation} is set.
 *
 * <p>Immutable and thread-safe once built.
 *
 * @param <F> {@link FileKey} for the library entity, or the host's entity type
 */
public final class JpaDuplicateGuard<F> extends ForwardingDuplicateGuard<F> {
    private final JdbcStorage<F> storage;
    private final boolean insertsNatively;

    private JpaDuplicateGuard(JdbcStorage<F> storage, GuardOptions options, boolean insertsNatively) {
        super(Guards.create(storage, options), options);
        this.storage = storage;
        this.insertsNatively = insertsNatively;
    }

    /**
     * A builder for the library entity {@link DedupFile}, which must be part of {@code emf}'s persistence unit.
     *
     * @param emf a Hibernate-backed factory on PostgreSQL, H2 or MariaDB, whose connection provider own transactions use;
     *     not {@code null}
     * @return a new builder with the defaults of {@link GuardOptions#builder()}
     * @throws NullPointerException if {@code emf} is {@code null}
     */
    public static Builder<FileKey> forLibraryEntity(EntityManagerFactory emf) {
        return new Builder<>(emf, null);
    }

    /**
     * A builder for the host's own entity.
     *
     * @param <E> the entity type
     * @param emf a Hibernate-backed factory on PostgreSQL, H2 or MariaDB whose persistence unit contains the entity; not
     *     {@code null}
     * @param mapping the attributes that make up the key; checked against the entity when the guard is built
     * @return a new builder with the defaults of {@link GuardOptions#builder()}
     * @throws NullPointerException if an argument is {@code null}
     */
    public static <E> Builder<E> forHostEntity(EntityManagerFactory emf, EntityMapping<E> mapping) {
        return new Builder<>(emf, Objects.requireNonNull(mapping, "mapping must not be null"));
    }

    /**
     * A guard with the same entity and settings that runs in the active transaction of {@code entityManager}
     * (resource-local, or the one a Spring {@code @Transactional} method runs in). Never commits; serialization failures
     * are not retried but raised as {@link dev.dedupguard.SerializationConflictException}. Bound to that manager: use it
     * from the manager's thread, and not after its transaction ends. With Spring's shared {@code EntityManager} proxy
     * (what {@code @PersistenceContext} injects) the proxy resolves the current transaction's manager on every call,
     * so one joined guard over it can be kept in a field and used from every {@code @Transactional} method and thread.
     *
     * @param entityManager the manager whose transaction the guard joins, or Spring's shared proxy; not
     *     {@code null}
     * @return a guard bound to that manager, with this guard's entity and settings; it never commits
     * @throws NullPointerException if {@code entityManager} is {@code null}
     * @throws IllegalStateException (from the returned guard's calls) if the manager has no active transaction
     */
    public DuplicateGuard<F> joining(EntityManager entityManager) {
        Objects.requireNonNull(entityManager, "entityManager must not be null");
        return Guards.create(storage.joining(callerConnection(entityManager)), options());
    }

    /**
     * The connection of {@code entityManager}'s transaction: the manager's pending changes are flushed first (so that
     * the guard's reads see them, as a query in AUTO flush mode would); the guard's SQL never runs through the manager,
     * so no failed statement marks its transaction for rollback.
     */
    private static Connections callerConnection(EntityManager entityManager) {
        return new Connections() {
            @Override
            public <T> T withConnection(Work<T> work) {
                if (!entityManager.isJoinedToTransaction()) {
                    throw new IllegalStateException("joining(entityManager) needs an EntityManager with an active "
                            + "transaction (em.getTransaction().begin(), or inside a @Transactional method); this one "
                            + "has none, so there is no transaction to join");
                }
                entityManager.flush();
                return entityManager.unwrap(Session.class).doReturningWork(work::run);
            }

            @Override
            public boolean joined() {
                return true;
            }
        };
    }

    /** Connections from the persistence unit's provider, given back after each transaction. */
    private static Connections ownConnections(ConnectionProvider provider) {
        return new Connections() {
            @Override
            public <T> T withConnection(Work<T> work) throws SQLException {
                Connection c = provider.getConnection();
                try {
                    return work.run(c);
                } finally {
                    try {
                        provider.closeConnection(c);
                    } catch (SQLException e) {
                        // the pool reports a broken connection itself; the registration's outcome stands
                    }
                }
            }

            @Override
            public boolean joined() {
                return false;
            }
        };
    }

    /** The storage this guard runs on; for tests that decorate it. */
    JdbcStorage<F> storage() {
        return storage;
    }

    /** Whether rows are inserted by the guard's own statement rather than Hibernate's (see "How it is inserted"). */
    boolean insertsNatively() {
        return insertsNatively;
    }

    /**
     * Builds a {@link JpaDuplicateGuard}; {@link #build()} checks the mapping and the schema against the strategy.
     *
     * @param <F> the registered type
     */
    public static final class Builder<F> extends AbstractGuardBuilder<Builder<F>> {
        private final EntityManagerFactory emf;
        private final EntityMapping<?> mapping;
        private String stripeTableName = LibrarySchema.DEFAULT_STRIPE_TABLE;
        private boolean createSchemaIfMissing;

        private Builder(EntityManagerFactory emf, EntityMapping<?> mapping) {
            super("jpa");
            this.emf = Objects.requireNonNull(emf, "emf must not be null");
            this.mapping = mapping;
        }

        /**
         * Name of the stripe table for {@link Strategy#SELECT_FOR_UPDATE}; default {@code dedup_lock_stripe}.
         *
         * @param stripeTableName an unquoted SQL identifier, optionally schema-qualified
         * @return this builder
         * @throws IllegalArgumentException if {@code stripeTableName} is not such an identifier
         */
        public Builder<F> stripeTableName(String stripeTableName) {
            this.stripeTableName = SqlIdentifiers.requirePlain("stripeTableName", stripeTableName);
            return this;
        }

        /**
         * Whether {@link #build()} creates the library table {@code dedup_file} (library entity only) and the stripe
         * table with its rows if absent; default {@code false}. Host tables are never created.
         *
         * @param createSchemaIfMissing {@code true} to run the idempotent DDL of {@link LibrarySchema} when building
         * @return this builder
         */
        public Builder<F> createSchemaIfMissing(boolean createSchemaIfMissing) {
            this.createSchemaIfMissing = createSchemaIfMissing;
            return this;
        }

        /**
         * Validates the settings, the mapping and the schema, decides how the entity is inserted (see "How it is
         * inserted" in {@link JpaDuplicateGuard}), and builds the guard.
         *
         * @return a new immutable, thread-safe guard
         * @throws IllegalArgumentException if the persistence unit's database is not PostgreSQL, H2 or MariaDB, or the
         *     mapping lacks the scope, content hash or file name attribute
         * @throws SchemaMismatchException if the mapping or the schema does not fit the strategy
         */
        @SuppressWarnings({"unchecked", "rawtypes"})
        public JpaDuplicateGuard<F> build() {
            GuardOptions options = options();
            SessionFactoryImplementor factory = emf.unwrap(SessionFactoryImplementor.class);
            org.hibernate.dialect.Dialect hibernateDialect = factory.getJdbcServices().getDialect();
            Dialect dialect = dialectOf(hibernateDialect);
            dialect.requireIdentifierFits("stripeTableName", stripeTableName, 0);
            EntityModel<F> model = mapping == null
                    ? (EntityModel<F>) new EntityModel.Library(factory)
                    : (EntityModel<F>) new EntityModel.Host(factory, mapping);
            ConnectionProvider connections = factory.getServiceRegistry().requireService(ConnectionProvider.class);
            EntityRows<F> rows = new EntityRows<>(factory, model);
            JdbcStorage<F> storage = JdbcGuards.storage(new JdbcGuards.Build(ownConnections(connections), dialect,
                    hibernateDialect.getClass().getSimpleName(), model.schema, options, stripeTableName,
                    mapping == null ? model.schema.qualifiedTable() : null, createSchemaIfMissing), rows);
            return new JpaDuplicateGuard<>(storage, options, !rows.insertsItself());
        }

        /** The one place that maps Hibernate's dialect to the library's. */
        private static Dialect dialectOf(org.hibernate.dialect.Dialect hibernate) {
            if (hibernate instanceof PostgreSQLDialect) {
                return Dialect.POSTGRESQL;
            }
            if (hibernate instanceof H2Dialect) {
                return Dialect.H2;
            }
            if (hibernate instanceof MariaDBDialect) {
                return Dialect.MARIADB;
            }
            throw new IllegalArgumentException("the persistence unit's database must be PostgreSQL, H2 or MariaDB, its "
                    + "dialect is " + hibernate.getClass().getName());
        }
    }
}
