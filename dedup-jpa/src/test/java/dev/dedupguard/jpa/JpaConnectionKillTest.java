package dev.dedupguard.jpa;

import dev.dedupguard.testing.ConnectionKillContract;
import dev.dedupguard.testing.GuardBackend;

/** Killed connections mid-registration, on the Jpa backend and embedded PostgreSQL. */
class JpaConnectionKillTest extends ConnectionKillContract<Object> {
    @Override
    protected GuardBackend<Object> backend() {
        return JpaBackend.INSTANCE;
    }
}
