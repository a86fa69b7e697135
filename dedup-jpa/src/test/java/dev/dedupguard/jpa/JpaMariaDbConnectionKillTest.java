package dev.dedupguard.jpa;

import dev.dedupguard.testing.ConnectionKillContract;
import dev.dedupguard.testing.GuardBackend;
import dev.dedupguard.testing.TestDatabase;

/** Killed connections mid-registration ({@code KILL CONNECTION}), on the JPA backend and MariaDB. */
class JpaMariaDbConnectionKillTest extends ConnectionKillContract<Object> {
    @Override
    protected GuardBackend<Object> backend() {
        return JpaBackend.INSTANCE;
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
