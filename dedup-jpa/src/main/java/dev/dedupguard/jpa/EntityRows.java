package dev.dedupguard.jpa;

import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.HostRows;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.hibernate.StatelessSession;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.jspecify.annotations.Nullable;

/**
 * The JPA side of a guard's rows: the key of an entity, and the row that registers it. Every mapped column of the
 * entity is written (generated id, version seed, converters) exactly as {@code persist} would, in one of two ways
 * decided when the guard is built:
 * <ul>
 *   <li>the guard's own statement, with the columns and binders of a {@link NativeInsert}, for entities whose insert is
 *       one row in one table with an identity id: no lookup before it and no savepoint around it, nothing that passes
 *       through Hibernate, so an expected duplicate makes nothing log a warning;</li>
 *   <li>otherwise Hibernate's own insert through a {@code StatelessSession} opened on the transaction's connection.</li>
 * </ul>
 * A deleted row is evicted from the second-level cache, which a plain JDBC delete would leave stale. Immutable and
 * thread-safe.
 */
final class EntityRows<F> implements HostRows<F> {
    private final SessionFactoryImplementor factory;
    private final EntityModel<F> model;
    private final @Nullable NativeInsert nativeInsert;

    EntityRows(SessionFactoryImplementor factory, EntityModel<F> model) {
        this.factory = factory;
        this.model = model;
        this.nativeInsert = NativeInsert.of(factory, model.persister);
    }

    @Override
    public FileKey keyOf(F file) {
        return model.keyOf(file);
    }

    @Override
    public Object scopeValue(StoredKey key) {
        return model.scopeValue(key);
    }

    @Override
    public boolean insertsItself() {
        return nativeInsert == null;
    }

    @Override
    public void deleted(long id) {
        if (factory.getCache() != null) {
            factory.getCache().evictEntityData(model.persister.getMappedClass(), id);
        }
    }

    @Override
    public Writer<F> open(Connection connection) {
        return new EntityWriter(connection);
    }

    /** Rows of one transaction; the Hibernate session on its connection is opened on first use. */
    private final class EntityWriter implements Writer<F> {
        private final Connection connection;
        private @Nullable StatelessSession session;

        EntityWriter(Connection connection) {
            this.connection = connection;
        }

        private StatelessSession session() {
            if (session == null) {
                session = factory.openStatelessSession(connection);
            }
            return session;
        }

        @Override
        public Row row(F file, StoredKey key) {
            NativeInsert insert = nativeInsert;
            if (insert == null) {
                return new Row() {
                    @Override
                    public @Nullable Columns columns() {
                        return null;
                    }

                    @Override
                    public int bind(PreparedStatement statement, int first) {
                        throw new UnsupportedOperationException("Hibernate inserts this entity itself");
                    }

                    @Override
                    public long insertItself() {
                        return ((Number) session().insert(model.entityToInsert(file, key))).longValue();
                    }

                    @Override
                    public void inserted(long id) {
                    }

                    @Override
                    public void notInserted() {
                    }
                };
            }
            SharedSessionContractImplementor hibernate = (SharedSessionContractImplementor) session();
            Object[] before = model.persister.getMappedClass().isInstance(file) ? model.persister.getValues(file)
                    : null;
            Object entity = model.entityToInsert(file, key);
            Object[] state = insert.prepare(entity, hibernate);
            return new Row() {
                @Override
                public Columns columns() {
                    return insert.columns();
                }

                @Override
                public int bind(PreparedStatement statement, int first) throws SQLException {
                    return insert.bind(statement, first, state, hibernate);
                }

                @Override
                public void inserted(long id) {
                    insert.stored(entity, id, state, hibernate);
                }

                /** The host's entity is put back as it was before the guard touched it. */
                @Override
                public void notInserted() {
                    if (before != null) {
                        model.persister.setValues(file, before);
                    }
                }
            };
        }

        @Override
        public void close() {
            if (session != null) {
                session.close();
            }
        }
    }
}
