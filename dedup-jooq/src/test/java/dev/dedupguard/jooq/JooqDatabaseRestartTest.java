package dev.dedupguard.jooq;

import dev.dedupguard.testing.DatabaseRestartContract;
import dev.dedupguard.testing.ProcessGuardFactory;

/** PostgreSQL stopped and started again under load, on the Jooq backend. */
class JooqDatabaseRestartTest extends DatabaseRestartContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JooqManyProcessesTest.Factory();
    }
}
