package dev.dedupguard.jpa;

import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.JdbcSession;
import dev.dedupguard.jdbc.JdbcStorage;
import dev.dedupguard.jdbc.JdbcTable;
import dev.dedupguard.jdbc.JdbcTransactions;
import dev.dedupguard.spi.StoredKey;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.OptionalLong;
import org.hibernate.Session;
import org.hibernate.StatelessSession;
import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.jspecify.annotations.Nullable;

/**
 * The JPA implementation of the storage port. Reads, locks and deletes are plain JDBC from the JDBC support layer, on
 * the transaction's connection (so no exception ever passes through the host's {@code EntityManager}, which would mark
 * its transaction for rollback); inserts go through a {@link StatelessSession} opened on that same connection, so that
 * Hibernate writes every mapped column of the entity (generated id, version seed, converters) exactly as
 * {@code persist} would.
 */
final class JpaStorage<F> extends JdbcStorage<F> {
    private final SessionFactoryImplementor factory;
    private final @Nullable ConnectionProvider connections;
    private final @Nullable EntityManager joined;
    private final EntityModel<F> model;

    JpaStorage(SessionFactoryImplementor factory, ConnectionProvider connections, EntityModel<F> model,
            Dialect dialect, String stripeTable, int maxFileNameBytes) {
        this(factory, connections, null, model, new JdbcTable(dialect, model.schema, stripeTable, model::scopeValue),
                maxFileNameBytes);
    }

    private JpaStorage(SessionFactoryImplementor factory, @Nullable ConnectionProvider connections,
            @Nullable EntityManager joined, EntityModel<F> model, JdbcTable table, int maxFileNameBytes) {
        super(table, maxFileNameBytes, false);
        this.factory = factory;
        this.connections = connections;
        this.joined = joined;
        this.model = model;
    }

    /** The same storage, bound to the caller's transaction of {@code entityManager}. */
    JpaStorage<F> joining(EntityManager entityManager) {
        return new JpaStorage<>(factory, null, entityManager, model, table, maxFileNameBytes());
    }

    @Override
    public FileKey keyOf(F file) {
        return model.keyOf(file);
    }

    @Override
    public boolean joinsCallerTransaction() {
        return joined != null;
    }

    @Override
    protected Connection acquire() throws SQLException {
        return connections.getConnection();
    }

    @Override
    protected void release(Connection connection) {
        try {
            connections.closeConnection(connection);
        } catch (SQLException e) {
            // the pool reports a broken connection itself; the registration's outcome stands
        }
    }

    /**
     * Flushes the caller's pending changes (so that the guard's reads see them, as a query in AUTO flush mode would),
     * then works on the {@code EntityManager}'s connection.
     */
    @Override
    protected <T> T onCallerConnection(JdbcTransactions.SqlWork<T> work) {
        if (!joined.isJoinedToTransaction()) {
            throw new IllegalStateException("joining(entityManager) needs an EntityManager with an active transaction "
                    + "(em.getTransaction().begin(), or inside a @Transactional method); this one has none, so there is "
                    + "no transaction to join");
        }
        joined.flush();
        return joined.unwrap(Session.class).doReturningWork(work::run);
    }

    @Override
    protected JdbcSession<F> openSession(Connection connection, @Nullable String pendingLockTimeout) {
        return new EntitySession(connection, pendingLockTimeout);
    }

    /** The primitives on one transaction's connection; inserts through a stateless session on it. */
    private final class EntitySession extends JdbcSession<F> {
        private @Nullable StatelessSession inserter;

        EntitySession(Connection connection, @Nullable String pendingLockTimeout) {
            super(connection, JpaStorage.this.table, joined != null, pendingLockTimeout);
        }

        @Override
        public long insert(F file, StoredKey key) {
            flushQueued();
            if (inserter == null) {
                inserter = factory.openStatelessSession(connection);
            }
            Object id = inserter.insert(model.entityToInsert(file, key));
            return ((Number) id).longValue();
        }

        /**
         * Hibernate's insert has no conflict clause, so a re-upload of a committed file is answered by a lookup first:
         * no failing insert, and no warning that Hibernate would log for one. A new key, or one whose first insert is
         * still uncommitted elsewhere, is inserted: PostgreSQL aborts the transaction on a unique violation, so the
         * insert runs inside a savepoint that is rolled back on one; on H2 a failed statement leaves the transaction
         * usable. The violation is recognised by SQLSTATE.
         */
        @Override
        public OptionalLong insertIfAbsent(F file, StoredKey key) {
            if (find(key).isPresent()) {
                return OptionalLong.empty();
            }
            Savepoint savepoint = table.dialect().uniqueViolationAbortsTransaction()
                    ? jdbc("setting a savepoint", connection::setSavepoint) : null;
            try {
                long id = insert(file, key);
                if (savepoint != null) {
                    jdbc("releasing a savepoint", () -> {
                        connection.releaseSavepoint(savepoint);
                        return null;
                    });
                }
                return OptionalLong.of(id);
            } catch (RuntimeException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                if (savepoint != null) {
                    jdbc("rolling back to a savepoint", () -> {
                        connection.rollback(savepoint);
                        return null;
                    });
                }
                return OptionalLong.empty();
            }
        }

        /** Deletes the row and evicts it from the second-level cache, which a plain JDBC delete would leave stale. */
        @Override
        public boolean delete(StoredKey key) {
            OptionalLong id = find(key);
            boolean deleted = super.delete(key);
            if (id.isPresent() && factory.getCache() != null) {
                factory.getCache().evictEntityData(model.persister.getMappedClass(), id.getAsLong());
            }
            return deleted;
        }

        @Override
        public void close() {
            if (inserter != null) {
                inserter.close();
            }
        }
    }
}
