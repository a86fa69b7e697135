package dev.dedupguard.jpa;

import dev.dedupguard.testing.ManyProcessesContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestDatabase;

/** Separate JVMs racing on the same keys, on the JPA backend and MariaDB. */
class JpaMariaDbManyProcessesTest extends ManyProcessesContract {
    @Override
    protected Class<? extends ProcessGuardFactory> factory() {
        return JpaManyProcessesTest.Factory.class;
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
