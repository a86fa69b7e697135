package dev.dedupguard.jpa;

import dev.dedupguard.testing.DatabaseRestartContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestDatabase;

/** The shared MariaDB server stopped and started again under load, on the JPA backend. */
class JpaMariaDbDatabaseRestartTest extends DatabaseRestartContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JpaManyProcessesTest.Factory();
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
