package dev.dedupguard.jooq;


import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.JdbcSession;
import dev.dedupguard.jdbc.JdbcStorage;
import dev.dedupguard.jdbc.JdbcTable;
import dev.dedupguard.jdbc.JdbcTransactions;
import dev.dedupguard.jdbc.TableLimits;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jooq.ConnectionProvider;
import org.jooq.Converter;
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
    /** Value types that JDBC's {@code setObject} binds exactly as jOOQ would. */
    private static final Set<Class<?>> PLAIN_TYPES = Set.of(String.class, Long.class, Integer.class, Short.class,
            BigDecimal.class, Boolean.class, Double.class, Float.class, UUID.class, LocalDate.class, LocalDateTime.class,
            LocalTime.class, OffsetDateTime.class, byte[].class);
    private static final int MAX_CACHED_INSERTS = 64;

    private final @Nullable ConnectionProvider connections;
    private final @Nullable DSLContext joined;
    private final SQLDialect sqlDialect;
    private final Settings settings;
    private final TableModel<F> model;
    /** Whether inserts run as JDBC statements rendered once per column set (databases with {@code RETURNING}). */
    private final boolean prepared;
    private final ConcurrentMap<List<String>, PreparedInsert> inserts = new ConcurrentHashMap<>();

    JooqStorage(ConnectionProvider connections, SQLDialect sqlDialect, Dialect dialect, TableModel<F> model,
            String stripeTableName, TableLimits limits) {
        this(connections, null, sqlDialect, new JdbcTable(dialect, model.schema(dialect), stripeTableName,
                model::scopeValue), model, limits);
    }

    private JooqStorage(@Nullable ConnectionProvider connections, @Nullable DSLContext joined, SQLDialect sqlDialect,
            JdbcTable table, TableModel<F> model, TableLimits limits) {
        super(table, limits, true);
        this.connections = connections;
        this.joined = joined;
        this.sqlDialect = sqlDialect;
        this.settings = renderSettings();
        this.model = model;
        this.prepared = table.dialect().insertReturns();
    }

    /**
     * Names quoted exactly where the {@link TableModel} made them quoted; the others unquoted, so that H2's default
     * upper-casing and PostgreSQL's lower-casing both find the tables.
     */
    static Settings renderSettings() {
        return new Settings().withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
                .withExecuteLogging(false);
    }

    /** The same storage, bound to the caller's transaction of {@code transactional}. */
    JooqStorage<F> joining(DSLContext transactional) {
        return new JooqStorage<>(null, transactional, sqlDialect, table, model, limits());
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

    /**
     * The SQL of a single-row insert into the columns of one column set: plain (returning the id) and insert-if-absent.
     *
     * @param head {@code INSERT INTO t (columns) VALUES }, for multi-row inserts
     * @param sql {@code INSERT ... VALUES (...) RETURNING id}
     * @param ifAbsentSql the same with the dialect's insert-if-absent clause, or {@code null} if it has none (then a
     *     duplicate-key error of {@code sql} is caught)
     * @param orFindSql the insert-if-absent and the key lookup in one statement, where the database can combine them
     * @param findOrInsertSql the lookup and, if it finds nothing, the insert and the stripe write in one statement,
     *     where the database can combine them
     */
    private record PreparedInsert(String head, String sql, @Nullable String ifAbsentSql, @Nullable String orFindSql,
            @Nullable String findOrInsertSql) {
    }

    /** The insert for this column set, rendered on first use and kept (a host record sets few distinct column sets). */
    private PreparedInsert preparedInsertFor(Collection<Field<?>> columns) {
        List<String> names = new ArrayList<>(columns.size());
        columns.forEach(c -> names.add(c.getName()));
        PreparedInsert cached = inserts.get(names);
        if (cached != null) {
            return cached;
        }
        DSLContext renderer = DSL.using(sqlDialect, settings);
        StringJoiner into = new StringJoiner(", ", "insert into " + renderer.render(model.tableName) + " (", ")");
        columns.forEach(c -> into.add(renderer.render(c.getUnqualifiedName())));
        String columnsHead = into.toString();
        String rowValues = String.join(", ", Collections.nCopies(names.size(), "?"));
        String sql = columnsHead + " values (" + rowValues + ")";
        StringJoiner keys = new StringJoiner(", ");
        for (Field<?> k : model.keyColumns()) {
            keys.add(renderer.render(k.getUnqualifiedName()));
        }
        String id = renderer.render(model.idColumn.getUnqualifiedName());
        String clause = table.dialect().insertIfAbsentClause(keys.toString(), id);
        String ifAbsent = clause == null ? null : sql + clause;
        PreparedInsert insert = new PreparedInsert(columnsHead + " values ", sql + " returning " + id, ifAbsent,
                ifAbsent == null ? null : table.insertOrFindSql(ifAbsent), table.findOrInsertSql(columnsHead, rowValues));
        if (inserts.size() < MAX_CACHED_INSERTS) {
            inserts.put(names, insert);
        }
        return insert;
    }

    /**
     * The values as JDBC binds them (after the fields' converters), or {@code null} if one is of a type that only
     * jOOQ's own binding handles (JSON, arrays, enums, ...).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object @Nullable [] plainValues(Map<Field<?>, Object> values) {
        Object[] out = new Object[values.size()];
        int i = 0;
        for (Map.Entry<Field<?>, Object> e : values.entrySet()) {
            Object value = e.getValue() == null ? null : ((Converter) e.getKey().getConverter()).to(e.getValue());
            if (value != null && !PLAIN_TYPES.contains(value.getClass())) {
                return null;
            }
            out[i++] = value;
        }
        return out;
    }

    /** The primitives, on one transaction's connection. */
    private final class Session extends JdbcSession<F> {
        /** Created on first use: the prepared path needs none, and each one copies the settings. */
        private @Nullable DSLContext ctx;

        Session(Connection connection, @Nullable String pendingLockTimeout) {
            super(connection, JooqStorage.this.table, joined != null, pendingLockTimeout);
        }

        private DSLContext ctx() {
            if (ctx == null) {
                ctx = DSL.using(connection, sqlDialect, settings);
            }
            return ctx;
        }

        /**
         * An insert of one row rendered by jOOQ, for values the prepared path cannot bind and for databases without
         * {@code RETURNING}; whatever is queued (lock timeout, stripe touch) is sent first.
         */
        private InsertOnDuplicateStep<Record> insertStep(Map<Field<?>, Object> values) {
            flushQueued();
            List<Field<?>> columns = new ArrayList<>(values.keySet());
            InsertValuesStepN<Record> insert = ctx().insertInto(DSL.table(model.tableName), columns);
            List<Field<?>> row = new ArrayList<>(columns.size());
            values.forEach((f, v) -> row.add(DSL.val(v, f.getDataType())));
            return insert.values(row);
        }

        /**
         * Runs the insert prepared for the values' columns (SQL rendered once per column set) with what is queued
         * ahead of it; returns the new id, empty if the conflict clause skipped the row, or {@code null} if the values
         * need jOOQ's own binding.
         */
        private @Nullable OptionalLong preparedInsert(Map<Field<?>, Object> values, boolean ifAbsent) {
            Object[] parameters = plainValues(values);
            if (parameters == null) {
                return null;
            }
            PreparedInsert insert = preparedInsertFor(values.keySet());
            return execute("inserting the row", ifAbsent ? insert.ifAbsentSql() : insert.sql(), true, parameters,
                    (ps, hasResultSet) -> {
                        try (ResultSet rs = ps.getResultSet()) {
                            return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                        }
                    });
        }

        /**
         * The id of a row inserted by jOOQ's rendering and binding, for values the prepared path cannot bind; on a
         * database without insert-if-absent (MariaDB) the statement ends with {@code RETURNING} and carries the lock
         * timeout itself.
         */
        private long jooqInsert(Map<Field<?>, Object> values) {
            if (table.dialect().hasInsertIfAbsent() || !prepared) {
                return jooq("inserting the row", () -> insertStep(values).returningResult(model.idColumn)
                        .fetchOne(model.idColumn).longValue());
            }
            String id = DSL.using(sqlDialect, settings).render(model.idColumn.getUnqualifiedName());
            return jooq("inserting the row", () -> ctx().resultQuery(lockTimeoutPrefix() + "{0} returning " + id,
                    insertStep(values)).fetchOne().get(0, Long.class));
        }

        @Override
        public long insert(F file, StoredKey key) {
            Map<Field<?>, Object> values = model.insertValues(file, key);
            OptionalLong id = prepared ? preparedInsert(values, false) : null;
            if (id != null) {
                return id.orElseThrow();
            }
            return jooqInsert(values);
        }

        /**
         * With the dialect's insert-if-absent clause, one statement that skips a duplicate; otherwise a plain insert
         * whose duplicate-key error is caught (on MariaDB it rolls back only the statement) and recorded, so that the
         * re-read of the key is current (see {@link JdbcSession}).
         */
        @Override
        public OptionalLong insertIfAbsent(F file, StoredKey key) {
            Map<Field<?>, Object> values = model.insertValues(file, key);
            if (prepared && table.dialect().hasInsertIfAbsent()) {
                OptionalLong id = preparedInsert(values, true);
                if (id != null) {
                    return id;
                }
                Number fallback = jooq("inserting the row", () -> insertStep(values).onConflict(model.keyColumns())
                        .doNothing().returningResult(model.idColumn).fetchOne(model.idColumn));
                return fallback == null ? OptionalLong.empty() : OptionalLong.of(fallback.longValue());
            }
            try {
                OptionalLong id = prepared ? preparedInsert(values, false) : null;
                return id != null ? id : OptionalLong.of(jooqInsert(values));
            } catch (RuntimeException e) {
                if (isUniqueViolation(e)) {
                    return duplicate(key);
                }
                throw table.dialect().translate("inserting the row", e);
            }
        }

        /** Where the database can, the insert and the lookup of an existing row in one statement. */
        @Override
        public StorageSession.@Nullable Stored insertOrFind(F file, StoredKey key) {
            if (prepared) {
                Map<Field<?>, Object> values = model.insertValues(file, key);
                Object[] parameters = plainValues(values);
                String sql = parameters == null ? null : preparedInsertFor(values.keySet()).orFindSql();
                if (sql != null) {
                    return insertOrFind("inserting the row", sql, parameters, key);
                }
            }
            return super.insertOrFind(file, key);
        }

        /** Where the database can, the lookup and the insert with its stripe write in one statement. */
        @Override
        public StorageSession.Stored findOrInsert(F file, StoredKey key, int[] stripes) {
            if (prepared && stripes.length == 1) {
                Map<Field<?>, Object> values = model.insertValues(file, key);
                Object[] parameters = plainValues(values);
                String sql = parameters == null ? null : preparedInsertFor(values.keySet()).findOrInsertSql();
                if (sql != null) {
                    return findOrInsert("registering the row", sql, parameters, key, stripes[0]);
                }
            }
            return super.findOrInsert(file, key, stripes);
        }

        @Override
        public Map<StoredKey, Long> insertAllIfAbsent(List<Row<F>> rows) {
            if (!prepared || rows.isEmpty()) {
                return super.insertAllIfAbsent(rows);
            }
            if (!table.dialect().hasInsertIfAbsent()) {
                return insertAbsentRows(rows);
            }
            flushQueued();
            List<Map<Field<?>, Object>> valueMaps = new ArrayList<>(rows.size());
            Map<String, Field<?>> columns = new LinkedHashMap<>();
            for (Row<F> row : rows) {
                Map<Field<?>, Object> values = model.insertValues(row.file(), row.key());
                values.keySet().forEach(f -> columns.putIfAbsent(f.getName(), f));
                valueMaps.add(values);
            }
            List<Field<?>> columnList = new ArrayList<>(columns.values());
            InsertValuesStepN<Record> into = ctx().insertInto(DSL.table(model.tableName), columnList);
            boolean uniform = valueMaps.stream().allMatch(m -> m.size() == columnList.size());
            InsertOnDuplicateStep<Record> insert = uniform
                    ? into.select(DSL.select(DSL.asterisk()).from(unnest(columnList, valueMaps)))
                    : valuesRows(into, columnList, valueMaps);
            Map<List<String>, StoredKey> byColumns = new HashMap<>();
            rows.forEach(r -> byColumns.put(JdbcTable.columnsOf(table.scopeValue(r.key()),
                    r.key().file().contentHash(), table.schema().nameMatchValue(r.key())), r.key()));
            Map<StoredKey, Long> inserted = new HashMap<>();
            for (Record r : jooq("inserting the rows", () -> insert.onConflict(model.keyColumns()).doNothing()
                    .returningResult(model.returnedColumns()).fetch())) {
                StoredKey key = byColumns.get(JdbcTable.columnsOf(r.get(1), r.get(2, String.class),
                        r.get(3, String.class)));
                inserted.put(key, r.get(0, Number.class).longValue());
            }
            return inserted;
        }

        /**
         * Insert-if-absent of many rows where the database has no such clause (MariaDB; not {@code INSERT IGNORE},
         * which also skips rows that break other constraints): one lookup of the rows' keys, then one multi-row
         * {@code INSERT ... RETURNING} of the rows not found. If a concurrent registration commits one of them in
         * between, the duplicate-key error rolls back that statement only and the rows go one by one instead, each
         * duplicate caught. Rows whose values need jOOQ's own binding go one by one too.
         */
        private Map<StoredKey, Long> insertAbsentRows(List<Row<F>> rows) {
            List<StoredKey> keys = new ArrayList<>(rows.size());
            rows.forEach(r -> keys.add(r.key()));
            Map<StoredKey, dev.dedupguard.spi.StoredRow> existing = findAll(keys);
            List<Row<F>> absent = new ArrayList<>(rows.size());
            List<Map<Field<?>, Object>> valueMaps = new ArrayList<>(rows.size());
            List<Object[]> parameters = new ArrayList<>(rows.size());
            for (Row<F> row : rows) {
                if (!existing.containsKey(row.key())) {
                    Map<Field<?>, Object> values = model.insertValues(row.file(), row.key());
                    absent.add(row);
                    valueMaps.add(values);
                    parameters.add(plainValues(values));
                }
            }
            if (absent.isEmpty()) {
                return Map.of();
            }
            List<String> columns = new ArrayList<>();
            valueMaps.get(0).keySet().forEach(f -> columns.add(f.getName()));
            boolean uniform = parameters.stream().allMatch(p -> p != null) && valueMaps.stream().allMatch(m -> {
                List<String> names = new ArrayList<>(m.size());
                m.keySet().forEach(f -> names.add(f.getName()));
                return names.equals(columns);
            });
            if (!uniform || absent.size() == 1) {
                return super.insertAllIfAbsent(absent);
            }
            PreparedInsert insert = preparedInsertFor(valueMaps.get(0).keySet());
            String row = "(" + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
            DSLContext renderer = DSL.using(sqlDialect, settings);
            StringJoiner returning = new StringJoiner(", ", " returning ", "");
            for (Field<?> f : model.returnedColumns()) {
                returning.add(renderer.render(f.getUnqualifiedName()));
            }
            String sql = insert.head() + String.join(", ", Collections.nCopies(absent.size(), row)) + returning;
            Object[] flat = new Object[absent.size() * columns.size()];
            for (int i = 0; i < parameters.size(); i++) {
                System.arraycopy(parameters.get(i), 0, flat, i * columns.size(), columns.size());
            }
            Map<List<String>, StoredKey> byColumns = new HashMap<>();
            absent.forEach(r -> byColumns.put(JdbcTable.columnsOf(table.scopeValue(r.key()),
                    r.key().file().contentHash(), table.schema().nameMatchValue(r.key())), r.key()));
            try {
                return execute("inserting the rows", sql, true, flat, (ps, hasResultSet) -> {
                    Map<StoredKey, Long> inserted = new HashMap<>();
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            inserted.put(byColumns.get(JdbcTable.columnsOf(rs.getObject(2), rs.getString(3),
                                    rs.getString(4))), rs.getLong(1));
                        }
                    }
                    return inserted;
                });
            } catch (RuntimeException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                return super.insertAllIfAbsent(absent);
            }
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
