package dev.dedupguard.jpa;

import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.HostRows;
import dev.dedupguard.spi.StoredKey;
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
    public boolean insertsItself() {
        return nativeInsert == null;
    }

    @Override
    public void deleted(long id) {
        if (factory.getCache() != null) {
            factory.getCache().evictEntityData(model.persister.getMappedClass(), id);
        }
    }

    /**
     * The Hibernate session on the transaction's connection, opened on first use and kept (closed by the guard when the
     * transaction ends).
     */
    private StatelessSession session(Transaction transaction) {
        StatelessSession session = (StatelessSession) transaction.kept();
        if (session == null) {
            session = factory.openStatelessSession(transaction.connection());
            transaction.keep(session);
        }
        return session;
    }

    @Override
    public Row row(Transaction transaction, F file, StoredKey key) {
        NativeInsert insert = nativeInsert;
        if (insert == null) {
            return Row.insertedBy(() -> ((Number) session(transaction).insert(model.entityToInsert(file, key)))
                    .longValue());
        }
        SharedSessionContractImplementor hibernate = (SharedSessionContractImplementor) session(transaction);
        Object[] before = model.persister.getMappedClass().isInstance(file) ? model.persister.getValues(file) : null;
        Object entity = model.entityToInsert(file, key);
        Object[] state = insert.prepare(entity, hibernate);
        return Row.bound(insert.columns(), (statement, first) -> insert.bind(statement, first, state, hibernate))
                .withOutcome(new Outcome() {
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
                }, insert.storedRunsHostCode());
    }
}
