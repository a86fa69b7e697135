package dev.dedupguard.jpa;

import dev.dedupguard.testing.PoolExhaustionContract;
import dev.dedupguard.testing.ProcessGuardFactory;

/** A pool with fewer connections than callers, on the Jpa backend. */
class JpaPoolExhaustionTest extends PoolExhaustionContract {
    @Override
    protected ProcessGuardFactory factory() {
        return new JpaManyProcessesTest.Factory();
    }
}
