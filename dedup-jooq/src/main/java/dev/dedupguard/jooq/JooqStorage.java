package dev.dedupguard.jooq;

import static org.jooq.impl.DSL.name;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.SqlErrors;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.InsertValuesStepN;
import org.jooq.Record;
import org.jooq.Record4;
import org.jooq.Row3;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

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
    private final Table<Record> stripeTable;
    private final Field<Integer> stripe;
    private final Field<Long> registrations;
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
        this.stripeTable = DSL.table(name(stripeTableName.split("\\.")));
        this.stripe = DSL.field(name("stripe"), SQLDataType.INTEGER);
        this.registrations = DSL.field(name("registrations"), SQLDataType.BIGINT);
        this.maxFileNameBytes = maxFileNameBytes;
    }

    /** Unquoted names, so that H2's default upper-casing and PostgreSQL's lower-casing both find the tables. */
    static Settings renderSettings() {
        return new Settings().withRenderQuotedNames(RenderQuotedNames.NEVER).withExecuteLogging(false);
    }

    /** The same storage, bound to the caller's transaction of {@code transactional}. */
    JooqStorage<F> joining(DSLContext transactional) {
        return new JooqStorage<>(null, transactional, dialect, model, stripeTable.getName(), maxFileNameBytes);
    }

    String stripeTableName() {
        return stripeTable.getName();
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
            boolean autoCommit = c.getAutoCommit();
            int restoreIsolation = -1;
            if (spec.isolation() != null) {
                int current = c.getTransactionIsolation();
                if (current != spec.isolation().jdbcLevel()) {
                    c.setTransactionIsolation(spec.isolation().jdbcLevel());
                    restoreIsolation = current;
                }
            }
            if (autoCommit) {
                c.setAutoCommit(false);
            }
            try {
                DSLContext ctx = DSL.using(c, dialect, settings);
                setLockTimeout(ctx, spec.lockTimeout());
                T result = work.run(new Session(ctx));
                c.commit();
                return result;
            } catch (RuntimeException e) {
                rollbackQuietly(c, e);
                throw SqlErrors.translate("registration", e);
            } catch (Error e) {
                rollbackQuietly(c, e);
                throw e;
            } catch (SQLException e) {
                rollbackQuietly(c, e);
                throw SqlErrors.translate("commit", e);
            } finally {
                if (autoCommit) {
                    c.setAutoCommit(true);
                }
                if (restoreIsolation != -1) {
                    c.setTransactionIsolation(restoreIsolation);
                }
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("preparing the connection", e);
        } finally {
            connections.release(c);
        }
    }

    private <T> T inCallerTransaction(TransactionSpec spec, StorageWork<F, T> work) {
        return joined.connectionResult(c -> {
            if (c.getAutoCommit()) {
                throw new IllegalStateException("joining(...) needs a DSLContext bound to a connection inside a "
                        + "transaction (autocommit off), e.g. the one dsl.transaction(cfg -> ...) passes in; this "
                        + "connection is in autocommit mode, so there is no transaction to join");
            }
            Savepoint savepoint = c.setSavepoint();
            try {
                DSLContext ctx = DSL.using(c, dialect, settings);
                String previousTimeout = swapLockTimeout(ctx, spec.lockTimeout());
                T result = work.run(new Session(ctx));
                if (previousTimeout != null) {
                    ctx.select(DSL.field("set_config('lock_timeout', {0}, true)", String.class, previousTimeout))
                            .fetch();
                }
                c.releaseSavepoint(savepoint);
                return result;
            } catch (RuntimeException | SQLException e) {
                try {
                    c.rollback(savepoint);
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw SqlErrors.translate("registration in the caller's transaction", e);
            }
        });
    }

    private boolean isPostgres() {
        return dialect.family() == SQLDialect.POSTGRES;
    }

    private void setLockTimeout(DSLContext ctx, Duration timeout) {
        if (isPostgres()) {
            ctx.select(DSL.field("set_config('lock_timeout', {0}, true)", String.class, timeout.toMillis() + "ms"))
                    .fetch();
        } else {
            ctx.execute("SET LOCK_TIMEOUT " + timeout.toMillis());
        }
    }

    /**
     * Sets the lock timeout for the guard's statements in the caller's transaction and returns the previous value
     * to restore (PostgreSQL), or {@code null} where the setting belongs to the session and cannot be read back
     * (H2: the session keeps the guard's timeout).
     */
    private String swapLockTimeout(DSLContext ctx, Duration timeout) {
        if (isPostgres()) {
            return ctx.select(DSL.field("current_setting('lock_timeout')", String.class),
                            DSL.field("set_config('lock_timeout', {0}, true)", String.class, timeout.toMillis() + "ms"))
                    .fetchOne(0, String.class);
        }
        setLockTimeout(ctx, timeout);
        return null;
    }

    private static void rollbackQuietly(Connection c, Throwable failure) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** The primitives, on one transaction's connection. */
    private final class Session implements StorageSession<F> {
        private final DSLContext ctx;

        Session(DSLContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public OptionalLong find(StoredKey key) {
            Number id = ctx.select(model.id).from(model.table).where(model.matches(key))
                    .orderBy(model.id).limit(1).fetchOne(model.id);
            return id == null ? OptionalLong.empty() : OptionalLong.of(id.longValue());
        }

        @Override
        public Map<StoredKey, Long> findAll(Collection<StoredKey> keys) {
            if (keys.isEmpty()) {
                return Map.of();
            }
            Map<List<String>, StoredKey> byColumns = new HashMap<>();
            List<Row3<Object, String, String>> rows = new ArrayList<>(keys.size());
            for (StoredKey key : keys) {
                byColumns.put(columnsOf(model.scopeValue(key), key.file().contentHash(), model.nameMatchValue(key)), key);
                rows.add(DSL.row(model.scopeValue(key), key.file().contentHash(), model.nameMatchValue(key)));
            }
            @SuppressWarnings("unchecked")
            Field<Object> scope = (Field<Object>) model.scope;
            Map<StoredKey, Long> found = new HashMap<>();
            for (Record4<? extends Number, Object, String, String> r : ctx
                    .select(model.id, scope, model.contentHash, model.nameMatch())
                    .from(model.table)
                    .where(DSL.row(scope, model.contentHash, model.nameMatch()).in(rows))
                    .orderBy(model.id)
                    .fetch()) {
                StoredKey key = byColumns.get(columnsOf(r.value2(), r.value3(), r.value4()));
                if (key != null) {
                    found.putIfAbsent(key, r.value1().longValue());
                }
            }
            return found;
        }

        @Override
        public void lockStripes(int[] stripes) {
            if (joined != null && !isPostgres()) {
                rejectH2RepeatableRead();
            }
            List<Integer> list = Arrays.stream(stripes).boxed().collect(Collectors.toList());
            int locked = ctx.select(stripe).from(stripeTable)
                    .where(stripes.length == 1 ? stripe.eq(stripes[0]) : stripe.in(list))
                    .orderBy(stripe).forUpdate().fetch().size();
            requireAllStripes(locked, stripes);
        }

        @Override
        public void touchStripes(int[] stripes) {
            List<Integer> list = Arrays.stream(stripes).boxed().collect(Collectors.toList());
            int touched = ctx.update(stripeTable).set(registrations, registrations.plus(1L))
                    .where(stripes.length == 1 ? stripe.eq(stripes[0]) : stripe.in(list)).execute();
            requireAllStripes(touched, stripes);
        }

        /**
         * H2 takes a REPEATABLE READ snapshot per table when the transaction first reads it, and neither a stripe lock
         * nor {@code FOR UPDATE} on the file table reveals rows committed after that: a caller's transaction that read
         * the table earlier would check a stale snapshot and insert a duplicate. Refuse rather than risk it.
         */
        private void rejectH2RepeatableRead() {
            int isolation = ctx.connectionResult(Connection::getTransactionIsolation);
            if (isolation == Connection.TRANSACTION_REPEATABLE_READ) {
                throw new StorageException(StorageException.Kind.OTHER, "SELECT_FOR_UPDATE cannot join an H2 "
                        + "transaction at REPEATABLE READ: H2 snapshots each table when the transaction first reads "
                        + "it, so rows committed since are invisible even after the stripe lock and a duplicate could "
                        + "be stored. Run the transaction at READ COMMITTED or SERIALIZABLE, or use UNIQUE_CONSTRAINT",
                        null);
            }
        }

        private void requireAllStripes(int rows, int[] stripes) {
            if (rows != stripes.length) {
                throw new StorageException(StorageException.Kind.OTHER, "the stripe table " + stripeTable.getName()
                        + " lacks rows for some of the stripes " + Arrays.toString(stripes)
                        + ": it must hold one row per stripe 0..lockStripes-1", null);
            }
        }

        @Override
        public long insert(F file, StoredKey key) {
            return ctx.insertInto(model.table).set(model.insertValues(file, key))
                    .returningResult(model.id).fetchOne(model.id).longValue();
        }

        @Override
        public OptionalLong insertIfAbsent(F file, StoredKey key) {
            if (isPostgres()) {
                Number id = ctx.insertInto(model.table).set(model.insertValues(file, key))
                        .onConflict(model.keyColumns()).doNothing()
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
            List<Map<Field<?>, Object>> valueMaps = new ArrayList<>(rows.size());
            Map<String, Field<?>> columns = new LinkedHashMap<>();
            for (Row<F> row : rows) {
                Map<Field<?>, Object> values = model.insertValues(row.file(), row.key());
                values.keySet().forEach(f -> columns.putIfAbsent(f.getName(), f));
                valueMaps.add(values);
            }
            List<Field<?>> columnList = new ArrayList<>(columns.values());
            InsertValuesStepN<Record> insert = ctx.insertInto(DSL.table(model.table.getQualifiedName()), columnList);
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
            Map<List<String>, StoredKey> byColumns = new HashMap<>();
            rows.forEach(r -> byColumns.put(columnsOf(model.scopeValue(r.key()), r.key().file().contentHash(),
                    model.nameMatchValue(r.key())), r.key()));
            Map<StoredKey, Long> inserted = new HashMap<>();
            for (Record r : insert.onConflict(model.keyColumns()).doNothing()
                    .returningResult(model.id, model.scope, model.contentHash, model.nameMatch()).fetch()) {
                StoredKey key = byColumns.get(columnsOf(r.get(1), r.get(2, String.class), r.get(3, String.class)));
                inserted.put(key, r.get(0, Number.class).longValue());
            }
            return inserted;
        }

        @Override
        public boolean delete(StoredKey key) {
            return ctx.deleteFrom(model.table).where(model.matches(key)).execute() > 0;
        }
    }

    /** Column values as compared in SQL: scope in its string form, a fixed-width hash without padding. */
    private static List<String> columnsOf(Object scope, String contentHash, String nameMatch) {
        return List.of(String.valueOf(scope), contentHash.strip(), nameMatch);
    }
}
