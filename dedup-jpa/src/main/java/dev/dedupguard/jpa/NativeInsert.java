package dev.dedupguard.jpa;

import dev.dedupguard.jdbc.HostRows;
import dev.dedupguard.spi.StorageException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.hibernate.engine.internal.Versioning;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.event.internal.PostInsertEventListenerStandardImpl;
import org.hibernate.event.service.spi.EventListenerGroups;
import org.hibernate.event.spi.PostInsertEvent;
import org.hibernate.event.spi.PostInsertEventListener;
import org.hibernate.event.spi.PreInsertEvent;
import org.hibernate.generator.Generator;
import org.hibernate.id.IdentityGenerator;
import org.hibernate.jpa.event.spi.CallbackRegistry;
import org.hibernate.jpa.event.spi.CallbackType;
import org.hibernate.metamodel.mapping.AttributeMapping;
import org.hibernate.metamodel.mapping.ForeignKeyDescriptor;
import org.hibernate.metamodel.mapping.PluralAttributeMapping;
import org.hibernate.metamodel.mapping.SelectableMapping;
import org.hibernate.metamodel.mapping.internal.BasicAttributeMapping;
import org.hibernate.metamodel.mapping.internal.EmbeddedAttributeMapping;
import org.hibernate.metamodel.mapping.internal.ToOneAttributeMapping;
import org.hibernate.persister.entity.AbstractEntityPersister;
import org.jspecify.annotations.Nullable;

/**
 * An entity's insert as the guard's own statement: its columns and write expressions read once from Hibernate's
 * metamodel (the statement itself is the dialect's), every value bound by Hibernate's own JDBC binders: converters,
 * enums, embeddables and {@code java.time} values are written exactly as {@code StatelessSession.insert} writes them.
 * Around each row it does what {@code StatelessSession.insert} does: seeds the {@code @Version} attribute, runs
 * {@code @PrePersist}/{@code @PostPersist} callbacks, the interceptor's {@code onInsert}, the pre- and post-insert
 * event listeners and the insert statistics.
 *
 * <p>Only for entities whose insert is one row in one table with an identity id, so that the statement is all there is
 * to Hibernate's insert; {@link #unsupported} names what else keeps an entity on the {@code StatelessSession} path.
 * Immutable and thread-safe; the per-row state lives in the caller's session.
 */
final class NativeInsert {
    private final AbstractEntityPersister persister;
    private final List<AttributeMapping> attributes;
    private final HostRows.Columns columns;
    private final int columnCount;
    private final boolean integerId;
    private final EventListenerGroups listeners;
    private final CallbackRegistry callbacks;
    private final SessionFactoryImplementor factory;
    private final boolean storedRunsHostCode;

    @SuppressWarnings("deprecation") // listeners(): the only way to see which post-insert listeners are registered
    private NativeInsert(SessionFactoryImplementor factory, AbstractEntityPersister persister) {
        this.factory = factory;
        this.persister = persister;
        this.listeners = factory.getEventListenerGroups();
        this.callbacks = factory.getEventEngine().getCallbackRegistry();
        this.integerId = persister.getIdentifierType().getReturnedClass() == Integer.class;
        List<AttributeMapping> inserted = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        boolean[] insertable = persister.getPropertyInsertability();
        for (int a = 0; a < persister.getAttributeMappings().size(); a++) {
            AttributeMapping attribute = persister.getAttributeMappings().get(a);
            if (attribute instanceof PluralAttributeMapping || !insertable[attribute.getStateArrayPosition()]) {
                continue;
            }
            inserted.add(attribute);
            attribute.forEachSelectable((i, selectable) -> {
                if (selectable.isInsertable()) {
                    names.add(selectable.getSelectionExpression());
                    values.add(selectable.getWriteExpression());
                }
            });
        }
        this.attributes = List.copyOf(inserted);
        this.columns = new HostRows.Columns(names, values);
        this.columnCount = names.size();
        boolean foreignListener = false;
        for (PostInsertEventListener listener : listeners.eventListenerGroup_POST_INSERT.listeners()) {
            foreignListener |= !(listener instanceof PostInsertEventListenerStandardImpl);
        }
        this.storedRunsHostCode = foreignListener
                || callbacks.hasRegisteredCallbacks(persister.getMappedClass(), CallbackType.POST_PERSIST);
    }

    /**
     * The native insert of {@code persister}'s entity, or {@code null} if the entity's insert is more than one row in
     * one table (see {@link #unsupported}).
     */
    static @Nullable NativeInsert of(SessionFactoryImplementor factory, AbstractEntityPersister persister) {
        return unsupported(persister) != null ? null : new NativeInsert(factory, persister);
    }

    /**
     * Why the entity's insert cannot be this one statement, or {@code null} if it can: an id that is not an identity
     * column; inheritance (a discriminator, or one table per class); secondary or join tables; a custom
     * {@code @SQLInsert}; dynamic insert; owned collections (Hibernate inserts their rows too); attributes generated by
     * Hibernate before the insert ({@code @CreationTimestamp}, {@code @TenantId}, ...) or by the database and read back
     * ({@code @Generated}); soft delete; {@code @Any} and inverse one-to-one attributes; a {@code @ColumnTransformer}
     * whose write expression is not one parameter.
     */
    static @Nullable String unsupported(AbstractEntityPersister persister) {
        if (!(persister.getGenerator() instanceof IdentityGenerator)) {
            return "its id is not generated by an identity column";
        }
        if (persister.isInherited() || persister.hasSubclasses() || persister.getDiscriminatorMapping() != null) {
            return "it is part of an inheritance hierarchy";
        }
        if (persister.getTableSpan() != 1 || persister.getTableMappings().length != 1) {
            return "it is mapped to more than one table";
        }
        if (persister.getIdentifierTableMapping().getInsertCustomSql() != null) {
            return "it has a custom @SQLInsert";
        }
        if (persister.isDynamicInsert()) {
            return "it uses dynamic insert";
        }
        if (persister.hasOwnedCollections()) {
            return "it owns collections, whose rows Hibernate inserts with it";
        }
        if (persister.hasPreInsertGeneratedProperties()) {
            return "Hibernate generates some of its attributes before the insert";
        }
        if (persister.getSoftDeleteMapping() != null) {
            return "it uses soft delete";
        }
        for (int a = 0; a < persister.getAttributeMappings().size(); a++) {
            AttributeMapping attribute = persister.getAttributeMappings().get(a);
            Generator generator = attribute.getGenerator();
            if (generator != null && generator.generatesOnInsert()) {
                return "attribute " + attribute.getAttributeName() + " is generated on insert";
            }
            if (attribute instanceof PluralAttributeMapping) {
                continue;
            }
            if (!(attribute instanceof BasicAttributeMapping || attribute instanceof EmbeddedAttributeMapping
                    || attribute instanceof ToOneAttributeMapping toOne
                            && toOne.getSideNature() == ForeignKeyDescriptor.Nature.KEY)) {
                return "attribute " + attribute.getAttributeName() + " is a " + attribute.getClass().getSimpleName();
            }
            String[] badWrite = {null};
            attribute.forEachSelectable((i, selectable) -> {
                if (selectable.isInsertable() && selectable.getWriteExpression().chars().filter(c -> c == '?')
                        .count() != 1) {
                    badWrite[0] = selectable.getSelectionExpression();
                }
            });
            if (badWrite[0] != null) {
                return "column " + badWrite[0] + " has a write expression that is not one parameter";
            }
        }
        return null;
    }

    /** The columns the insert writes, with their write expressions. */
    HostRows.Columns columns() {
        return columns;
    }

    /**
     * What {@code StatelessSession.insert} does before its statement: the entity's state with the version seeded (and
     * written back to the entity), the {@code @PrePersist} callbacks, the pre-insert listeners and the interceptor.
     *
     * @throws StorageException if a pre-insert listener vetoes the insert, which the guard cannot report as a result
     */
    @SuppressWarnings("deprecation") // listeners(): as StatelessSessionImpl itself collects the vetoes in Hibernate 7.4
    Object[] prepare(Object entity, SharedSessionContractImplementor session) {
        Object[] state = persister.getValues(entity);
        if (persister.isVersioned() && Versioning.seedVersion(entity, state, persister, session)) {
            persister.setValues(entity, state);
        }
        callbacks.preCreate(entity);
        if (!listeners.eventListenerGroup_PRE_INSERT.isEmpty()) {
            PreInsertEvent event = new PreInsertEvent(entity, null, state, persister, session);
            boolean veto = false;
            for (var listener : listeners.eventListenerGroup_PRE_INSERT.listeners()) {
                veto |= listener.onPreInsert(event);
            }
            if (veto) {
                throw new StorageException(StorageException.Kind.OTHER, "a PreInsertEventListener vetoed the insert of "
                        + persister.getEntityName(), null);
            }
        }
        session.getInterceptor().onInsert(entity, null, state, persister.getPropertyNames(),
                persister.getPropertyTypes());
        return state;
    }

    /** Binds one row's values from {@code state} from parameter {@code first}; returns the next parameter index. */
    int bind(PreparedStatement ps, int first, Object[] state, SharedSessionContractImplementor session)
            throws SQLException {
        int[] next = {first};
        try {
            for (AttributeMapping attribute : attributes) {
                attribute.decompose(state[attribute.getStateArrayPosition()], 0, ps, session,
                        (int valueIndex, PreparedStatement st, SharedSessionContractImplementor s, Object value,
                                SelectableMapping selectable) -> {
                            if (selectable.isInsertable()) {
                                bindValue(st, next[0]++, value, selectable, s);
                            }
                        }, session);
            }
        } catch (BindFailure e) {
            throw e.getCause();
        }
        if (next[0] - first != columnCount) {
            throw new IllegalStateException(persister.getEntityName() + " decomposed into " + (next[0] - first)
                    + " insertable values, its insert has " + columnCount + " columns");
        }
        return next[0];
    }

    @SuppressWarnings("unchecked")
    private static void bindValue(PreparedStatement ps, int index, @Nullable Object value, SelectableMapping selectable,
            SharedSessionContractImplementor session) {
        try {
            selectable.getJdbcMapping().getJdbcValueBinder().bind(ps, value, index, session);
        } catch (SQLException e) {
            throw new BindFailure(e);
        }
    }

    /**
     * What {@code StatelessSession.insert} does after its statement stored the row: sets the generated id on the
     * entity, runs the post-insert listeners (among them Hibernate's, which runs the {@code @PostPersist} callbacks) and
     * counts the insert.
     */
    void stored(Object entity, long id, Object[] state, SharedSessionContractImplementor session) {
        Object identifier = integerId ? (Object) Math.toIntExact(id) : (Object) id;
        persister.setIdentifier(entity, identifier, session);
        listeners.eventListenerGroup_POST_INSERT.fireLazyEventOnEachListener(
                () -> new PostInsertEvent(entity, identifier, state, persister, session),
                PostInsertEventListener::onPostInsert);
        if (factory.getStatistics().isStatisticsEnabled()) {
            factory.getStatistics().insertEntity(persister.getEntityName());
        }
    }

    /**
     * Whether {@link #stored} runs code that may fail: a {@code @PostPersist} callback of the entity, or a post-insert
     * listener other than Hibernate's own (which runs those callbacks). Without either it only sets the id and counts.
     */
    boolean storedRunsHostCode() {
        return storedRunsHostCode;
    }

    /** Carries a binder's {@link SQLException} out of Hibernate's value consumer. */
    private static final class BindFailure extends RuntimeException {
        BindFailure(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }
}
