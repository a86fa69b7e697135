package dev.dedupguard.jooq;

import dev.dedupguard.AbstractGuardBuilder;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Strategy;
import dev.dedupguard.jdbc.Connections;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.JdbcGuards;
import dev.dedupguard.jdbc.JdbcStorage;
import dev.dedupguard.jdbc.LibrarySchema;
import dev.dedupguard.jdbc.SqlIdentifiers;
import dev.dedupguard.spi.ForwardingDuplicateGuard;
import dev.dedupguard.spi.Guards;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.jooq.Configuration;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jspecify.annotations.Nullable;

/**
 * A {@link DuplicateGuard} on jOOQ, for PostgreSQL, H2 and MariaDB ({@code SQLDialect.MARIADB}).
 *
 * <p><b>Quick start</b> (library-owned table):
 * <pre>{@code
 * JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(dataSource, SQLDialect.POSTGRES)
 *         .strategy(Strategy.UNIQUE_CONSTRAINT)
 *         .createSchemaIfMissing(true)
 *         .build();
 * Registration<FileKey> r = guard.register(FileKey.of("case-42", ContentHash.sha256(path), "Security.evtx"));
 * }</pre>
 *
 * <p><b>Connections and transactions.</b> {@link #register}, {@link #registerAll} and {@link #release} each take a
 * connection from the {@link DataSource} (or the {@link DSLContext}'s {@link ConnectionProvider}) given to the
 * builder, run in a transaction of their own, commit before returning, and return the connection with its
 * auto-commit and isolation as they were. {@link #joining(DSLContext)} returns a guard that instead runs on the
 * connection of the caller's transaction, inside a savepoint, and commits nothing: the registration becomes
 * permanent when the caller commits and disappears when it rolls back.
 *
 * <p><b>Lock timeout.</b> PostgreSQL: {@code SET LOCAL lock_timeout} for the guard's statements (restored to the
 * caller's value afterwards in joined mode). H2: {@code SET LOCK_TIMEOUT}, which is per session in H2, so in joined
 * mode the caller's session keeps the guard's timeout. MariaDB: {@code SET SESSION innodb_lock_wait_timeout} in whole
 * seconds, rounded up (at least 1 s), put back to the previous value after every call, own or joined; own
 * transactions run at READ COMMITTED unless {@code isolation} is set (see the README's MariaDB notes).
 *
 * <p>Immutable and thread-safe once built.
 *
 * @param <F> {@link FileKey} for the library-owned table, or the record type of the host's table
 */
public final class JooqDuplicateGuard<F> extends ForwardingDuplicateGuard<F> {
    private final JdbcStorage<F> storage;

    private JooqDuplicateGuard(JdbcStorage<F> storage, GuardOptions options) {
        super(Guards.create(storage, options), options);
        this.storage = storage;
    }

    /**
     * A builder for the library-owned table ({@code dedup_file} unless renamed) on {@code dataSource}.
     *
     * @param dataSource where each call of the built guard takes its connection; not {@code null}
     * @param dialect the database's jOOQ dialect, of a family the library supports (see the class javadoc)
     * @return a new builder with the defaults of {@link GuardOptions#builder()}
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code dialect}'s family is not supported
     */
    public static Builder<FileKey> forLibraryTable(DataSource dataSource, SQLDialect dialect) {
        Objects.requireNonNull(dataSource, "dataSource must not be null");
        return new Builder<>(new DataSourceConnectionProvider(dataSource), dialect, null);
    }

    /**
     * A builder for the library-owned table, taking connections from {@code dsl}'s connection provider. Each call
     * of the built guard acquires a connection and runs its own transaction on it; to run inside a transaction of
     * yours instead, use {@link #joining(DSLContext)}.
     *
     * @param dsl a context whose connection provider and dialect the built guard uses; not {@code null}
     * @return a new builder with the defaults of {@link GuardOptions#builder()}
     * @throws NullPointerException if {@code dsl} is {@code null}
     * @throws IllegalArgumentException if {@code dsl}'s dialect family is not supported
     */
    public static Builder<FileKey> forLibraryTable(DSLContext dsl) {
        Objects.requireNonNull(dsl, "dsl must not be null");
        return new Builder<>(dsl.configuration().connectionProvider(), dsl.dialect(), null);
    }

    /**
     * A builder for the host's own table, mapped by {@code table}, on {@code dataSource}.
     *
     * @param <R> the record type of the host's table
     * @param dataSource where each call of the built guard takes its connection; not {@code null}
     * @param dialect the database's jOOQ dialect, of a family the library supports (see the class javadoc)
     * @param table the mapping of the host's table; not {@code null}
     * @return a new builder with the defaults of {@link GuardOptions#builder()}
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code dialect}'s family is not supported
     */
    public static <R extends Record> Builder<R> forHostTable(DataSource dataSource, SQLDialect dialect,
            HostTable<R> table) {
        Objects.requireNonNull(dataSource, "dataSource must not be null");
        return new Builder<>(new DataSourceConnectionProvider(dataSource), dialect,
                Objects.requireNonNull(table, "table must not be null"));
    }

    /**
     * A builder for the host's own table, taking connections from {@code dsl}'s connection provider.
     *
     * @param <R> the record type of the host's table
     * @param dsl a context whose connection provider and dialect the built guard uses; not {@code null}
     * @param table the mapping of the host's table; not {@code null}
     * @return a new builder with the defaults of {@link GuardOptions#builder()}
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code dsl}'s dialect family is not supported
     */
    public static <R extends Record> Builder<R> forHostTable(DSLContext dsl, HostTable<R> table) {
        Objects.requireNonNull(dsl, "dsl must not be null");
        return new Builder<>(dsl.configuration().connectionProvider(), dsl.dialect(),
                Objects.requireNonNull(table, "table must not be null"));
    }

    /**
     * A guard with the same table and settings that runs in the caller's transaction: {@code transactional} must be
     * bound to a connection with auto-commit off, such as the {@link Configuration} that
     * {@code dsl.transaction(cfg -> ...)} passes in ({@code cfg.dsl()}), or {@code DSL.using(connection)} on a
     * connection inside a transaction. Never commits; runs inside a savepoint, so that a duplicate, a lock timeout
     * or a database error leaves the caller's transaction and its other work intact. Serialization failures are not
     * retried (only the caller can restart its transaction): they raise
     * {@link dev.dedupguard.SerializationConflictException}. The returned guard is bound to that transaction: use it
     * from one thread, and not after the transaction ends.
     *
     * @param transactional a context bound to the caller's transaction; not {@code null}
     * @return a guard bound to that transaction, with this guard's table and settings; it never commits
     * @throws NullPointerException if {@code transactional} is {@code null}
     */
    public DuplicateGuard<F> joining(DSLContext transactional) {
        Objects.requireNonNull(transactional, "transactional must not be null");
        return Guards.create(storage.joining(callerConnection(transactional)), options());
    }

    /** The connection of the caller's transaction that {@code transactional} is bound to. */
    private static Connections callerConnection(DSLContext transactional) {
        return new Connections() {
            @Override
            public <T> T withConnection(Work<T> work) {
                return transactional.connectionResult(work::run);
            }

            @Override
            public boolean joined() {
                return true;
            }
        };
    }

    /** Connections taken from {@code provider} and given back to it after each transaction. */
    private static Connections ownConnections(ConnectionProvider provider) {
        return new Connections() {
            @Override
            public <T> T withConnection(Work<T> work) throws SQLException {
                Connection c;
                try {
                    c = provider.acquire();
                } catch (RuntimeException e) {
                    throw new SQLException(e.getMessage(), e);
                }
                try {
                    return work.run(c);
                } finally {
                    provider.release(c);
                }
            }

            @Override
            public boolean joined() {
                return false;
            }
        };
    }

    /**
     * {@link #joining(DSLContext)} for a transaction's {@link Configuration}.
     *
     * @param transactional the configuration {@code dsl.transaction(cfg -> ...)} passes in; not {@code null}
     * @return a guard bound to that transaction, as {@link #joining(DSLContext)} returns
     * @throws NullPointerException if {@code transactional} is {@code null}
     */
    public DuplicateGuard<F> joining(Configuration transactional) {
        Objects.requireNonNull(transactional, "transactional must not be null");
        return joining(transactional.dsl());
    }

    /** The storage this guard runs on; for tests that decorate it. */
    JdbcStorage<F> storage() {
        return storage;
    }

    /**
     * Builds a {@link JooqDuplicateGuard}. {@link #build()} checks the schema against the strategy and fails with
     * {@link dev.dedupguard.SchemaMismatchException} if it does not fit.
     *
     * @param <F> the registered type
     */
    public static final class Builder<F> extends AbstractGuardBuilder<Builder<F>> {
        private final ConnectionProvider connections;
        private final SQLDialect sqlDialect;
        private final Dialect dialect;
        private final @Nullable HostTable<?> hostTable;
        private String tableName = "dedup_file";
        private String stripeTableName = "dedup_lock_stripe";
        private boolean createSchemaIfMissing;

        private Builder(ConnectionProvider connections, SQLDialect dialect, @Nullable HostTable<?> hostTable) {
            super("jooq");
            this.connections = connections;
            this.sqlDialect = Objects.requireNonNull(dialect, "dialect must not be null");
            this.dialect = dialectOf(dialect);
            this.hostTable = hostTable;
        }

        /** The one place that maps jOOQ's dialect to the library's. */
        private static Dialect dialectOf(SQLDialect dialect) {
            return switch (dialect.family()) {
                case POSTGRES -> Dialect.POSTGRESQL;
                case H2 -> Dialect.H2;
                case MARIADB -> Dialect.MARIADB;
                default -> throw new IllegalArgumentException("dialect must be POSTGRES, H2 or MARIADB, was "
                        + dialect);
            };
        }

        /**
         * Name of the library-owned table; default {@code dedup_file}. Not for host tables.
         *
         * @param tableName an unquoted SQL identifier, optionally schema-qualified, e.g. {@code audit.dedup_file}
         * @return this builder
         * @throws IllegalArgumentException if {@code tableName} is not such an identifier
         * @throws IllegalStateException if the builder is for a host table
         */
        public Builder<F> tableName(String tableName) {
            if (hostTable != null) {
                throw new IllegalStateException("tableName is for the library-owned table; a host table's name comes "
                        + "from its HostTable mapping");
            }
            this.tableName = dialect.requireIdentifierFits("tableName", SqlIdentifiers.requirePlain("tableName", tableName),
                    LibrarySchema.DERIVED_NAME_CHARS);
            return this;
        }

        /**
         * Name of the stripe table for {@link Strategy#SELECT_FOR_UPDATE}; default {@code dedup_lock_stripe}.
         *
         * @param stripeTableName an unquoted SQL identifier, optionally schema-qualified
         * @return this builder
         * @throws IllegalArgumentException if {@code stripeTableName} is not such an identifier
         */
        public Builder<F> stripeTableName(String stripeTableName) {
            this.stripeTableName = dialect.requireIdentifierFits("stripeTableName",
                    SqlIdentifiers.requirePlain("stripeTableName", stripeTableName), 0);
            return this;
        }

        /**
         * Whether {@link #build()} creates the library-owned table and the stripe table (and fills missing stripe
         * rows) if absent; default {@code false}. Host tables are never created.
         *
         * @param createSchemaIfMissing {@code true} to run the idempotent DDL of {@link LibrarySchema} when building
         * @return this builder
         */
        public Builder<F> createSchemaIfMissing(boolean createSchemaIfMissing) {
            this.createSchemaIfMissing = createSchemaIfMissing;
            return this;
        }

        /**
         * Validates the settings and the schema, and builds the guard.
         *
         * @return a new immutable, thread-safe guard
         * @throws dev.dedupguard.SchemaMismatchException if the schema does not fit the strategy
         */
        @SuppressWarnings({"unchecked", "rawtypes"})
        public JooqDuplicateGuard<F> build() {
            GuardOptions options = options();
            JooqRows<F> rows = hostTable == null
                    ? (JooqRows<F>) new JooqRows.Library(sqlDialect, dialect, tableName)
                    : (JooqRows<F>) new JooqRows.Host(sqlDialect, dialect, hostTable);
            JdbcStorage<F> storage = JdbcGuards.storage(new JdbcGuards.Build(ownConnections(connections), dialect,
                    sqlDialect.name(), rows.schema(), options, stripeTableName, hostTable == null ? tableName : null,
                    createSchemaIfMissing), rows);
            return new JooqDuplicateGuard<>(storage, options);
        }
    }
}
