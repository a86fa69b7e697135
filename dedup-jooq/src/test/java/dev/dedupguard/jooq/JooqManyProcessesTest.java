package dev.dedupguard.jooq;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.ManyProcessesContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestTable;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.tools.jdbc.JDBCUtils;

/** Separate JVMs racing on the same keys, on the jOOQ backend. */
class JooqManyProcessesTest extends ManyProcessesContract {
    @Override
    protected Class<? extends ProcessGuardFactory> factory() {
        return Factory.class;
    }

    /** Builds the jOOQ guard in a child process. */
    public static final class Factory implements ProcessGuardFactory {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public DuplicateGuard<Object> guard(DataSource ds, Strategy strategy, TestTable table) {
            SQLDialect dialect;
            try (Connection c = ds.getConnection()) {
                dialect = JDBCUtils.dialect(c);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return (DuplicateGuard) JooqDuplicateGuard.forHostTable(ds, dialect, JooqBackend.mapping(table))
                    .strategy(strategy).build();
        }

        @Override
        public Object file(TestTable table, FileKey key) {
            return JooqBackend.INSTANCE.file(table, key);
        }
    }
}
