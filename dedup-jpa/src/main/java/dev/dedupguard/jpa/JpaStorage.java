package dev.dedupguard.jpa;

import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.JdbcSession;
import dev.dedupguard.jdbc.JdbcStorage;
import dev.dedupguard.jdbc.JdbcTable;
import dev.dedupguard.jdbc.JdbcTransactions;
import dev.dedupguard.jdbc.TableLimits;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;
import org.hibernate.Session;
import org.hibernate.StatelessSession;
import org.hibernate.engine.jdbc.connections.spi.ConnectionProvider;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.jspecify.annotations.Nullable;

/**
 * The JPA implementation of the storage port. Reads, locks and deletes are plain JDBC from the JDBC support layer, on
 * the transaction's connection (so no exception ever passes through the host's {@code EntityManager}, which would mark
 * its transaction for rollback). Inserts write every mapped column of the entity (generated id, version seed,
 * converters) exactly as {@code persist} would, in one of two ways decided when the guard is built:
 * <ul>
 *   <li>a {@link NativeInsert} (PostgreSQL and MariaDB, for entities whose insert is one row in one table with an
 *       identity id): one plain JDBC statement rendered from Hibernate's metamodel, with {@code ON CONFLICT DO NOTHING}
 *       on PostgreSQL, a caught duplicate-key error on MariaDB, values bound by Hibernate's binders. No lookup before
 *       it and no savepoint around it, so an expected duplicate fails no statement on PostgreSQL, and on MariaDB only
 *       the guard's own statement, which no one logs. It goes through
 *       {@link JdbcSession}'s pipeline, so the lock timeout (own transactions) and a stripe write travel with it in the
 *       same round trip;</li>
 *   <li>otherwise a {@code StatelessSession} opened on the transaction's connection, after a lookup and inside a
 *       savepoint (see the session's {@code insertIfAbsent}).</li>
 * </ul>
 */
final class JpaStorage<F> extends JdbcStorage<F> {
    private final SessionFactoryImplementor factory;
    private final @Nullable ConnectionProvider connections;
    private final @Nullable EntityManager joined;
    private final EntityModel<F> model;
    private final @Nullable NativeInsert nativeInsert;
    private final @Nullable String nativeInsertOrFind;
    private final @Nullable String nativeFindOrInsert;
    /** Bind parameters kept free for what the session queues ahead of a multi-row insert (lock timeout, stripes). */
    private static final int QUEUED_PARAMETERS = 2048;
    /** The multi-row insert rendered last, kept since consecutive chunks mostly have the same size. */
    private volatile @Nullable RenderedRows lastRows;

    JpaStorage(SessionFactoryImplementor factory, ConnectionProvider connections, EntityModel<F> model,
            Dialect dialect, String stripeTable, TableLimits limits) {
        this(factory, connections, null, model, new JdbcTable(dialect, model.schema, stripeTable, model::scopeValue),
                limits, NativeInsert.of(factory, model.persister, model.schema, dialect));
    }

    private JpaStorage(SessionFactoryImplementor factory, @Nullable ConnectionProvider connections,
            @Nullable EntityManager joined, EntityModel<F> model, JdbcTable table, TableLimits limits,
            @Nullable NativeInsert nativeInsert) {
        super(table, limits, nativeInsert != null);
        this.factory = factory;
        this.connections = connections;
        this.joined = joined;
        this.model = model;
        this.nativeInsert = nativeInsert;
        this.nativeInsertOrFind = nativeInsert == null || nativeInsert.insertIfAbsentSql() == null ? null
                : table.insertOrFindSql(nativeInsert.insertIfAbsentSql());
        this.nativeFindOrInsert = nativeInsert == null ? null
                : table.findOrInsertSql(nativeInsert.columnsHead(), nativeInsert.valueList());
    }

    /** Whether inserts run as the native statement rather than through a {@code StatelessSession}. */
    boolean insertsNatively() {
        return nativeInsert != null;
    }

    /** The same storage, bound to the caller's transaction of {@code entityManager}. */
    JpaStorage<F> joining(EntityManager entityManager) {
        return new JpaStorage<>(factory, null, entityManager, model, table, limits(), nativeInsert);
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

    /** The primitives on one transaction's connection; inserts natively or through a stateless session on it. */
    private final class EntitySession extends JdbcSession<F> {
        private @Nullable StatelessSession inserter;

        EntitySession(Connection connection, @Nullable String pendingLockTimeout) {
            super(connection, JpaStorage.this.table, joined != null, pendingLockTimeout);
        }

        /** The Hibernate session on this connection, opened on first use: it inserts, or binds the native insert. */
        private StatelessSession inserter() {
            if (inserter == null) {
                inserter = factory.openStatelessSession(connection);
            }
            return inserter;
        }

        private SharedSessionContractImplementor hibernate() {
            return (SharedSessionContractImplementor) inserter();
        }

        @Override
        public long insert(F file, StoredKey key) {
            if (nativeInsert == null) {
                flushQueued();
                Object id = inserter().insert(model.entityToInsert(file, key));
                return ((Number) id).longValue();
            }
            return insertNatively(file, key, nativeInsert.insertSql(), "inserting the row").orElseThrow(
                    () -> new StorageException(StorageException.Kind.OTHER, "the insert returned no id", null));
        }

        /**
         * Natively (see {@link JpaStorage}): one {@code INSERT ... ON CONFLICT DO NOTHING RETURNING id}. Otherwise
         * Hibernate's insert has no conflict clause, so a re-upload of a committed file is answered by a lookup first
         * (no failing insert, and no warning that Hibernate would log for one); a new key, or one whose first insert
         * is still uncommitted elsewhere, is inserted, on PostgreSQL inside a savepoint that is rolled back on a unique
         * violation, since a failed statement aborts the transaction there; on H2 and MariaDB it leaves the transaction
         * usable. The violation is recognised by SQLSTATE and vendor code, and recorded, so that the re-read of the key
         * is current even where the lookup fixed a REPEATABLE READ snapshot (MariaDB, see {@link JdbcSession}).
         */
        @Override
        public OptionalLong insertIfAbsent(F file, StoredKey key) {
            if (nativeInsert != null && nativeInsert.insertIfAbsentSql() != null) {
                return insertNatively(file, key, nativeInsert.insertIfAbsentSql(), "inserting the row");
            }
            if (nativeInsert != null && !table.dialect().uniqueViolationAbortsTransaction()) {
                try {
                    return insertNatively(file, key, nativeInsert.insertSql(), "inserting the row");
                } catch (RuntimeException e) {
                    if (isUniqueViolation(e)) {
                        return duplicate(key);
                    }
                    throw e;
                }
            }
            if (find(key).isPresent()) {
                return OptionalLong.empty();
            }
            flushQueued();
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
                return duplicate(key);
            }
        }

        /**
         * Natively, where the database can combine them, the insert and the lookup of an existing row in one
         * statement; the entity gets the id if it was inserted.
         */
        @Override
        public StorageSession.@Nullable Stored insertOrFind(F file, StoredKey key) {
            NativeInsert insert = nativeInsert;
            String sql = nativeInsertOrFind;
            if (insert == null || sql == null) {
                return super.insertOrFind(file, key);
            }
            return writeNatively(insert, file, key, binder -> insertOrFind("inserting the row", sql,
                    insert.parameterCount(), binder, key));
        }

        /**
         * Natively, where the database can combine them, the lookup and (if it finds nothing) the insert with its stripe
         * write in one statement; the entity gets the id if it was inserted.
         */
        @Override
        public StorageSession.Stored findOrInsert(F file, StoredKey key, int[] stripes) {
            NativeInsert insert = nativeInsert;
            String sql = nativeFindOrInsert;
            if (insert == null || sql == null || stripes.length != 1) {
                return super.findOrInsert(file, key, stripes);
            }
            return Objects.requireNonNull(writeNatively(insert, file, key, binder -> findOrInsert("registering the row",
                    sql, insert.parameterCount(), binder, key, stripes[0])));
        }

        /**
         * One statement with the entity's row; its id if the statement returned one. The entity gets the id; without
         * one (a duplicate) the host's entity is put back as it was.
         */
        private OptionalLong insertNatively(F file, StoredKey key, String sql, String attempted) {
            StorageSession.Stored stored = writeNatively(nativeInsert, file, key, binder -> execute(attempted, sql,
                    true, binder, (ps, hasResultSet) -> {
                        try (ResultSet rs = ps.getResultSet()) {
                            return rs.next() ? StorageSession.Stored.inserted(rs.getLong(1)) : null;
                        }
                    }));
            return stored == null ? OptionalLong.empty() : OptionalLong.of(stored.id());
        }

        /**
         * Runs one native statement for {@code file}'s entity, bound by {@link NativeInsert#bind} (Hibernate's
         * callbacks and version seeding run first); the entity gets the id if the statement inserted its row, else
         * the host's entity is put back as it was.
         */
        private StorageSession.@Nullable Stored writeNatively(NativeInsert insert, F file, StoredKey key,
                Function<Binder, StorageSession.@Nullable Stored> statement) {
            SharedSessionContractImplementor session = hibernate();
            Object[] before = ownState(file);
            Object entity = model.entityToInsert(file, key);
            Object[] state = insert.prepare(entity, session);
            StorageSession.Stored stored;
            try {
                stored = statement.apply((ps, first) -> insert.bind(ps, first, state, session));
            } catch (RuntimeException e) {
                if (before != null) {
                    model.persister.setValues(file, before);
                }
                throw e;
            }
            if (stored != null && stored.inserted()) {
                insert.stored(entity, stored.id(), state, session);
            } else if (before != null) {
                model.persister.setValues(file, before);
            }
            return stored;
        }

        /**
         * Natively, one {@code INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING id, key columns} per
         * chunk (split further only where the rows' parameters would exceed the driver's limit); the returned key
         * columns say which rows were new.
         */
        @Override
        public Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
            if (nativeInsert == null || nativeInsert.insertIfAbsentSql() == null || rows.isEmpty()) {
                return super.insertAllIfAbsent(rows);
            }
            NativeInsert insert = nativeInsert;
            SharedSessionContractImplementor session = hibernate();
            int n = rows.size();
            Object[][] before = new Object[n][];
            Object[] entities = new Object[n];
            Object[][] states = new Object[n][];
            Map<List<String>, Integer> byColumns = new HashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                Row<F> row = rows.get(i);
                before[i] = ownState(row.file());
                entities[i] = model.entityToInsert(row.file(), row.key());
                states[i] = insert.prepare(entities[i], session);
                byColumns.put(JdbcTable.columnsOf(table.scopeValue(row.key()), row.key().file().contentHash(),
                        table.schema().nameMatchValue(row.key())), i);
            }
            Map<StoredKey, Long> inserted = new HashMap<>(n * 2);
            int perStatement = insert.maxRowsPerStatement(QUEUED_PARAMETERS);
            for (int from = 0; from < n; from += perStatement) {
                int start = from;
                int count = Math.min(perStatement, n - from);
                execute("inserting the rows", insertAllSql(count), true, (ps, first) -> {
                    int p = first;
                    for (int i = start; i < start + count; i++) {
                        p = insert.bind(ps, p, states[i], session);
                    }
                }, (ps, hasResultSet) -> {
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            Integer i = byColumns.get(JdbcTable.columnsOf(rs.getObject(2), rs.getString(3),
                                    rs.getString(4)));
                            if (i != null) {
                                inserted.put(rows.get(i).key(), rs.getLong(1));
                            }
                        }
                    }
                    return null;
                });
            }
            for (int i = 0; i < n; i++) {
                Long id = inserted.get(rows.get(i).key());
                if (id != null) {
                    insert.stored(entities[i], id, states[i], session);
                } else if (before[i] != null) {
                    model.persister.setValues(rows.get(i).file(), before[i]);
                }
            }
            return inserted;
        }

        /** The host entity's own state before the guard touches it, or {@code null} if the file is not the row. */
        private Object @Nullable [] ownState(F file) {
            return model.persister.getMappedClass().isInstance(file) ? model.persister.getValues(file) : null;
        }

        private String insertAllSql(int rows) {
            RenderedRows last = lastRows;
            if (last != null && last.rows == rows) {
                return last.sql;
            }
            String sql = nativeInsert.insertAllIfAbsentSql(rows);
            lastRows = new RenderedRows(rows, sql);
            return sql;
        }

        /** Deletes the rows and evicts them from the second-level cache, which a plain JDBC delete would leave stale. */
        @Override
        public List<StoredRow> delete(StoredKey key) {
            List<StoredRow> deleted = super.delete(key);
            if (factory.getCache() != null) {
                deleted.forEach(row -> factory.getCache().evictEntityData(model.persister.getMappedClass(), row.id()));
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

    /** A multi-row insert's SQL for a number of rows. */
    private record RenderedRows(int rows, String sql) {
    }
}
