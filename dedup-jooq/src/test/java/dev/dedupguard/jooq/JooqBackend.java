package dev.dedupguard.jooq;

import static org.jooq.impl.DSL.name;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Isolation;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.testing.GuardBackend;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** Runs the contract suite on the jOOQ backend; host tables are plain jOOQ tables, as a host without codegen has. */
final class JooqBackend implements GuardBackend<Object> {
    static final JooqBackend INSTANCE = new JooqBackend();

    static final Field<Long> ID = DSL.field(name("id"), SQLDataType.BIGINT);
    static final Field<Long> CASE_ID = DSL.field(name("case_id"), SQLDataType.BIGINT);
    static final Field<String> FILE_HASH = DSL.field(name("file_hash"), SQLDataType.CHAR(64));
    static final Field<String> ORIGINAL_FILENAME = DSL.field(name("original_filename"), SQLDataType.VARCHAR(4096));
    static final Field<String> UPLOADED_BY = DSL.field(name("uploaded_by"), SQLDataType.VARCHAR(100));
    static final Field<Long> SIZE_BYTES = DSL.field(name("size_bytes"), SQLDataType.BIGINT);

    static SQLDialect dialect(TestDatabase db) {
        return switch (db) {
            case POSTGRESQL -> SQLDialect.POSTGRES;
            case H2 -> SQLDialect.H2;
            case MARIADB, MARIADB_SNAPSHOT_ISOLATION -> SQLDialect.MARIADB;
        };
    }

    static HostTable<Record> mapping(TestTable table) {
        Table<Record> t = DSL.table(name(table.table()));
        return HostTable.of(t).id(ID).scope(CASE_ID).contentHash(FILE_HASH).fileName(ORIGINAL_FILENAME).build();
    }

    /**
     * A connection, in a transaction left open, that holds what a registration of {@code key} in the library table must
     * wait for: the key's uncommitted row (UNIQUE_CONSTRAINT) or every stripe (SELECT_FOR_UPDATE). The caller rolls
     * back and closes it.
     */
    static Connection holdLock(TestDatabase db, dev.dedupguard.Strategy strategy, dev.dedupguard.FileKey key)
            throws SQLException {
        Connection other = db.dataSource().getConnection();
        other.setAutoCommit(false);
        boolean unique = strategy == dev.dedupguard.Strategy.UNIQUE_CONSTRAINT;
        try (var ps = other.prepareStatement(unique
                ? "insert into dedup_file (scope, content_hash, file_name, name_key) values (?, ?, ?, ?)"
                : "select stripe from dedup_lock_stripe for update")) {
            if (unique) {
                ps.setString(1, key.scope());
                ps.setString(2, key.contentHash());
                ps.setString(3, key.fileName());
                ps.setString(4, dev.dedupguard.spi.StoredKey.of(key, dev.dedupguard.NamePolicy.EXACT).nameDigest());
            }
            ps.execute();
        } catch (SQLException | RuntimeException e) {
            other.close();
            throw e;
        }
        return other;
    }

    JooqDuplicateGuard<Object> build(TestDatabase db, TestTable table, GuardOptions options) {
        return build(db.dataSource(), db, table, options, false);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static JooqDuplicateGuard<Object> build(DataSource dataSource, TestDatabase db, TestTable table,
            GuardOptions options, boolean createSchema) {
        JooqDuplicateGuard.Builder<?> builder = table == TestTable.LIBRARY
                ? JooqDuplicateGuard.forLibraryTable(dataSource, dialect(db))
                : JooqDuplicateGuard.forHostTable(dataSource, dialect(db), mapping(table));
        return (JooqDuplicateGuard<Object>) (JooqDuplicateGuard) builder.options(options)
                .createSchemaIfMissing(createSchema).build();
    }

    @Override
    public DuplicateGuard<Object> guard(DataSource dataSource, TestDatabase db, TestTable table, GuardOptions options) {
        return build(dataSource, db, table, options, true);
    }

    @Override
    public DuplicateGuard<Object> guard(TestDatabase db, TestTable table, GuardOptions options) {
        return build(db, table, options);
    }

    @Override
    public StorageBackend<Object> storage(TestDatabase db, TestTable table, GuardOptions options) {
        return build(db, table, options).storage();
    }

    @Override
    public Object file(TestTable table, FileKey key) {
        if (table == TestTable.LIBRARY) {
            return key;
        }
        Record r = DSL.using(SQLDialect.DEFAULT).newRecord(ID, CASE_ID, FILE_HASH, ORIGINAL_FILENAME, UPLOADED_BY,
                SIZE_BYTES);
        r.set(CASE_ID, Long.valueOf(key.scope()));
        r.set(FILE_HASH, key.contentHash());
        r.set(ORIGINAL_FILENAME, key.fileName());
        r.set(UPLOADED_BY, "analyst-7");
        r.set(SIZE_BYTES, 1234L);
        return r;
    }

    @Override
    public CallerTransaction<Object> begin(TestDatabase db, TestTable table, GuardOptions options, Isolation isolation) {
        JooqDuplicateGuard<Object> guard = build(db, table, options);
        try {
            Connection c = db.dataSource().getConnection();
            if (isolation != null) {
                c.setTransactionIsolation(isolation.jdbcLevel());
            }
            c.setAutoCommit(false);
            DSLContext tx = DSL.using(c, dialect(db));
            return new JdbcCallerTransaction(c, guard.joining(tx));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A host transaction on one JDBC connection. */
    private static final class JdbcCallerTransaction implements CallerTransaction<Object> {
        private final Connection connection;
        private final DuplicateGuard<Object> guard;
        private boolean ended;
        private boolean closed;

        JdbcCallerTransaction(Connection connection, DuplicateGuard<Object> guard) {
            this.connection = connection;
            this.guard = guard;
        }

        @Override
        public DuplicateGuard<Object> guard() {
            return guard;
        }

        @Override
        public void execute(String sql) {
            try (Statement s = connection.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException("host statement failed: " + sql, e);
            }
        }

        @Override
        public void commit() {
            try {
                connection.commit();
                ended = true;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void rollback() {
            try {
                connection.rollback();
                ended = true;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try (Connection c = connection) {
                if (!ended) {
                    c.rollback();
                }
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                c.setAutoCommit(true);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
