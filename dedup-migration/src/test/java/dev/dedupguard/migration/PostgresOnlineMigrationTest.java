package dev.dedupguard.migration;

import java.time.Duration;

/** The online migration under load on embedded PostgreSQL 17. */
class PostgresOnlineMigrationTest extends OnlineMigrationContract {

    @Override
    TestDb db() {
        return TestDb.POSTGRESQL;
    }

    @Override
    Duration longestWait() {
        return Duration.ofSeconds(1);
    }

    @Override
    String buildsWaitingForALock() {
        return "select count(*) from pg_stat_activity where query ilike 'create unique index concurrently%'"
                + " and wait_event_type = 'Lock'";
    }
}
