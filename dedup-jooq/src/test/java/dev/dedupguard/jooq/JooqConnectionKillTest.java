package dev.dedupguard.jooq;

import dev.dedupguard.testing.ConnectionKillContract;
import dev.dedupguard.testing.GuardBackend;

/** Killed connections mid-registration, on the Jooq backend and embedded PostgreSQL. */
class JooqConnectionKillTest extends ConnectionKillContract<Object> {
    @Override
    protected GuardBackend<Object> backend() {
        return JooqBackend.INSTANCE;
    }
}
