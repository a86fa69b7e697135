package dev.dedupguard.jooq;

import dev.dedupguard.testing.DatabaseRestartContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestDatabase;

/** The shared MariaDB server stopped and started again under load, on the jOOQ backend. */
class JooqMariaDbDatabaseRestartTest extends DatabaseRestartContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JooqManyProcessesTest.Factory();
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
