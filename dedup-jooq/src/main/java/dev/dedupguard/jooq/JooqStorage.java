package dev.dedupguard.jooq;


import dev.dedupguard.FileKey;
import dev.dedupguard.spi.JdbcKeyStatements;
import dev.dedupguard.spi.JdbcTransactions;
import dev.dedupguard.spi.SqlErrors;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.InsertOnDuplicateStep;
import org.jooq.InsertValuesStepN;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * The jOOQ implementation of the storage SPI, for PostgreSQL and H2. Own mode takes connections from a
 * {@link ConnectionProvider}; joined mode runs on the connection of a caller's transactional {@link DSLContext}.
 */
final class JooqStorage<F> implements StorageBackend<F> {
    private final ConnectionProvider connections;
    private final DSLContext joined;
    private final SQLDialect dialect;
    private final Settings settings;
    private final TableModel<F> model;
    private final String stripeTable;
    private final JdbcKeyStatements statements;
    private final int maxFileNameBytes;

    JooqStorage(ConnectionProvider connections, SQLDialect dialect, TableModel<F> model, String stripeTableName,
            int maxFileNameBytes) {
        this(connections, null, dialect, model, stripeTableName, maxFileNameBytes);
    }

    private JooqStorage(ConnectionProvider connections, DSLContext joined, SQLDialect dialect, TableModel<F> model,
            String stripeTableName, int maxFileNameBytes) {
        this.connections = connections;
        this.joined = joined;
        this.dialect = dialect;
        this.settings = renderSettings();
        this.model = model;
        this.stripeTable = stripeTableName;
        this.statements = new JdbcKeyStatements(model.schema(), stripeTableName, model::scopeValue);
        this.maxFileNameBytes = maxFileNameBytes;
    }

    /** Unquoted names, so that H2's default upper-casing and PostgreSQL's lower-casing both find the tables. */
    static Settings renderSettings() {
        return new Settings().withRenderQuotedNames(RenderQuotedNames.NEVER).withExecuteLogging(false);
    }

    /** The same storage, bound to the caller's transaction of {@code transactional}. */
    JooqStorage<F> joining(DSLContext transactional) {
        return new JooqStorage<>(null, transactional, dialect, model, stripeTable, maxFileNameBytes);
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
        return joined != null ? inCallerTransaction(spec, work) : inOwnTransaction(spec, work);
    }

    private <T> T inOwnTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        Connection c;
        try {
            c = connections.acquire();
        } catch (RuntimeException e) {
            throw SqlErrors.translate("obtaining a connection", e);
        }
        try {
            // On PostgreSQL the session sets the lock timeout inside its first statement that can wait (one round trip
            // fewer per registration); H2's in-process SET LOCK_TIMEOUT costs nothing and is set up front.
            String deferred = isPostgres() ? JdbcTransactions.lockTimeoutSetting(spec.lockTimeout()) : null;
            return JdbcTransactions.inOwnTransaction(c, isPostgres(), spec, deferred == null,
                    conn -> work.run(new Session(DSL.using(conn, dialect, settings), deferred)));
        } finally {
            connections.release(c);
        }
    }

    private <T> T inCallerTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        return joined.connectionResult(c -> JdbcTransactions.inSavepoint(c, isPostgres(), spec,
                conn -> work.run(new Session(DSL.using(conn, dialect, settings), null))));
    }

    private boolean isPostgres() {
        return dialect.family() == SQLDialect.POSTGRES;
    }

    /** The primitives, on one transaction's connection. */
    private final class Session implements StorageSession<F> {
        private final DSLContext ctx;
        /** A PostgreSQL lock_timeout value not yet in force in this transaction, or null. */
        private String pendingLockTimeout;

        Session(DSLContext ctx, String pendingLockTimeout) {
            this.ctx = ctx;
            this.pendingLockTimeout = pendingLockTimeout;
        }

        /** The pending lock timeout, for the statement about to embed it; from then on it is in force. */
        private String takeLockTimeout() {
            String pending = pendingLockTimeout;
            pendingLockTimeout = null;
            return pending;
        }

        /** Puts the pending lock timeout in force with a statement of its own, before one that cannot embed it. */
        private void applyLockTimeout() {
            String pending = takeLockTimeout();
            if (pending != null) {
                ctx.select(DSL.field("set_config('lock_timeout', {0}, true)", String.class, pending)).fetch();
            }
        }

        /**
         * An insert of one row; with a pending lock timeout, as {@code INSERT ... SELECT ... FROM (SELECT
         * set_config('lock_timeout', ...)) cfg}, which puts the timeout in force before the insert can wait on another
         * transaction's uncommitted row of the same key.
         */
        private InsertOnDuplicateStep<Record> insertStep(F file, StoredKey key) {
            Map<Field<?>, Object> values = model.insertValues(file, key);
            List<Field<?>> columns = new ArrayList<>(values.keySet());
            InsertValuesStepN<Record> insert = ctx.insertInto(DSL.table(model.table.getQualifiedName()), columns);
            List<Field<?>> row = new ArrayList<>(columns.size());
            values.forEach((f, v) -> row.add(DSL.val(v, f.getDataType())));
            String timeout = takeLockTimeout();
            if (timeout == null) {
                return insert.values(row);
            }
            return insert.select(DSL.select(row).from(DSL.select(
                    DSL.field("set_config('lock_timeout', {0}, true)", String.class, timeout)).asTable("cfg")));
        }

        @Override
        public OptionalLong find(StoredKey key) {
            return ctx.connectionResult(c -> statements.find(c, key));
        }

        @Override
        public Map<StoredKey, Long> findAll(Collection<StoredKey> keys) {
            return ctx.connectionResult(c -> statements.findAll(c, keys));
        }

        @Override
        public void lockStripes(int[] stripes) {
            String timeout = takeLockTimeout();
            ctx.connection(c -> statements.lockStripes(c, stripes, joined != null && !isPostgres(), timeout));
        }

        @Override
        public void touchStripes(int[] stripes) {
            ctx.connection(c -> statements.touchStripes(c, stripes));
        }

        @Override
        public long insert(F file, StoredKey key) {
            return insertStep(file, key).returningResult(model.id).fetchOne(model.id).longValue();
        }

        @Override
        public OptionalLong insertIfAbsent(F file, StoredKey key) {
            if (isPostgres()) {
                Number id = insertStep(file, key).onConflict(model.keyColumns()).doNothing()
                        .returningResult(model.id).fetchOne(model.id);
                return id == null ? OptionalLong.empty() : OptionalLong.of(id.longValue());
            }
            try {
                return OptionalLong.of(insert(file, key));
            } catch (DataAccessException e) {
                if (SqlErrors.kindOf(e) == StorageException.Kind.UNIQUE_VIOLATION) {
                    return OptionalLong.empty();
                }
                throw e;
            }
        }

        @Override
        public Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
            if (!isPostgres() || rows.isEmpty()) {
                return StorageSession.super.insertAllIfAbsent(rows);
            }
            applyLockTimeout();
            List<Map<Field<?>, Object>> valueMaps = new ArrayList<>(rows.size());
            Map<String, Field<?>> columns = new LinkedHashMap<>();
            for (Row<F> row : rows) {
                Map<Field<?>, Object> values = model.insertValues(row.file(), row.key());
                values.keySet().forEach(f -> columns.putIfAbsent(f.getName(), f));
                valueMaps.add(values);
            }
            List<Field<?>> columnList = new ArrayList<>(columns.values());
            InsertValuesStepN<Record> into = ctx.insertInto(DSL.table(model.table.getQualifiedName()), columnList);
            boolean uniform = valueMaps.stream().allMatch(m -> m.size() == columnList.size());
            InsertOnDuplicateStep<Record> insert = uniform
                    ? into.select(DSL.select(DSL.asterisk()).from(unnest(columnList, valueMaps)))
                    : valuesRows(into, columnList, valueMaps);
            Map<List<String>, StoredKey> byColumns = new HashMap<>();
            rows.forEach(r -> byColumns.put(JdbcKeyStatements.columnsOf(model.scopeValue(r.key()),
                    r.key().file().contentHash(),
                    model.nameMatchValue(r.key())), r.key()));
            Map<StoredKey, Long> inserted = new HashMap<>();
            for (Record r : insert.onConflict(model.keyColumns()).doNothing()
                    .returningResult(model.id, model.scope, model.contentHash, model.nameMatch()).fetch()) {
                StoredKey key = byColumns.get(JdbcKeyStatements.columnsOf(r.get(1), r.get(2, String.class),
                        r.get(3, String.class)));
                inserted.put(key, r.get(0, Number.class).longValue());
            }
            return inserted;
        }

        /**
         * The rows as {@code unnest(?, ?, ...)}: one array parameter per column, so that the statement is the same size
         * whatever the number of rows (rendering a 500-row VALUES list costs the client more than the insert costs the
         * server).
         */
        private Table<Record> unnest(List<Field<?>> columns, List<Map<Field<?>, Object>> valueMaps) {
            List<Field<?>> arrays = new ArrayList<>(columns.size());
            StringBuilder template = new StringBuilder("unnest(");
            for (int c = 0; c < columns.size(); c++) {
                Field<?> column = columns.get(c);
                Object array = java.lang.reflect.Array.newInstance(column.getType(), valueMaps.size());
                for (int r = 0; r < valueMaps.size(); r++) {
                    for (Map.Entry<Field<?>, Object> e : valueMaps.get(r).entrySet()) {
                        if (e.getKey().getName().equals(column.getName())) {
                            java.lang.reflect.Array.set(array, r, column.getDataType().convert(e.getValue()));
                        }
                    }
                }
                arrays.add(DSL.val(array, column.getDataType().getArrayDataType()));
                template.append(c == 0 ? "" : ", ").append('{').append(c).append('}');
            }
            return DSL.table(template.append(')').toString(), arrays.toArray(new Field<?>[0]));
        }

        /** The rows as a multi-row VALUES list, with DEFAULT where a row does not set a column. */
        private InsertOnDuplicateStep<Record> valuesRows(InsertValuesStepN<Record> insert, List<Field<?>> columnList,
                List<Map<Field<?>, Object>> valueMaps) {
            for (Map<Field<?>, Object> values : valueMaps) {
                Map<String, Object> byName = new HashMap<>();
                values.forEach((f, v) -> byName.put(f.getName(), v));
                List<Field<?>> rowValues = new ArrayList<>(columnList.size());
                for (Field<?> column : columnList) {
                    rowValues.add(byName.containsKey(column.getName())
                            ? DSL.val(byName.get(column.getName()), column.getDataType())
                            : DSL.defaultValue(column));
                }
                insert = insert.values(rowValues);
            }
            return insert;
        }

        @Override
        public boolean delete(StoredKey key) {
            applyLockTimeout();
            return ctx.connectionResult(c -> statements.delete(c, key));
        }
    }
}
