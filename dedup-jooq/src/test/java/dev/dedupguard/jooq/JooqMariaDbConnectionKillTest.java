package dev.dedupguard.jooq;

import dev.dedupguard.testing.ConnectionKillContract;
import dev.dedupguard.testing.GuardBackend;
import dev.dedupguard.testing.TestDatabase;

/** Killed connections mid-registration ({@code KILL CONNECTION}), on the jOOQ backend and MariaDB. */
class JooqMariaDbConnectionKillTest extends ConnectionKillContract<Object> {
    @Override
    protected GuardBackend<Object> backend() {
        return JooqBackend.INSTANCE;
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB;
    }
}
