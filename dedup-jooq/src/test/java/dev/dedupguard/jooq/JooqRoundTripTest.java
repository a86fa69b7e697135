package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptLog;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.CountingDataSource;
import dev.dedupguard.testing.Keys;
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

/** SQL round trips per operation on PostgreSQL, counted at the JDBC boundary. */
class JooqRoundTripTest {
    private final CountingDataSource counting = new CountingDataSource(TestDatabase.POSTGRESQL.dataSource());

    @BeforeEach
    void clean() {
        TestTable.createAll(TestDatabase.POSTGRESQL);
        TestTable.clearAll(TestDatabase.POSTGRESQL);
    }

    private JooqDuplicateGuard<FileKey> guard(Strategy strategy, int chunk) {
        return JooqDuplicateGuard.forLibraryTable(counting, SQLDialect.POSTGRES).strategy(strategy)
                .batchChunkSize(chunk).build();
    }

    /** The round trips of registering {@code key} (a new file), then of registering it again (a duplicate). */
    private List<List<String>> newFileThenDuplicate(JooqDuplicateGuard<FileKey> guard, FileKey key) {
        counting.reset();
        guard.register(key);
        List<String> fresh = counting.roundTrips();
        counting.reset();
        guard.register(key);
        return List.of(fresh, counting.roundTrips());
    }

    @Test
    void uniqueConstraintBatchSendsOneInsertPerChunk() {
        JooqDuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT, 500);
        List<FileKey> keys = Keys.keys(5, 1000);

        counting.reset();
        List<Registration<FileKey>> first = guard.registerAll(keys);
        assertThat(first).allMatch(Registration::isNew);
        assertThat(counting.roundTrips()).as("per chunk: the insert with the lock timeout ahead of it, the commit")
                .hasSize(4);
        assertThat(counting.countContaining("insert into")).isEqualTo(2);
        assertThat(counting.countContaining("set_config('lock_timeout'")).isEqualTo(2);
        assertThat(counting.count("COMMIT")).isEqualTo(2);

        counting.reset();
        List<Registration<FileKey>> again = guard.registerAll(keys);
        assertThat(again).noneMatch(Registration::isNew);
        assertThat(counting.countContaining("insert into")).isEqualTo(2);
        assertThat(counting.roundTrips()).as("per chunk: the insert, one lookup of the conflicts, the commit")
                .hasSize(6);
    }

    /**
     * Round trips of one registration of a new file and of a duplicate, in own-transaction mode: the lock timeout is
     * set inside the first statement that can wait, and an operation that is one message runs as PostgreSQL's implicit
     * transaction of that message (no COMMIT). These numbers are in the README's compatibility section.
     */
    @ParameterizedTest
    @EnumSource(Strategy.class)
    void roundTripsPerSingleRegistration(Strategy strategy) {
        List<List<String>> trips = newFileThenDuplicate(guard(strategy, 500), Keys.key(5, 1));
        List<String> fresh = trips.get(0);
        List<String> duplicate = trips.get(1);

        int expectedNew;
        int expectedDuplicate;
        switch (strategy) {
            case NO_LOCK -> {
                expectedNew = 3;        // find, insert (setting the lock timeout in the same statement), commit
                expectedDuplicate = 1;  // find, as an implicit transaction: nothing waits, no lock timeout, no commit
            }
            case SELECT_FOR_UPDATE -> {
                expectedNew = 1;        // [lock stripe (+ lock timeout); find, else insert + touch stripe]: one implicit
                expectedDuplicate = 1;  // transaction, committed by the server; a duplicate: the lookup finds the row
            }
            default -> {
                expectedNew = 1;        // [lock timeout; insert on conflict do nothing]: an implicit transaction,
                expectedDuplicate = 2;  // committed by the server (the baseline: insert, commit); a duplicate: + find
            }
        }
        System.out.printf("%s: new file %d round trips %s%n%s: duplicate %d round trips %s%n", strategy, fresh.size(),
                fresh, strategy, duplicate.size(), duplicate);
        assertThat(fresh).hasSize(expectedNew);
        assertThat(duplicate).hasSize(expectedDuplicate);
    }

    /**
     * Round trips with the attempt log on. UNIQUE_CONSTRAINT keeps a new file at one: the log row travels in the
     * insert's statement (a data-modifying WITH), in its implicit transaction; a duplicate's row is written after the
     * guard compared the stored key, as a third message. The other strategies run an explicit transaction, the log row
     * one statement before the commit.
     */
    @ParameterizedTest
    @EnumSource(Strategy.class)
    void roundTripsWithTheAttemptLog(Strategy strategy) {
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(counting, SQLDialect.POSTGRES)
                .strategy(strategy).attemptLog(AttemptLog.enabled()).build();
        FileKey key = Keys.key(System.nanoTime(), 1);
        List<List<String>> trips = newFileThenDuplicate(guard, key);
        List<String> fresh = trips.get(0);
        List<String> duplicate = trips.get(1);

        System.out.printf("%s with the log: new file %d round trips %s%n%s: duplicate %d round trips %s%n", strategy,
                fresh.size(), fresh, strategy, duplicate.size(), duplicate);
        int[] expected = switch (strategy) {
            case UNIQUE_CONSTRAINT -> new int[] {1, 3};  // [insert + log NEW]; [insert]; [find]; [log DUPLICATE]
            case SELECT_FOR_UPDATE -> new int[] {3, 3};  // [begin, lock, find-or-insert]; [log]; [commit]
            case NO_LOCK -> new int[] {4, 3};            // [begin, find]; [insert]; [log]; [commit]
        };
        assertThat(fresh).hasSize(expected[0]);
        assertThat(duplicate).hasSize(expected[1]);
        assertThat(guard.history(key, 0, 10)).extracting(Attempt::outcome)
                .containsExactly(Attempt.Outcome.NEW, Attempt.Outcome.DUPLICATE);
    }

    /**
     * A registration sent as one implicit transaction is committed when the call returns (another connection sees the
     * row), applied its lock timeout only to itself, and left the connection in auto-commit mode as it found it; a
     * registration that waits on a lock still times out.
     */
    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"UNIQUE_CONSTRAINT", "SELECT_FOR_UPDATE"})
    void aRegistrationInOneRoundTripIsCommittedAndLeavesTheConnectionAsFound(Strategy strategy) throws Exception {
        try (Connection single = TestDatabase.POSTGRESQL.dataSource().getConnection()) {
            assertThat(single.getAutoCommit()).isTrue();
            javax.sql.DataSource one = dev.dedupguard.testing.SingleConnectionDataSource.of(single);
            JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(one, SQLDialect.POSTGRES)
                    .strategy(strategy).lockTimeout(java.time.Duration.ofMillis(300)).build();
            FileKey key = Keys.key(7, 1);

            assertThat(guard.register(key).isNew()).isTrue();
            assertThat(TestTable.LIBRARY.rowsWith(TestDatabase.POSTGRESQL, key)).as("visible to another connection")
                    .isEqualTo(1);
            assertThat(single.getAutoCommit()).isTrue();
            try (var st = single.createStatement(); var rs = st.executeQuery("show lock_timeout")) {
                rs.next();
                assertThat(rs.getString(1)).as("the lock timeout was the registration's only").isEqualTo("0");
            }
            assertThat(guard.register(key).isNew()).isFalse();

            FileKey held = Keys.key(7, 2);
            try (Connection other = JooqBackend.holdLock(TestDatabase.POSTGRESQL, strategy, held)) {
                long start = System.nanoTime();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> guard.register(held))
                        .isInstanceOf(dev.dedupguard.LockTimeoutException.class);
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(
                        java.time.Duration.ofSeconds(5));
                other.rollback();
            }
            assertThat(single.getAutoCommit()).isTrue();
            assertThat(guard.register(held).isNew()).as("the connection is usable after the timeout").isTrue();
        }
    }

    /**
     * Joined mode costs at most one round trip more than own mode for UNIQUE_CONSTRAINT: the savepoint and the lock
     * timeout swap travel with the insert, the timeout restore and the release together (own mode: insert, commit).
     */
    @Test
    void joinedUniqueConstraintIsWithinOneRoundTripOfOwnMode() throws Exception {
        JooqDuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT, 500);
        FileKey key = Keys.key(6, 1);
        try (Connection c = counting.getConnection()) {
            c.setAutoCommit(false);
            var joined = guard.joining(DSL.using(c, SQLDialect.POSTGRES));
            counting.reset();
            assertThat(joined.register(key).isNew()).isTrue();
            List<String> fresh = counting.roundTrips();
            counting.reset();
            assertThat(joined.register(key).isNew()).isFalse();
            List<String> duplicate = counting.roundTrips();
            c.commit();
            System.out.printf("joined UNIQUE_CONSTRAINT: new file %d round trips %s%nduplicate %d round trips %s%n",
                    fresh.size(), fresh, duplicate.size(), duplicate);
            assertThat(fresh).as("[savepoint; swap timeout; insert], [restore timeout; release]").hasSize(2);
            assertThat(duplicate).as("[savepoint; swap timeout; insert or find], [restore timeout; release]").hasSize(2);
        }
        assertThat(TestTable.LIBRARY.rowsWith(TestDatabase.POSTGRESQL, key)).isEqualTo(1);
    }
}
