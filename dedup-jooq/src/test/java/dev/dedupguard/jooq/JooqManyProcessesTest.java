package dev.dedupguard.jooq;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.ManyProcessesContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestTable;
import org.jooq.SQLDialect;
import javax.sql.DataSource;

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
            return (DuplicateGuard) JooqDuplicateGuard.forHostTable(ds, SQLDialect.POSTGRES, JooqBackend.mapping(table))
                    .strategy(strategy).build();
        }

        @Override
        public Object file(TestTable table, FileKey key) {
            return JooqBackend.INSTANCE.file(table, key);
        }
    }
}
