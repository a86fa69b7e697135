package dev.dedupguard.jooq;

import dev.dedupguard.testing.PoolExhaustionContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestDatabase;

/** A pool with fewer connections than callers, on the jOOQ backend and MariaDB. */
class JooqMariaDbPoolExhaustionTest extends PoolExhaustionContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JooqManyProcessesTest.Factory();
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
