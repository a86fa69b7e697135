package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.CountingDataSource;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.MariaDbServer;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.sql.Connection;
import java.util.List;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SQL round trips per operation on MariaDB, counted at the JDBC boundary: the lock timeout travels inside each
 * statement that can wait ({@code SET STATEMENT ... FOR}), so the session's setting is never read, set or restored.
 */
class JooqMariaDbRoundTripTest {
    private static final TestDatabase DB = TestDatabase.MARIADB;
    /** What every statement that can wait starts with, for the 5 s lock timeout. */
    private static final String PREFIX = "set statement innodb_lock_wait_timeout=5, innodb_snapshot_isolation=OFF for ";
    private final CountingDataSource counting = new CountingDataSource(DB.dataSource());

    @BeforeEach
    void clean() {
        TestTable.createAll(DB);
        TestTable.clearAll(DB);
    }

    private JooqDuplicateGuard<FileKey> guard(Strategy strategy) {
        return JooqDuplicateGuard.forLibraryTable(counting, SQLDialect.MARIADB).strategy(strategy).batchChunkSize(500)
                .build();
    }

    /** These numbers are in the README's MariaDB section. */
    @ParameterizedTest
    @EnumSource(Strategy.class)
    void roundTripsPerSingleRegistration(Strategy strategy) {
        JooqDuplicateGuard<FileKey> guard = guard(strategy);
        FileKey key = Keys.key(5, 1);

        counting.reset();
        assertThat(guard.register(key).isNew()).isTrue();
        List<String> fresh = counting.roundTrips();
        counting.reset();
        assertThat(guard.register(key).isNew()).isFalse();
        List<String> duplicate = counting.roundTrips();
        System.out.printf("MariaDB %s: new file %d round trips %s%nMariaDB %s: duplicate %d round trips %s%n", strategy,
                fresh.size(), fresh, strategy, duplicate.size(), duplicate);

        int expectedNew;
        int expectedDuplicate;
        switch (strategy) {
            case NO_LOCK -> {
                expectedNew = 3;        // find (auto-commit), insert (carrying the lock timeout), commit
                expectedDuplicate = 1;  // find, an auto-commit statement
            }
            case SELECT_FOR_UPDATE -> {
                expectedNew = 5;        // lock stripe (carrying the lock timeout), find, touch stripe, insert, commit
                expectedDuplicate = 3;  // lock stripe, find, commit
            }
            default -> {
                expectedNew = 1;        // insert ... returning (carrying the lock timeout), an auto-commit statement
                expectedDuplicate = 2;  // insert (1062), then the lookup (auto-commit: a fresh snapshot)
            }
        }
        assertThat(fresh).hasSize(expectedNew);
        assertThat(duplicate).hasSize(expectedDuplicate);
        assertThat(fresh).noneMatch(sql -> sql.contains("@@") || sql.startsWith("set session"));
        assertThat(fresh.stream().filter(sql -> sql.startsWith(PREFIX)))
                .as("every statement that can wait carries the lock timeout").isNotEmpty();
    }

    /**
     * A registration sent as an auto-commit statement is committed when the call returns, and leaves the connection's
     * auto-commit and isolation (MariaDB's REPEATABLE READ default) as found; so does SELECT_FOR_UPDATE, which begins an
     * explicit transaction at READ COMMITTED and puts the isolation back. A registration that waits on a lock still
     * times out.
     */
    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"UNIQUE_CONSTRAINT", "SELECT_FOR_UPDATE"})
    void anAutoCommitRegistrationIsCommittedAndLeavesTheConnectionAsFound(Strategy strategy) throws Exception {
        try (Connection single = DB.dataSource().getConnection()) {
            assertThat(single.getAutoCommit()).isTrue();
            String isolation = sessionIsolation(single);
            JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(
                    dev.dedupguard.testing.SingleConnectionDataSource.of(single), SQLDialect.MARIADB).strategy(strategy)
                    .lockTimeout(java.time.Duration.ofSeconds(1)).build();
            FileKey key = Keys.key(9, 1);

            assertThat(guard.register(key).isNew()).isTrue();
            assertThat(TestTable.LIBRARY.rowsWith(DB, key)).as("visible to another connection").isEqualTo(1);
            assertThat(single.getAutoCommit()).isTrue();
            assertThat(sessionIsolation(single)).isEqualTo(isolation);
            assertThat(guard.register(key).isNew()).isFalse();

            FileKey held = Keys.key(9, 2);
            try (Connection other = JooqBackend.holdLock(DB, strategy, held)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> guard.register(held))
                        .isInstanceOf(dev.dedupguard.LockTimeoutException.class);
                other.rollback();
            }
            assertThat(single.getAutoCommit()).isTrue();
            assertThat(sessionIsolation(single)).isEqualTo(isolation);
            assertThat(guard.register(held).isNew()).as("the connection is usable after the timeout").isTrue();
        }
    }

    private static String sessionIsolation(Connection c) throws Exception {
        try (var s = c.createStatement(); var rs = s.executeQuery("select @@session.tx_isolation")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * The server's own count of the statements it received for one registration, which also sees what the driver
     * sends for {@code setAutoCommit} and {@code setTransactionIsolation}.
     */
    @Test
    void serverCountsTheStatementsOfOneRegistration() throws Exception {
        JooqDuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT);
        guard.register(Keys.key(8, 0));
        try (Connection watcher = MariaDbServer.shared().connect("dedup_contract")) {
            long idle = questions(watcher) - questions(watcher);
            long before = questions(watcher);
            guard.register(Keys.key(8, 1));
            long statements = questions(watcher) - before + idle;
            System.out.printf("MariaDB UNIQUE_CONSTRAINT new file: the server counted %d statements%n", statements);
            // the insert, an auto-commit statement (in an explicit transaction: 6 -- autocommit off and on, isolation
            // to READ COMMITTED and back, the insert, the commit; before the lock timeout moved into the insert: 9)
            assertThat(statements).isEqualTo(1);
        }
    }

    private static long questions(Connection c) throws Exception {
        try (var s = c.createStatement(); var rs = s.executeQuery("show global status like 'Questions'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    @Test
    void joinedUniqueConstraintLeavesTheSessionSettingAlone() throws Exception {
        JooqDuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT);
        FileKey key = Keys.key(6, 1);
        try (Connection c = counting.getConnection()) {
            c.setAutoCommit(false);
            var joined = guard.joining(DSL.using(c, SQLDialect.MARIADB));
            counting.reset();
            assertThat(joined.register(key).isNew()).isTrue();
            List<String> fresh = counting.roundTrips();
            counting.reset();
            assertThat(joined.register(key).isNew()).isFalse();
            List<String> duplicate = counting.roundTrips();
            c.commit();
            System.out.printf("MariaDB joined UNIQUE_CONSTRAINT: new file %d round trips %s%nduplicate %d round trips "
                    + "%s%n", fresh.size(), fresh, duplicate.size(), duplicate);
            assertThat(fresh).as("savepoint, insert, release").hasSize(3);
            assertThat(duplicate).as("savepoint, insert (1062), locking re-read, release").hasSize(4);
        }
        assertThat(TestTable.LIBRARY.rowsWith(DB, key)).isEqualTo(1);
    }

    @Test
    void uniqueConstraintBatchSendsOneInsertPerChunk() {
        JooqDuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT);
        List<FileKey> keys = Keys.keys(7, 1000);

        counting.reset();
        List<Registration<FileKey>> first = guard.registerAll(keys);
        assertThat(first).allMatch(Registration::isNew);
        System.out.printf("MariaDB registerAll(1000) new: %s%n", counting.roundTrips().stream()
                .map(s -> s.substring(0, Math.min(60, s.length()))).toList());
        assertThat(counting.count(PREFIX + "insert")).isEqualTo(2);
        assertThat(counting.count("select")).as("no lookup ahead of a chunk's insert").isZero();
        assertThat(counting.count("COMMIT")).isEqualTo(2);
        assertThat(counting.roundTrips()).as("per chunk: the multi-row insert, the commit").hasSize(4);
        assertThat(TestTable.LIBRARY.totalRows(DB)).isEqualTo(1000);

        counting.reset();
        List<Registration<FileKey>> again = guard.registerAll(keys);
        assertThat(again).noneMatch(Registration::isNew);
        assertThat(again).extracting(Registration::id).containsExactlyElementsOf(first.stream().map(Registration::id)
                .toList());
        System.out.printf("MariaDB registerAll(1000) again: %s%n", counting.roundTrips().stream()
                .map(s -> s.substring(0, Math.min(60, s.length()))).toList());
        assertThat(counting.count(PREFIX + "insert")).as("per chunk: the insert, which fails with 1062 as a whole")
                .isEqualTo(2);
        assertThat(counting.roundTrips()).as("per chunk: the failed insert, lookup, lookup of the existing ids, commit")
                .hasSize(8);
        assertThat(TestTable.LIBRARY.totalRows(DB)).isEqualTo(1000);
    }
}
