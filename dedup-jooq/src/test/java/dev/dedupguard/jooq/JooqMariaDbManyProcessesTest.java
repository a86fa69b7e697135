package dev.dedupguard.jooq;

import dev.dedupguard.testing.ManyProcessesContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestDatabase;

/** Separate JVMs racing on the same keys, on the jOOQ backend and MariaDB. */
class JooqMariaDbManyProcessesTest extends ManyProcessesContract {
    @Override
    protected Class<? extends ProcessGuardFactory> factory() {
        return JooqManyProcessesTest.Factory.class;
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
