package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.jdbc.LibrarySchema;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MariaDB behaviour a MariaDB dialect of the guard relies on, measured on the real server ({@link MariaDbServer},
 * MariaDB 11.4.5, Connector/J 3.5) with real connections and threads. Each test states one fact with exact
 * assertions; a fact that changes with a server or driver upgrade fails here first. Lines starting with
 * {@code FACT} in the output record measured values (times, classes, metadata).
 */
class MariaDbFactsTest {
    private static final String HASH = "ab".repeat(32);
    private static final String SCOPE = "case-1";
    private static final String ODKU = "INSERT INTO dedup_file (scope, content_hash, file_name, name_key)"
            + " VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)";
    private static final String LOCK_STRIPE = "SELECT stripe FROM dedup_lock_stripe WHERE stripe = ? FOR UPDATE";
    private static final String FIND_UNINDEXED = "SELECT id FROM files_nouniq WHERE scope = ? AND content_hash = ?"
            + " AND name_key = ?";
    private static final String INSERT_UNINDEXED = "INSERT INTO files_nouniq (scope, content_hash, name_key)"
            + " VALUES (?, ?, ?)";

    private static MariaDbServer server;
    private static DataSource ds;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void createSchema() throws SQLException {
        server = MariaDbServer.shared();
        ds = server.freshDatabase("mariadb_facts");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            LibrarySchema.create(c, LibrarySchema.Database.MARIADB, LibrarySchema.DEFAULT_FILE_TABLE,
                    LibrarySchema.DEFAULT_STRIPE_TABLE, 1024, true, true);
            s.execute("CREATE TABLE files_nouniq (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    + " scope varchar(255) NOT NULL, content_hash varchar(128) NOT NULL, name_key char(64) NOT NULL,"
                    + " INDEX ix_files_nouniq_key (scope, content_hash, name_key))");
        }
    }

    @AfterEach
    void stopThreads() {
        pool.shutdownNow();
    }

    @BeforeEach
    void clear() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM dedup_file");
            s.execute("DELETE FROM files_nouniq");
            s.execute("UPDATE dedup_lock_stripe SET registrations = 0");
        }
    }

    // (a) -----------------------------------------------------------------------------------------------------------

    @Test
    void odkuReturnsTheNewOrTheExistingIdAndAffectedRowsTellWhich() throws SQLException {
        try (Connection c = ds.getConnection()) {
            long[] first = odku(c, "k1");
            long[] again = odku(c, "k1");
            long[] other = odku(c, "k2");

            assertThat(first[0]).as("update count of a new row").isEqualTo(1);
            assertThat(again[0]).as("update count of a duplicate, useAffectedRows=true").isZero();
            assertThat(again[1]).as("generated key of a duplicate: the existing id").isEqualTo(first[1]);
            assertThat(other[0]).isEqualTo(1);
            assertThat(other[1]).as("the duplicate consumed an auto-increment value").isEqualTo(first[1] + 2);
        }
        try (Connection plain = DriverManager.getConnection(server.jdbcUrl("mariadb_facts")
                .replace(MariaDbServer.URL_PROPERTIES, "useAffectedRows=false"), MariaDbServer.USER, "")) {
            long[] again = odku(plain, "k1");
            assertThat(again[0]).as("update count of a duplicate with the driver default (found rows)").isEqualTo(1);
            assertThat(again[1]).as("the existing id all the same").isEqualTo(idOf("k1"));
        }
    }

    @Test
    void odkuWithReturningGivesEveryRowsIdInOneStatementEvenForDuplicatesInTheBatch() throws SQLException {
        try (Connection c = ds.getConnection()) {
            long existing = odku(c, "k1")[1];
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO dedup_file (scope, content_hash, file_name,"
                    + " name_key) VALUES (?, ?, 'f', ?), (?, ?, 'f', ?), (?, ?, 'f', ?)"
                    + " ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id) RETURNING id")) {
                int i = 1;
                for (String key : List.of("k1", "k2", "k2")) {
                    ps.setString(i++, SCOPE);
                    ps.setString(i++, HASH);
                    ps.setString(i++, key);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            assertThat(ids).hasSize(3);
            assertThat(ids.get(0)).as("existing row").isEqualTo(existing);
            assertThat(ids.get(2)).as("in-batch duplicate gets the id its first occurrence got").isEqualTo(ids.get(1));
            assertThat(ids.get(1)).isEqualTo(idOf("k2"));
        }
    }

    // (b) -----------------------------------------------------------------------------------------------------------

    @Test
    void aDuplicateInsertFailsOnlyTheStatementAndTheTransactionGoesOn() throws SQLException {
        try (Connection c = ds.getConnection()) {
            odku(c, "k1");
        }
        try (Connection c = tx(Connection.TRANSACTION_REPEATABLE_READ)) {
            insertPlain(c, "before");
            SQLException e = catchSql(() -> insertPlain(c, "k1"));
            assertThat(e.getErrorCode()).isEqualTo(1062);
            assertThat(e.getSQLState()).isEqualTo("23000");
            fact("duplicate insert: %s, code %d, state %s", e.getClass().getName(), e.getErrorCode(), e.getSQLState());
            insertPlain(c, "after");
            c.commit();
        }
        assertThat(count("before") + count("after") + count("k1")).isEqualTo(3);
    }

    // (c) -----------------------------------------------------------------------------------------------------------

    @Test
    void setStatementBoundsAStripeLockWaitToWholeSecondsAndKeepsTheTransaction() throws Exception {
        try (Connection holder = tx(Connection.TRANSACTION_READ_COMMITTED);
                Connection waiter = tx(Connection.TRANSACTION_READ_COMMITTED)) {
            lockStripe(holder, 7);
            insertPlain(waiter, "before");

            long start = System.nanoTime();
            SQLException e = catchSql(() -> {
                try (PreparedStatement ps = waiter.prepareStatement(
                        "SET STATEMENT innodb_lock_wait_timeout = 1 FOR " + LOCK_STRIPE)) {
                    ps.setInt(1, 7);
                    ps.executeQuery().close();
                }
            });
            long millis = elapsedMillis(start);

            assertThat(e.getErrorCode()).isEqualTo(1205);
            assertThat(e.getSQLState()).isEqualTo("HY000");
            assertThat(millis).as("waited about one second").isBetween(950L, 2_000L);
            fact("stripe lock timeout after %d ms: %s, code %d, state %s", millis, e.getClass().getName(),
                    e.getErrorCode(), e.getSQLState());
            assertThat(queryLong(waiter, "SELECT @@innodb_lock_wait_timeout")).as("SET STATEMENT leaves the session's"
                    + " value").isEqualTo(MariaDbServer.LOCK_WAIT_TIMEOUT_SECONDS);
            insertPlain(waiter, "after");
            waiter.commit();
            holder.commit();
        }
        assertThat(count("before") + count("after")).as("the waiter's transaction survived").isEqualTo(2);
    }

    @Test
    void lockWaitTimeoutTakesWholeSecondsOnlyAndZeroFailsAtOnce() throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            SQLException fraction = catchSql(
                    () -> s.execute("SET STATEMENT innodb_lock_wait_timeout = 0.5 FOR SELECT 1"));
            assertThat(fraction.getErrorCode()).as("a fraction is refused: %s", fraction.getMessage()).isEqualTo(1232);
        }
        try (Connection holder = tx(Connection.TRANSACTION_READ_COMMITTED);
                Connection waiter = tx(Connection.TRANSACTION_READ_COMMITTED)) {
            lockStripe(holder, 8);
            long start = System.nanoTime();
            SQLException zero = catchSql(() -> {
                try (PreparedStatement ps = waiter.prepareStatement(
                        "SET STATEMENT innodb_lock_wait_timeout = 0 FOR " + LOCK_STRIPE)) {
                    ps.setInt(1, 8);
                    ps.executeQuery().close();
                }
            });
            long zeroMillis = elapsedMillis(start);
            assertThat(zero.getErrorCode()).isEqualTo(1205);
            assertThat(zeroMillis).isLessThan(500L);

            start = System.nanoTime();
            SQLException waitClause = catchSql(() -> {
                try (PreparedStatement ps = waiter.prepareStatement(LOCK_STRIPE.replace("FOR UPDATE",
                        "FOR UPDATE WAIT 0.3"))) {
                    ps.setInt(1, 8);
                    ps.executeQuery().close();
                }
            });
            long waitMillis = elapsedMillis(start);
            assertThat(waitClause.getErrorCode()).isEqualTo(1205);
            assertThat(waitMillis).as("WAIT 0.3 is accepted but truncated to WAIT 0").isLessThan(200L);

            start = System.nanoTime();
            SQLException waitOneAndAHalf = catchSql(() -> {
                try (PreparedStatement ps = waiter.prepareStatement(LOCK_STRIPE.replace("FOR UPDATE",
                        "FOR UPDATE WAIT 1.5"))) {
                    ps.setInt(1, 8);
                    ps.executeQuery().close();
                }
            });
            long waitOneAndAHalfMillis = elapsedMillis(start);
            assertThat(waitOneAndAHalf.getErrorCode()).isEqualTo(1205);
            assertThat(waitOneAndAHalfMillis).as("WAIT 1.5 waits one second").isBetween(950L, 1_400L);
            fact("innodb_lock_wait_timeout=0: 1205 after %d ms; FOR UPDATE WAIT 0.3: after %d ms; WAIT 1.5: after %d ms",
                    zeroMillis, waitMillis, waitOneAndAHalfMillis);
            holder.commit();
        }
    }

    // (d) -----------------------------------------------------------------------------------------------------------

    @Test
    void forUpdateOnAnAbsentKeyDeadlocksTwoInsertersAtRepeatableRead() throws Exception {
        try (Connection t1 = tx(Connection.TRANSACTION_REPEATABLE_READ);
                Connection t2 = tx(Connection.TRANSACTION_REPEATABLE_READ)) {
            insertUnindexed(t1, "t1-other");
            insertUnindexed(t2, "t2-other");
            assertThat(findForUpdate(t1, "k1")).as("T1 sees no row").isFalse();
            assertThat(findForUpdate(t2, "k1")).as("T2 is not blocked and sees no row").isFalse();

            Future<SQLException> first = pool.submit(() -> attempt(() -> insertPlain(t1, "k1")));
            assertBlocked(first);
            SQLException second = attempt(() -> insertPlain(t2, "k1"));
            SQLException firstResult = first.get(10, TimeUnit.SECONDS);

            SQLException deadlock = second != null ? second : firstResult;
            assertThat(second == null ^ firstResult == null).as("exactly one of the two fails").isTrue();
            assertThat(deadlock.getErrorCode()).isEqualTo(1213);
            assertThat(deadlock.getSQLState()).isEqualTo("40001");
            fact("deadlock victim: %s, code %d, state %s (victim: %s)", deadlock.getClass().getName(),
                    deadlock.getErrorCode(), deadlock.getSQLState(), second != null ? "T2" : "T1");
            t1.commit();
            t2.commit();
            String victim = second != null ? "t2-other" : "t1-other";
            String survivor = second != null ? "t1-other" : "t2-other";
            assertThat(countUnindexed(victim)).as("the victim's whole transaction was rolled back").isZero();
            assertThat(countUnindexed(survivor)).isEqualTo(1);
            assertThat(count("k1")).isEqualTo(1);
        }
    }

    @Test
    void atReadCommittedForUpdateOnAnAbsentKeyLocksNothingAndTheSecondInserterWaitsForTheUniqueKey()
            throws Exception {
        try (Connection t1 = tx(Connection.TRANSACTION_READ_COMMITTED);
                Connection t2 = tx(Connection.TRANSACTION_READ_COMMITTED)) {
            assertThat(findForUpdate(t1, "k1")).isFalse();
            assertThat(findForUpdate(t2, "k1")).isFalse();
            insertPlain(t1, "k1");
            Future<SQLException> second = pool.submit(() -> attempt(() -> insertPlain(t2, "k1")));
            assertBlocked(second);
            t1.commit();
            SQLException e = second.get(10, TimeUnit.SECONDS);
            assertThat((Throwable) e).isNotNull();
            assertThat(e.getErrorCode()).isEqualTo(1062);
            t2.commit();
        }
        assertThat(count("k1")).isEqualTo(1);
    }

    // (e) -----------------------------------------------------------------------------------------------------------

    @Test
    void atReadCommittedANaiveForUpdateCheckThenInsertAdmitsADuplicate() throws Exception {
        try (Connection t1 = tx(Connection.TRANSACTION_READ_COMMITTED);
                Connection t2 = tx(Connection.TRANSACTION_READ_COMMITTED)) {
            assertThat(findUnindexed(t1, "k1", " FOR UPDATE")).isFalse();
            assertThat(findUnindexed(t2, "k1", " FOR UPDATE")).as("not blocked: no gap lock").isFalse();
            insertUnindexed(t1, "k1");
            insertUnindexed(t2, "k1");
            t1.commit();
            t2.commit();
        }
        assertThat(countUnindexed("k1")).as("a duplicate").isEqualTo(2);
    }

    @Test
    void aStripeLockThenCheckThenInsertAtReadCommittedAdmitsNoDuplicateAmong16Threads() throws Exception {
        int threads = 16;
        int keys = 10;
        AtomicInteger winners = new AtomicInteger();
        for (int k = 0; k < keys; k++) {
            String key = "race-" + k;
            int stripe = k * 37 % 1024;
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Void>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    try (Connection c = tx(Connection.TRANSACTION_READ_COMMITTED)) {
                        start.await(10, TimeUnit.SECONDS);
                        lockStripe(c, stripe);
                        if (!findUnindexed(c, key, "")) {
                            insertUnindexed(c, key);
                            try (PreparedStatement ps = c.prepareStatement("UPDATE dedup_lock_stripe"
                                    + " SET registrations = registrations + 1 WHERE stripe = ?")) {
                                ps.setInt(1, stripe);
                                ps.executeUpdate();
                            }
                            winners.incrementAndGet();
                        }
                        c.commit();
                    }
                    return null;
                }));
            }
            for (Future<Void> f : results) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(countUnindexed(key)).as("rows of %s", key).isEqualTo(1);
        }
        assertThat(winners.get()).isEqualTo(keys);
        try (Connection c = ds.getConnection()) {
            assertThat(queryLong(c, "SELECT sum(registrations) FROM dedup_lock_stripe")).isEqualTo(keys);
        }
    }

    @Test
    void atRepeatableReadAStripeLockAfterAnEarlierReadChecksAStaleSnapshotUnlessTheCheckIsALockingRead()
            throws Exception {
        for (String check : List.of("", " LOCK IN SHARE MODE")) {
            String key = check.isEmpty() ? "plain" : "locking";
            try (Connection t1 = tx(Connection.TRANSACTION_REPEATABLE_READ);
                    Connection t2 = tx(Connection.TRANSACTION_REPEATABLE_READ)) {
                queryLong(t2, "SELECT count(*) FROM files_nouniq");
                lockStripe(t1, 3);
                assertThat(findUnindexed(t1, key, "")).isFalse();
                insertUnindexed(t1, key);
                Future<Boolean> t2Check = pool.submit(() -> {
                    lockStripe(t2, 3);
                    boolean found = findUnindexed(t2, key, check);
                    if (!found) {
                        insertUnindexed(t2, key);
                    }
                    return found;
                });
                assertBlocked(t2Check);
                t1.commit();
                boolean found = t2Check.get(10, TimeUnit.SECONDS);
                t2.commit();
                if (check.isEmpty()) {
                    assertThat(found).as("plain check reads T2's snapshot, taken before T1 inserted").isFalse();
                    assertThat(countUnindexed(key)).as("duplicate").isEqualTo(2);
                } else {
                    assertThat(found).as("a locking read sees the latest committed row").isTrue();
                    assertThat(countUnindexed(key)).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void lockingChecksOfAbsentKeysDeadlockAcrossStripesAtRepeatableReadButNotAtReadCommitted() throws Exception {
        for (int isolation : List.of(Connection.TRANSACTION_REPEATABLE_READ, Connection.TRANSACTION_READ_COMMITTED)) {
            clear();
            boolean rr = isolation == Connection.TRANSACTION_REPEATABLE_READ;
            try (Connection t1 = tx(isolation); Connection t2 = tx(isolation)) {
                lockStripe(t1, 1);
                lockStripe(t2, 2);
                assertThat(findUnindexed(t1, "m1", " LOCK IN SHARE MODE")).isFalse();
                assertThat(findUnindexed(t2, "m2", " LOCK IN SHARE MODE")).isFalse();
                Future<SQLException> first = pool.submit(() -> attempt(() -> insertUnindexed(t1, "m1")));
                if (rr) {
                    assertBlocked(first);
                }
                SQLException second = attempt(() -> insertUnindexed(t2, "m2"));
                SQLException firstResult = first.get(10, TimeUnit.SECONDS);
                if (rr) {
                    assertThat(second == null ^ firstResult == null).as("exactly one of the two fails").isTrue();
                    SQLException deadlock = second != null ? second : firstResult;
                    assertThat(deadlock.getErrorCode()).as("different stripes, different keys, one gap: deadlock")
                            .isEqualTo(1213);
                } else {
                    assertThat((Throwable) firstResult).as("no gap locks at READ COMMITTED").isNull();
                    assertThat((Throwable) second).isNull();
                }
                t1.commit();
                t2.commit();
            }
            assertThat(countUnindexed("m1") + countUnindexed("m2")).isEqualTo(rr ? 1 : 2);
        }
    }

    @Test
    void insertIgnoreTurnsANotNullViolationIntoAStoredEmptyStringWhileOdkuFails() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            int ignored = s.executeUpdate("INSERT IGNORE INTO dedup_file (scope, content_hash, file_name, name_key)"
                    + " VALUES (NULL, '" + HASH + "', 'f', 'ignored')");
            assertThat(ignored).as("the row is stored").isEqualTo(1);
            assertThat(queryString(c, "SELECT concat('[', scope, ']') FROM dedup_file WHERE name_key = 'ignored'"))
                    .as("NULL became an empty scope, with only a warning").isEqualTo("[]");
            SQLException e = catchSql(() -> s.executeUpdate("INSERT INTO dedup_file (scope, content_hash, file_name,"
                    + " name_key) VALUES (NULL, '" + HASH + "', 'f', 'odku') ON DUPLICATE KEY UPDATE"
                    + " id = LAST_INSERT_ID(id)"));
            assertThat(e.getErrorCode()).as("ODKU keeps the error").isEqualTo(1048);
            assertThat(e.getSQLState()).isEqualTo("23000");
        }
    }

    @Test
    void withASecondUniqueKeyOdkuReportsARowWithAnotherKeyAsTheDuplicate() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS two_keys (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                    + " k varchar(10) NOT NULL, other varchar(10) NOT NULL, UNIQUE (k), UNIQUE (other))");
            s.execute("DELETE FROM two_keys");
            s.execute("INSERT INTO two_keys (k, other) VALUES ('a', 'x')");
            long existing = queryLong(c, "SELECT id FROM two_keys WHERE k = 'a'");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO two_keys (k, other) VALUES ('b', 'x')"
                    + " ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)", Statement.RETURN_GENERATED_KEYS)) {
                assertThat(ps.executeUpdate()).as("reported as a duplicate").isZero();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    assertThat(keys.getLong(1)).as("of the row with key 'a', not 'b'").isEqualTo(existing);
                }
            }
            assertThat(queryLong(c, "SELECT count(*) FROM two_keys WHERE k = 'b'")).as("'b' was never stored")
                    .isZero();
        }
    }

    @Test
    void atRepeatableReadOdkuSeesARowCommittedAfterTheSnapshotButAPlainReadDoesNot() throws Exception {
        try (Connection t1 = tx(Connection.TRANSACTION_REPEATABLE_READ);
                Connection t2 = tx(Connection.TRANSACTION_REPEATABLE_READ)) {
            queryLong(t2, "SELECT count(*) FROM dedup_file");
            long id = odku(t1, "k1")[1];
            t1.commit();
            long[] result = odku(t2, "k1");
            assertThat(result[0]).as("duplicate").isZero();
            assertThat(result[1]).as("the committed row's id").isEqualTo(id);
            assertThat(queryLong(t2, "SELECT count(*) FROM dedup_file WHERE id = " + id))
                    .as("invisible to a plain read in T2's snapshot").isZero();
            assertThat(queryLong(t2, "SELECT count(*) FROM dedup_file WHERE id = " + id + " LOCK IN SHARE MODE"))
                    .as("visible to a locking read").isEqualTo(1);
            t2.commit();
        }
    }

    // (f) -----------------------------------------------------------------------------------------------------------

    @Test
    void theShippedDdlIsIdempotentFillsAnyStripeCountAndItsUniqueKeyIsABtree() throws SQLException {
        try (Connection c = ds.getConnection()) {
            for (int run = 0; run < 2; run++) {
                LibrarySchema.create(c, LibrarySchema.Database.MARIADB, "audit_file", "audit_stripe", 2500, true, true);
            }
            assertThat(queryLong(c, "SELECT count(*) FROM audit_stripe")).isEqualTo(2500);
            assertThat(queryLong(c, "SELECT max(stripe) FROM audit_stripe")).isEqualTo(2499);
            assertThat(indexTypes(c, "audit_file")).containsEntry("uq_audit_file_key", "BTREE");
            assertThat(indexTypes(c, "dedup_file")).containsEntry("uq_dedup_file_key", "BTREE");
        }
    }

    @Test
    void theShippedDdlComparesNamesExactlyWhateverTheDatabaseDefaultCollation() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS facts_ci");
            s.execute("CREATE DATABASE facts_ci CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
            LibrarySchema.create(c, LibrarySchema.Database.MARIADB, "facts_ci.dedup_file", "facts_ci.dedup_lock_stripe",
                    16, true, true);
            for (String scope : List.of("case", "CASE", "case ")) {
                s.execute("INSERT INTO facts_ci.dedup_file (scope, content_hash, file_name, name_key)"
                        + " VALUES ('" + scope + "', '" + HASH + "', 'f', 'k')");
            }
            assertThat(queryLong(c, "SELECT count(*) FROM facts_ci.dedup_file")).isEqualTo(3);

            s.execute("CREATE TABLE facts_ci.pad (v varchar(10) COLLATE utf8mb4_bin NOT NULL, UNIQUE (v))");
            s.execute("INSERT INTO facts_ci.pad VALUES ('a.txt')");
            SQLException padded = catchSql(() -> s.execute("INSERT INTO facts_ci.pad VALUES ('a.txt ')"));
            assertThat(padded.getErrorCode()).as("utf8mb4_bin ignores trailing spaces (PAD SPACE)").isEqualTo(1062);
            s.execute("CREATE TABLE facts_ci.defaults (v varchar(10) CHARACTER SET utf8mb4 NOT NULL)");
            assertThat(queryString(c, "SELECT collation_name FROM information_schema.COLUMNS"
                    + " WHERE table_schema = 'facts_ci' AND table_name = 'defaults'"))
                    .as("a column's charset without a collation takes the charset's default, not the server's")
                    .isEqualTo("utf8mb4_general_ci");
            s.execute("DROP DATABASE facts_ci");
        }
    }

    @Test
    void aUniqueKeyLongerThan3072BytesSilentlyBecomesAHashKeyThatStatisticsShow() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (int chars : List.of(750, 751, 4096)) {
                String table = "case_file_" + chars;
                s.execute("CREATE TABLE " + table + " (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                        + " case_id bigint NOT NULL, file_hash char(64) CHARACTER SET ascii NOT NULL,"
                        + " original_filename varchar(" + chars + ") CHARACTER SET utf8mb4 NOT NULL,"
                        + " CONSTRAINT uq_" + table + " UNIQUE (case_id, file_hash, original_filename))");
                assertThat((Throwable) s.getWarnings()).as("no warning when %s is created", table).isNull();
            }
            assertThat(indexTypes(c, "case_file_750")).as("8 + 64 + 750 x 4 = 3072 bytes")
                    .containsEntry("uq_case_file_750", "BTREE");
            assertThat(indexTypes(c, "case_file_751")).as("3076 bytes").containsEntry("uq_case_file_751", "HASH");
            assertThat(indexTypes(c, "case_file_4096")).as("the seed's case_file as written")
                    .containsEntry("uq_case_file_4096", "HASH");
            assertThat(queryString(c, "SHOW CREATE TABLE case_file_751", 2)).contains("USING HASH");
        }
    }

    // (g) -----------------------------------------------------------------------------------------------------------

    @Test
    void jdbcMetadataReportsUniqueKeysByDatabaseAsCatalogAndSizesInCharacters() throws SQLException {
        try (Connection c = ds.getConnection()) {
            DatabaseMetaData md = c.getMetaData();
            assertThat(c.getCatalog()).isEqualTo("mariadb_facts");
            assertThat(c.getSchema()).as("the driver's schema").isNull();

            Map<String, List<String>> unique = uniqueIndexes(md, "mariadb_facts", null, "dedup_file");
            assertThat(unique).containsEntry("uq_dedup_file_key", List.of("scope", "content_hash", "name_key"))
                    .containsEntry("PRIMARY", List.of("id")).hasSize(2);
            assertThat(uniqueIndexes(md, "mariadb_facts_other", null, "dedup_file")).as("another catalog").isEmpty();
            assertThat(uniqueIndexes(md, null, "mariadb_facts_other", "dedup_file"))
                    .as("the schema argument is ignored: no catalog means the connection's database")
                    .containsKey("uq_dedup_file_key");
            assertThat(uniqueIndexes(md, null, null, "dedup_file")).as("no catalog: the connection's")
                    .containsKey("uq_dedup_file_key");

            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS hashed (a varchar(1000) NOT NULL, b varchar(1000) NOT NULL,"
                        + " UNIQUE KEY uq_hashed (a, b))");
            }
            assertThat(uniqueIndexes(md, "mariadb_facts", null, "hashed"))
                    .as("a USING HASH key is reported like any unique key")
                    .containsEntry("uq_hashed", List.of("a", "b"));
            assertThat(indexInfoTypes(md, "hashed")).as("getIndexInfo's TYPE cannot tell a hash key")
                    .isEqualTo(indexInfoTypes(md, "dedup_file")).containsOnly((int) DatabaseMetaData.tableIndexOther);

            Map<String, int[]> sizes = new TreeMap<>();
            try (ResultSet rs = md.getColumns("mariadb_facts", null, "dedup_file", "%")) {
                while (rs.next()) {
                    sizes.put(rs.getString("COLUMN_NAME"), new int[] {rs.getInt("COLUMN_SIZE"),
                            rs.getInt("CHAR_OCTET_LENGTH")});
                }
            }
            assertThat(sizes.get("scope")).as("COLUMN_SIZE in characters, CHAR_OCTET_LENGTH in bytes")
                    .containsExactly(255, 1020);
            assertThat(sizes.get("content_hash")).containsExactly(128, 128);
            assertThat(sizes.get("name_key")).containsExactly(64, 64);
            assertThat(sizes.get("file_name")).containsExactly(4096, 16384);
        }
    }

    // (h) -----------------------------------------------------------------------------------------------------------

    @Test
    void setStatementWrapsAnOdkuInsertWithClientAndServerPreparedStatements() throws Exception {
        for (String properties : List.of(MariaDbServer.URL_PROPERTIES,
                MariaDbServer.URL_PROPERTIES + "&useServerPrepStmts=true")) {
            clear();
            try (Connection c = DriverManager.getConnection(server.jdbcUrl("mariadb_facts")
                    .replace(MariaDbServer.URL_PROPERTIES, properties), MariaDbServer.USER, "")) {
                String sql = "SET STATEMENT innodb_lock_wait_timeout = 1 FOR " + ODKU;
                long[] first = odku(c, sql, "k1");
                long[] again = odku(c, sql, "k1");
                assertThat(first[0]).as(properties).isEqualTo(1);
                assertThat(again[0]).as(properties).isZero();
                assertThat(again[1]).as(properties).isEqualTo(first[1]);
                try (PreparedStatement ps = c.prepareStatement(sql + " RETURNING id")) {
                    ps.setString(1, SCOPE);
                    ps.setString(2, HASH);
                    ps.setString(3, "report.pdf");
                    ps.setString(4, "k1");
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).as(properties).isTrue();
                        assertThat(rs.getLong(1)).as("SET STATEMENT ... ODKU ... RETURNING, %s", properties)
                                .isEqualTo(first[1]);
                    }
                }
            }
        }
    }

    @Test
    void anOdkuWaitingOnAnUncommittedDuplicateTimesOutThenReturnsTheWinnersIdOrInserts() throws Exception {
        String sql = "SET STATEMENT innodb_lock_wait_timeout = 1 FOR " + ODKU;
        try (Connection holder = tx(Connection.TRANSACTION_READ_COMMITTED);
                Connection waiter = tx(Connection.TRANSACTION_READ_COMMITTED)) {
            long id = odku(holder, "k1")[1];
            long start = System.nanoTime();
            SQLException e = catchSql(() -> odku(waiter, sql, "k1"));
            long millis = elapsedMillis(start);
            assertThat(e.getErrorCode()).isEqualTo(1205);
            assertThat(millis).isBetween(950L, 2_000L);
            fact("ODKU behind an uncommitted duplicate: 1205 after %d ms", millis);

            Future<long[]> waiting = pool.submit(() -> odku(waiter, "k1"));
            assertBlocked(waiting);
            holder.commit();
            long[] result = waiting.get(10, TimeUnit.SECONDS);
            assertThat(result).as("after the holder's commit: duplicate of its row").containsExactly(0L, id);
            waiter.commit();

            odku(holder, "k2");
            Future<long[]> second = pool.submit(() -> odku(waiter, "k2"));
            assertBlocked(second);
            holder.rollback();
            long[] stored = second.get(10, TimeUnit.SECONDS);
            assertThat(stored[0]).as("after the holder's rollback: stored").isEqualTo(1);
            waiter.commit();
        }
        assertThat(count("k1") + count("k2")).isEqualTo(2);
    }

    @Test
    void anUpdateThatChangesNothingCountsZeroWithUseAffectedRows() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("UPDATE dedup_lock_stripe SET registrations = registrations WHERE stripe = 1"))
                    .as("matched but unchanged: 0, not 1 (Hibernate's row-count checks expect matched rows)")
                    .isZero();
            assertThat(s.executeUpdate("UPDATE dedup_lock_stripe SET registrations = registrations + 1"
                    + " WHERE stripe = 1")).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static Connection tx(int isolation) throws SQLException {
        Connection c = ds.getConnection();
        c.setAutoCommit(false);
        c.setTransactionIsolation(isolation);
        return c;
    }

    private static long[] odku(Connection c, String nameKey) throws SQLException {
        return odku(c, ODKU, nameKey);
    }

    private static long[] odku(Connection c, String sql, String nameKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, SCOPE);
            ps.setString(2, HASH);
            ps.setString(3, "report.pdf");
            ps.setString(4, nameKey);
            long count = ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                assertThat(keys.next()).as("a generated key for %s", nameKey).isTrue();
                return new long[] {count, keys.getLong(1)};
            }
        }
    }

    private static void insertPlain(Connection c, String nameKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO dedup_file (scope, content_hash, file_name, name_key) VALUES (?, ?, 'report.pdf', ?)")) {
            ps.setString(1, SCOPE);
            ps.setString(2, HASH);
            ps.setString(3, nameKey);
            ps.executeUpdate();
        }
    }

    private static boolean findForUpdate(Connection c, String nameKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM dedup_file WHERE scope = ? AND content_hash = ?"
                + " AND name_key = ? FOR UPDATE")) {
            ps.setString(1, SCOPE);
            ps.setString(2, HASH);
            ps.setString(3, nameKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static boolean findUnindexed(Connection c, String nameKey, String suffix) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_UNINDEXED + suffix)) {
            ps.setString(1, SCOPE);
            ps.setString(2, HASH);
            ps.setString(3, nameKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void insertUnindexed(Connection c, String nameKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_UNINDEXED)) {
            ps.setString(1, SCOPE);
            ps.setString(2, HASH);
            ps.setString(3, nameKey);
            ps.executeUpdate();
        }
    }

    private static void lockStripe(Connection c, int stripe) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_STRIPE)) {
            ps.setInt(1, stripe);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("stripe row %d exists", stripe).isTrue();
            }
        }
    }

    private static long count(String nameKey) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return queryLong(c, "SELECT count(*) FROM dedup_file WHERE name_key = '" + nameKey + "'");
        }
    }

    private static long countUnindexed(String nameKey) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return queryLong(c, "SELECT count(*) FROM files_nouniq WHERE name_key = '" + nameKey + "'");
        }
    }

    private static long idOf(String nameKey) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return queryLong(c, "SELECT id FROM dedup_file WHERE name_key = '" + nameKey + "'");
        }
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getLong(1);
        }
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        return queryString(c, sql, 1);
    }

    private static String queryString(Connection c, String sql, int column) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(column);
        }
    }

    private static Map<String, String> indexTypes(Connection c, String table) throws SQLException {
        Map<String, String> types = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT INDEX_NAME, INDEX_TYPE"
                + " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?")) {
            ps.setString(1, table.substring(table.lastIndexOf('.') + 1));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return types;
    }

    private static Map<String, List<String>> uniqueIndexes(DatabaseMetaData md, String catalog, String schema,
            String table) throws SQLException {
        Map<String, List<String>> indexes = new TreeMap<>();
        try (ResultSet rs = md.getIndexInfo(catalog, schema, table, true, false)) {
            while (rs.next()) {
                if (!rs.getBoolean("NON_UNIQUE")) {
                    indexes.computeIfAbsent(rs.getString("INDEX_NAME"), n -> new ArrayList<>())
                            .add(rs.getString("COLUMN_NAME"));
                }
            }
        }
        return indexes;
    }

    private static Set<Integer> indexInfoTypes(DatabaseMetaData md, String table) throws SQLException {
        Set<Integer> types = new TreeSet<>();
        try (ResultSet rs = md.getIndexInfo(null, null, table, true, false)) {
            while (rs.next()) {
                types.add((int) rs.getShort("TYPE"));
            }
        }
        return types;
    }

    private static void assertBlocked(Future<?> future) {
        assertThatThrownBy(() -> future.get(400, TimeUnit.MILLISECONDS)).as("still waiting on a lock")
                .isInstanceOf(TimeoutException.class);
    }

    private static long elapsedMillis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static void fact(String format, Object... args) {
        System.out.println("FACT " + String.format(format, args));
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    private static SQLException attempt(SqlAction action) {
        try {
            action.run();
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    private static SQLException catchSql(SqlAction action) {
        SQLException e = attempt(action);
        assertThat((Throwable) e).as("an SQLException").isNotNull();
        return e;
    }
}
