package dev.dedupguard.jooq;

import dev.dedupguard.testing.PoolExhaustionContract;
import dev.dedupguard.testing.ProcessGuardFactory;

/** A pool with fewer connections than callers, on the Jooq backend. */
class JooqPoolExhaustionTest extends PoolExhaustionContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JooqManyProcessesTest.Factory();
    }
}
