package dev.dedupguard.jpa;

import dev.dedupguard.testing.DatabaseRestartContract;
import dev.dedupguard.testing.ProcessGuardFactory;

/** PostgreSQL stopped and started again under load, on the Jpa backend. */
class JpaDatabaseRestartTest extends DatabaseRestartContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JpaManyProcessesTest.Factory();
    }
}
