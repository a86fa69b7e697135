package dev.dedupguard.jpa;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.JdbcKeyStatements;
import dev.dedupguard.spi.JdbcTransactions;
import dev.dedupguard.spi.SqlErrors;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import org.hibernate.Session;
import org.hibernate.StatelessSession;
import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/**
 * The JPA implementation of the storage SPI. Reads, locks and deletes are plain JDBC on the transaction's connection
 * (so no exception ever passes through the host's {@code EntityManager}, which would mark its transaction for
 * rollback); inserts go through a {@link StatelessSession} opened on that same connection, so that Hibernate writes
 * every mapped column of the entity (generated id, version seed, converters) exactly as {@code persist} would.
 */
final class JpaStorage<F> implements StorageBackend<F> {
    private final SessionFactoryImplementor factory;
    private final ConnectionProvider connections;
    private final EntityManager joined;
    private final EntityModel<F> model;
    private final boolean postgres;
    private final JdbcKeyStatements statements;
    private final int maxFileNameBytes;

    JpaStorage(SessionFactoryImplementor factory, ConnectionProvider connections, EntityManager joined,
            EntityModel<F> model, boolean postgres, String stripeTable, int maxFileNameBytes) {
        this.factory = factory;
        this.connections = connections;
        this.joined = joined;
        this.model = model;
        this.postgres = postgres;
        this.statements = new JdbcKeyStatements(model.schema, stripeTable, model::scopeValue);
        this.maxFileNameBytes = maxFileNameBytes;
    }

    /** The same storage, bound to the caller's transaction of {@code entityManager}. */
    JpaStorage<F> joining(EntityManager entityManager, String stripeTable) {
        return new JpaStorage<>(factory, null, entityManager, model, postgres, stripeTable, maxFileNameBytes);
    }

    @Override
    public FileKey keyOf(F file) {
        return model.keyOf(file);
    }

    @Override
    public int maxFileNameBytes() {
        return maxFileNameBytes;
    }

    @Override
    public boolean joinsCallerTransaction() {
        return joined != null;
    }

    @Override
    public <T> T inTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        if (joined != null) {
            return inCallerTransaction(spec, work);
        }
        Connection c;
        try {
            c = connections.getConnection();
        } catch (SQLException | RuntimeException e) {
            throw SqlErrors.translate("obtaining a connection", e);
        }
        try {
            return JdbcTransactions.inOwnTransaction(c, postgres, spec, conn -> run(conn, work));
        } finally {
            try {
                connections.closeConnection(c);
            } catch (SQLException e) {
                // the pool reports a broken connection itself; the registration's outcome stands
            }
        }
    }

    /**
     * Flushes the caller's pending changes (so that the guard's reads see them, as a query in AUTO flush mode would),
     * then works on the {@code EntityManager}'s connection inside a savepoint.
     */
    private <T> T inCallerTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        if (!joined.isJoinedToTransaction()) {
            throw new IllegalStateException("joining(entityManager) needs an EntityManager with an active transaction "
                    + "(em.getTransaction().begin(), or inside a @Transactional method); this one has none, so there is "
                    + "no transaction to join");
        }
        joined.flush();
        return joined.unwrap(Session.class).doReturningWork(
                c -> JdbcTransactions.inSavepoint(c, postgres, spec, conn -> run(conn, work)));
    }

    private <T> T run(Connection c, StorageWork<F, T> work) {
        try (JdbcSession session = new JdbcSession(c)) {
            return work.run(session);
        }
    }

    /** The primitives on one transaction's connection. */
    private final class JdbcSession implements StorageSession<F>, AutoCloseable {
        private final Connection c;
        private StatelessSession inserter;

        JdbcSession(Connection c) {
            this.c = c;
        }

        private <T> T jdbc(String what, SqlCall<T> call) {
            try {
                return call.run();
            } catch (SQLException e) {
                throw SqlErrors.translate(what, e);
            }
        }

        @Override
        public OptionalLong find(StoredKey key) {
            return jdbc("finding the key", () -> statements.find(c, key));
        }

        @Override
        public Map<StoredKey, Long> findAll(Collection<StoredKey> keys) {
            return jdbc("finding the keys", () -> statements.findAll(c, keys));
        }

        @Override
        public void lockStripes(int[] stripes) {
            jdbc("locking stripes", () -> {
                statements.lockStripes(c, stripes, joined != null && !postgres, null);
                return null;
            });
        }

        @Override
        public void touchStripes(int[] stripes) {
            jdbc("updating stripes", () -> {
                statements.touchStripes(c, stripes);
                return null;
            });
        }

        @Override
        public long insert(F file, StoredKey key) {
            if (inserter == null) {
                inserter = factory.openStatelessSession(c);
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
            Savepoint savepoint = postgres ? jdbc("setting a savepoint", c::setSavepoint) : null;
            try {
                long id = insert(file, key);
                if (savepoint != null) {
                    jdbc("releasing a savepoint", () -> {
                        c.releaseSavepoint(savepoint);
                        return null;
                    });
                }
                return OptionalLong.of(id);
            } catch (RuntimeException e) {
                if (SqlErrors.kindOf(e) != StorageException.Kind.UNIQUE_VIOLATION) {
                    throw e;
                }
                if (savepoint != null) {
                    jdbc("rolling back to a savepoint", () -> {
                        c.rollback(savepoint);
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
            boolean deleted = jdbc("deleting the key", () -> statements.delete(c, key));
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

    @FunctionalInterface
    private interface SqlCall<T> {
        T run() throws SQLException;
    }
}
