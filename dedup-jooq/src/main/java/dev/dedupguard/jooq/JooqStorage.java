package dev.dedupguard.jooq;


import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.JdbcSession;
import dev.dedupguard.jdbc.JdbcStorage;
import dev.dedupguard.jdbc.JdbcTable;
import dev.dedupguard.jdbc.JdbcTransactions;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.util.ArrayList;
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
import org.jspecify.annotations.Nullable;

/**
 * The jOOQ implementation of the storage port: transactions, finds, locks and deletes come from the JDBC support
 * layer; jOOQ renders the inserts from the host's {@link TableModel}. Own mode takes connections from a
 * {@link ConnectionProvider}; joined mode runs on the connection of a caller's transactional {@link DSLContext}.
 */
final class JooqStorage<F> extends JdbcStorage<F> {
    private final @Nullable ConnectionProvider connections;
    private final @Nullable DSLContext joined;
    private final SQLDialect sqlDialect;
    private final Settings settings;
    private final TableModel<F> model;
    private final boolean hasConflictClause;

    JooqStorage(ConnectionProvider connections, SQLDialect sqlDialect, Dialect dialect, TableModel<F> model,
            String stripeTableName, int maxFileNameBytes) {
        this(connections, null, sqlDialect, new JdbcTable(dialect, model.schema(), stripeTableName, model::scopeValue),
                model, maxFileNameBytes);
    }

    private JooqStorage(@Nullable ConnectionProvider connections, @Nullable DSLContext joined, SQLDialect sqlDialect,
            JdbcTable table, TableModel<F> model, int maxFileNameBytes) {
        super(table, maxFileNameBytes, true);
        this.connections = connections;
        this.joined = joined;
        this.sqlDialect = sqlDialect;
        this.settings = renderSettings();
        this.model = model;
        this.hasConflictClause = table.dialect().hasInsertIfAbsent();
    }

    /** Unquoted names, so that H2's default upper-casing and PostgreSQL's lower-casing both find the tables. */
    static Settings renderSettings() {
        return new Settings().withRenderQuotedNames(RenderQuotedNames.NEVER).withExecuteLogging(false);
    }

    /** The same storage, bound to the caller's transaction of {@code transactional}. */
    JooqStorage<F> joining(DSLContext transactional) {
        return new JooqStorage<>(null, transactional, sqlDialect, table, model, maxFileNameBytes());
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
    protected Connection acquire() {
        return connections.acquire();
    }

    @Override
    protected void release(Connection connection) {
        connections.release(connection);
    }

    @Override
    protected <T> T onCallerConnection(JdbcTransactions.SqlWork<T> work) {
        return joined.connectionResult(work::run);
    }

    @Override
    protected JdbcSession<F> openSession(Connection connection, @Nullable String pendingLockTimeout) {
        return new Session(connection, pendingLockTimeout);
    }

    /** The primitives, on one transaction's connection. */
    private final class Session extends JdbcSession<F> {
        private final DSLContext ctx;

        Session(Connection connection, @Nullable String pendingLockTimeout) {
            super(connection, JooqStorage.this.table, joined != null, pendingLockTimeout);
            this.ctx = DSL.using(connection, sqlDialect, settings);
        }

        /**
         * An insert of one row; with a pending lock timeout, as {@code INSERT ... SELECT ... FROM <carrier> cfg}, which
         * puts the timeout in force before the insert can wait on another transaction's uncommitted row of the same key.
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
            return insert.select(DSL.select(row).from(
                    DSL.table(table.dialect().lockTimeoutCarrier(), timeout).as("cfg")));
        }

        @Override
        public long insert(F file, StoredKey key) {
            return jooq("inserting the row", () -> insertStep(file, key).returningResult(model.id).fetchOne(model.id)
                    .longValue());
        }

        @Override
        public OptionalLong insertIfAbsent(F file, StoredKey key) {
            if (hasConflictClause) {
                Number id = jooq("inserting the row", () -> insertStep(file, key).onConflict(model.keyColumns())
                        .doNothing().returningResult(model.id).fetchOne(model.id));
                return id == null ? OptionalLong.empty() : OptionalLong.of(id.longValue());
            }
            try {
                return OptionalLong.of(insertStep(file, key).returningResult(model.id).fetchOne(model.id).longValue());
            } catch (DataAccessException e) {
                if (isUniqueViolation(e)) {
                    return OptionalLong.empty();
                }
                throw table.dialect().translate("inserting the row", e);
            }
        }

        @Override
        public Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
            if (!hasConflictClause || rows.isEmpty()) {
                return super.insertAllIfAbsent(rows);
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
            rows.forEach(r -> byColumns.put(JdbcTable.columnsOf(table.scopeValue(r.key()),
                    r.key().file().contentHash(), table.schema().nameMatchValue(r.key())), r.key()));
            Map<StoredKey, Long> inserted = new HashMap<>();
            for (Record r : jooq("inserting the rows", () -> insert.onConflict(model.keyColumns()).doNothing()
                    .returningResult(model.id, model.scope, model.contentHash, model.nameMatch()).fetch())) {
                StoredKey key = byColumns.get(JdbcTable.columnsOf(r.get(1), r.get(2, String.class),
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

        /** Runs jOOQ work, reporting a failure as a {@code StorageException} that says what was attempted. */
        private <T> T jooq(String attempted, java.util.function.Supplier<T> work) {
            try {
                return work.get();
            } catch (DataAccessException e) {
                throw table.dialect().translate(attempted, e);
            }
        }
    }
}
