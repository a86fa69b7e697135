package dev.dedupguard.jpa;

import dev.dedupguard.testing.PoolExhaustionContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestDatabase;

/** A pool with fewer connections than callers, on the JPA backend and MariaDB. */
class JpaMariaDbPoolExhaustionTest extends PoolExhaustionContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JpaManyProcessesTest.Factory();
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
