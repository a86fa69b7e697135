package dev.dedupguard.migration;

import java.time.Duration;

/**
 * The online migration under load on MariaDB 11.4. The unique key's {@code ALTER TABLE} waits for the table's
 * metadata lock; writers queue behind it only while it waits, which the injecting test makes last until the
 * injector commits.
 */
class MariaDbOnlineMigrationTest extends OnlineMigrationContract {

    @Override
    TestDb db() {
        return TestDb.MARIADB;
    }

    @Override
    Duration longestWait() {
        return Duration.ofSeconds(2);
    }

    @Override
    String buildsWaitingForALock() {
        return "select count(*) from information_schema.processlist where info like 'alter table%'"
                + " and state = 'Waiting for table metadata lock'";
    }
}
