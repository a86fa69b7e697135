package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.RegistrationInterruptedException;
import dev.dedupguard.FileKey;
import dev.dedupguard.HashAlgorithm;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.Registration;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.testing.CountingDataSource;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.sql.Connection;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Defects an adopter found (issue 9): each test failed before its fix. */
class JooqHardeningTest {

    @BeforeEach
    void tables() {
        for (TestDatabase db : TestDatabase.defaults()) {
            TestTable.createAll(db);
            TestTable.clearAll(db);
        }
    }

    static HikariDataSource singleConnectionPool(TestDatabase db) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        config.setMaximumPoolSize(1);
        return new HikariDataSource(config);
    }

    /**
     * A text-typed scope field over an integer column: H2 and MariaDB convert {@code "007"} to 7 on the way in, which is
     * also the scope {@code "7"}; without the check the second registration was a duplicate of a different key.
     */
    @ParameterizedTest
    @CsvSource({"H2", "MARIADB"})
    void aScopeTheColumnWouldStoreInAnotherFormIsRefusedBeforeSql(TestDatabase db) {
        org.jooq.Field<String> caseIdText = DSL.field(DSL.name("case_id"), org.jooq.impl.SQLDataType.VARCHAR);
        HostTable<org.jooq.Record> mapping = HostTable.of(DSL.table(DSL.name("case_file"))).id(JooqBackend.ID)
                .scope(caseIdText).contentHash(JooqBackend.FILE_HASH).fileName(JooqBackend.ORIGINAL_FILENAME).build();
        JooqDuplicateGuard<org.jooq.Record> guard = JooqDuplicateGuard.forHostTable(db.dataSource(),
                JooqBackend.dialect(db), mapping).build();
        java.util.function.Function<String, org.jooq.Record> file = scope -> {
            org.jooq.Record r = DSL.using(org.jooq.SQLDialect.DEFAULT).newRecord(caseIdText, JooqBackend.FILE_HASH,
                    JooqBackend.ORIGINAL_FILENAME);
            r.set(caseIdText, scope);
            r.set(JooqBackend.FILE_HASH, Keys.sha256("x"));
            r.set(JooqBackend.ORIGINAL_FILENAME, "a.pdf");
            return r;
        };

        assertThat(guard.register(file.apply("7")).isNew()).isTrue();
        for (String other : List.of("007", "+7", "7.0")) {
            assertThatThrownBy(() -> guard.register(file.apply(other))).as(other)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scope \"" + other + "\"")
                    .hasMessageContaining("case_id");
        }
        assertThat(TestTable.HOST.totalRows(db)).isEqualTo(1);
    }

    /**
     * Another transaction commits one of a batch's keys after the batch looked its keys up and before its multi-row
     * insert: the insert fails on that key and the rows go one by one. The others are stored once and reported new.
     * The committed key is the one that sorts last, so the failing row comes after the others in the statement: on H2 a
     * failed {@code SELECT ... FROM FINAL TABLE (INSERT ...)} kept the rows before the failing one, and the row-by-row
     * retry reported them as duplicates of themselves (a file stored by this call, answered as a duplicate).
     */
    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aKeyCommittedBetweenABatchsLookupAndInsertLeavesTheOthersNew(TestDatabase db) throws Exception {
        List<FileKey> keys = Keys.keys(95, 3).stream()
                .sorted(Comparator.comparing(k -> StoredKey.of(k, NamePolicy.EXACT))).toList();
        FileKey last = keys.get(2);
        CountingDataSource hooked = new CountingDataSource(db.dataSource());
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(hooked, JooqBackend.dialect(db))
                .strategy(Strategy.UNIQUE_CONSTRAINT).build();
        try (Connection holder = db.dataSource().getConnection()) {
            holder.setAutoCommit(false);
            Registration<FileKey> held = guard.joining(DSL.using(holder, JooqBackend.dialect(db))).register(last);
            hooked.onceBefore("insert into", () -> {
                try {
                    holder.commit();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });

            List<Registration<FileKey>> result = guard.registerAll(keys);

            assertThat(result.get(0).isNew()).as("first key").isTrue();
            assertThat(result.get(1).isNew()).as("second key").isTrue();
            assertThat(result.get(2).isNew()).as("the concurrently committed key").isFalse();
            assertThat(result.get(2).id()).isEqualTo(held.id());
            for (FileKey key : keys) {
                assertThat(TestTable.LIBRARY.rowsWith(db, key)).as("rows of %s", key).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"POSTGRESQL, SELECT_FOR_UPDATE", "POSTGRESQL, UNIQUE_CONSTRAINT", "H2, SELECT_FOR_UPDATE",
                "H2, UNIQUE_CONSTRAINT"})
    void aBlockedRegistrationGivesUpWhenItsThreadIsInterrupted(TestDatabase db, Strategy strategy) throws Exception {
        FileKey key = Keys.key(91, 1);
        try (HikariDataSource pool = singleConnectionPool(db);
             Connection holder = db.dataSource().getConnection()) {
            JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(pool, JooqBackend.dialect(db))
                    .strategy(strategy).lockTimeout(Duration.ofSeconds(20)).build();
            holder.setAutoCommit(false);
            assertThat(guard.joining(DSL.using(holder, JooqBackend.dialect(db))).register(key).isNew()).isTrue();

            AtomicReference<Thread> waiter = new AtomicReference<>();
            AtomicBoolean flagKept = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Registration<FileKey>> call = CompletableFuture.supplyAsync(() -> {
                waiter.set(Thread.currentThread());
                started.countDown();
                try {
                    return guard.register(key);
                } finally {
                    flagKept.set(Thread.interrupted());
                }
            }, r -> new Thread(r, "interrupted-uploader").start());
            started.await();
            Thread.sleep(500);
            assertThat(call).as("waits behind the holder").isNotDone();
            long interruptedAt = System.nanoTime();
            waiter.get().interrupt();
            Throwable failure;
            try {
                call.get(3, TimeUnit.SECONDS);
                failure = null;
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
            } finally {
                holder.rollback();
            }
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - interruptedAt);
            assertThat(waitedMillis).as("gave up soon after the interrupt").isLessThan(2000);
            assertThat(failure).isInstanceOf(RegistrationInterruptedException.class)
                    .hasMessageContaining("interrupted");
            assertThat(flagKept).as("interrupt flag restored").isTrue();
            assertThat(TestTable.LIBRARY.rowsWith(db, key)).as("nothing stored").isZero();
            assertThat(guard.register(Keys.key(91, 2)).isNew()).as("the pooled connection still works").isTrue();
            assertThat(guard.register(key).isNew()).isTrue();
        }
    }
    @ParameterizedTest
    @CsvSource({"POSTGRESQL, NO_LOCK", "POSTGRESQL, SELECT_FOR_UPDATE", "POSTGRESQL, UNIQUE_CONSTRAINT",
                "H2, UNIQUE_CONSTRAINT", "MARIADB, UNIQUE_CONSTRAINT"})
    void theLargestAcceptedChunkSizeWorksForNewAndExistingKeys(TestDatabase db, Strategy strategy) {
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(db.dataSource(), JooqBackend.dialect(db))
                .strategy(strategy).batchChunkSize(10_000).build();
        List<FileKey> keys = Keys.keys(92, 10_000);
        List<Registration<FileKey>> first = guard.registerAll(keys.subList(0, 5_000));
        assertThat(first).allMatch(Registration::isNew);
        List<Registration<FileKey>> second = guard.registerAll(keys);
        assertThat(second.subList(0, 5_000)).noneMatch(Registration::isNew);
        assertThat(second.subList(5_000, 10_000)).allMatch(Registration::isNew);
        for (int i = 0; i < 5_000; i += 499) {
            assertThat(second.get(i).id()).isEqualTo(first.get(i).id());
        }
        assertThat(TestTable.LIBRARY.totalRows(db)).isEqualTo(10_000);
    }

    /**
     * A batch of re-uploads costs a lookup per chunk, not a statement per row. Before the fix, H2 and MariaDB (no
     * insert-if-absent clause) tried one insert per row, each failing on the unique key, and PostgreSQL looked the
     * conflicts up with a list of row comparisons that it plans and evaluates one by one; counted at the JDBC boundary.
     */
    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aBatchOfReuploadsIsLookedUpPerChunkNotStatementPerRow(TestDatabase db) {
        CountingDataSource counting = new CountingDataSource(db.dataSource());
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(counting, JooqBackend.dialect(db))
                .strategy(Strategy.UNIQUE_CONSTRAINT).batchChunkSize(1_000).build();
        List<FileKey> keys = Keys.keys(94, 2_000);
        assertThat(guard.registerAll(keys)).allMatch(Registration::isNew);

        counting.reset();
        assertThat(guard.registerAll(keys)).noneMatch(Registration::isNew);
        List<String> roundTrips = counting.roundTrips();
        List<String> lookups = roundTrips.stream().filter(sql -> sql.contains("from dedup_file")).toList();
        System.out.printf("%s: re-upload of 2,000 files in %d round trips, %d lookups%n", db, roundTrips.size(),
                lookups.size());
        assertThat(counting.count("COMMIT")).as("one transaction per chunk").isEqualTo(2);
        if (db == TestDatabase.POSTGRESQL) {
            assertThat(counting.countContaining("insert into")).as("one insert-if-absent per chunk").isEqualTo(2);
            assertThat(lookups).as("one lookup of the conflicts per chunk, the keys as three arrays").hasSize(2)
                    .allMatch(sql -> sql.contains("join unnest(?, ?, ?)"));
        } else {
            assertThat(counting.count("insert")).as("every key was found, so no insert was tried").isZero();
            assertThat(lookups).as("500 keys per lookup: before the inserts, and the algorithm's lookup of the "
                    + "conflicts").hasSize(8);
        }
        assertThat(roundTrips.size()).as("round trips, whatever the number of files").isLessThanOrEqualTo(16);
        assertThat(TestTable.LIBRARY.totalRows(db)).isEqualTo(2_000);
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aHashAlgorithmWiderThanTheHashColumnIsRefusedAtBuild(TestDatabase db) {
        assertThatThrownBy(() -> JooqDuplicateGuard.forHostTable(db.dataSource(), JooqBackend.dialect(db),
                        JooqBackend.mapping(TestTable.HOST)).hashAlgorithm(HashAlgorithm.SHA_512).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("hashAlgorithm SHA_512 needs 128 characters in the content hash column file_hash")
                .hasMessageContaining("which holds 64");
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void nameColumnSizesAreCharactersNotBytes(TestDatabase db) {
        db.execute("drop table if exists case_file_narrow");
        boolean maria = db.isMariaDb();
        db.execute("create table case_file_narrow (id bigint " + (maria ? "auto_increment" : "generated by default as "
                + "identity") + " primary key, case_id bigint not null, file_hash char(64) "
                + (maria ? "character set ascii collate ascii_bin " : "") + "not null, original_filename varchar(255) "
                + (maria ? "character set utf8mb4 collate utf8mb4_nopad_bin " : "") + "not null, "
                + "constraint ck_case_file_narrow_hash_lower check (file_hash = lower(file_hash)), "
                + "constraint uq_case_file_narrow unique (case_id, file_hash, original_filename))");
        HostTable<org.jooq.Record> mapping = HostTable.of(DSL.table(DSL.name("case_file_narrow"))).id(JooqBackend.ID)
                .scope(JooqBackend.CASE_ID).contentHash(JooqBackend.FILE_HASH).fileName(JooqBackend.ORIGINAL_FILENAME)
                .build();
        JooqDuplicateGuard<org.jooq.Record> guard = JooqDuplicateGuard.forHostTable(db.dataSource(),
                JooqBackend.dialect(db), mapping).build();
        String chinese = "\u6587".repeat(100) + ".pdf";
        assertThat(chinese.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(304);
        Registration<org.jooq.Record> stored = guard.register(caseFile(7, chinese));
        assertThat(stored.isNew()).isTrue();
        assertThat(db.queryString("select original_filename from case_file_narrow where id = ?", stored.id()))
                .isEqualTo(chinese);
        assertThatThrownBy(() -> guard.register(caseFile(7, "n".repeat(256))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileName must be at most 255 characters for column original_filename")
                .hasMessageContaining("was 256 characters");
    }

    private static org.jooq.Record caseFile(long caseId, String name) {
        org.jooq.Record r = DSL.using(org.jooq.SQLDialect.DEFAULT).newRecord(JooqBackend.CASE_ID, JooqBackend.FILE_HASH,
                JooqBackend.ORIGINAL_FILENAME);
        r.set(JooqBackend.CASE_ID, caseId);
        r.set(JooqBackend.FILE_HASH, Keys.sha256(name));
        r.set(JooqBackend.ORIGINAL_FILENAME, name);
        return r;
    }

    @org.junit.jupiter.api.Test
    void aWideH2NameColumnTakesLongNames() {
        TestDatabase db = TestDatabase.H2;
        db.execute("drop table if exists case_file_wide");
        db.execute("create table case_file_wide (id bigint generated by default as identity primary key, "
                + "case_id bigint not null, file_hash char(64) not null, original_filename varchar(2000) not null, "
                + "constraint ck_case_file_wide_hash_lower check (file_hash = lower(file_hash)), "
                + "constraint uq_case_file_wide unique (case_id, file_hash, original_filename))");
        HostTable<org.jooq.Record> mapping = HostTable.of(DSL.table(DSL.name("case_file_wide"))).id(JooqBackend.ID)
                .scope(JooqBackend.CASE_ID).contentHash(JooqBackend.FILE_HASH).fileName(JooqBackend.ORIGINAL_FILENAME)
                .build();
        var guard = JooqDuplicateGuard.forHostTable(db.dataSource(), org.jooq.SQLDialect.H2, mapping).build();
        assertThat(guard.register(caseFile(8, "\u6587".repeat(700))).isNew()).isTrue();
    }

    @org.junit.jupiter.api.Test
    void theRawNameLimitCountsTheWholeIndexEntry() {
        TestDatabase db = TestDatabase.POSTGRESQL;
        db.execute("drop table if exists case_file_ref");
        db.execute("create table case_file_ref (id bigint generated by default as identity primary key, "
                + "case_ref varchar(255) not null, file_hash char(64) not null, original_filename varchar(4096) not null, "
                + "constraint ck_case_file_ref_hash_lower check (file_hash = lower(file_hash)), "
                + "constraint uq_case_file_ref unique (case_ref, file_hash, original_filename))");
        org.jooq.Field<String> caseRef = DSL.field(DSL.name("case_ref"), String.class);
        HostTable<org.jooq.Record> mapping = HostTable.of(DSL.table(DSL.name("case_file_ref"))).id(JooqBackend.ID)
                .scope(caseRef).contentHash(JooqBackend.FILE_HASH).fileName(JooqBackend.ORIGINAL_FILENAME).build();
        var guard = JooqDuplicateGuard.forHostTable(db.dataSource(), org.jooq.SQLDialect.POSTGRES, mapping).build();
        String scope = "\u6848".repeat(255);
        StringBuilder random = new StringBuilder();
        java.util.Random rnd = new java.util.Random(9);
        while (random.length() < 1999) {
            random.append((char) ('a' + rnd.nextInt(26)));
        }
        org.jooq.Record tooLong = DSL.using(org.jooq.SQLDialect.DEFAULT).newRecord(caseRef, JooqBackend.FILE_HASH,
                JooqBackend.ORIGINAL_FILENAME);
        tooLong.set(caseRef, scope);
        tooLong.set(JooqBackend.FILE_HASH, Keys.sha256("x"));
        tooLong.set(JooqBackend.ORIGINAL_FILENAME, random.toString());
        assertThatThrownBy(() -> guard.register(tooLong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileName is 1999 bytes in UTF-8")
                .hasMessageContaining("more than the 2704 PostgreSQL allows")
                .hasMessageContaining("name-key column");
        org.jooq.Record fits = DSL.using(org.jooq.SQLDialect.DEFAULT).newRecord(caseRef, JooqBackend.FILE_HASH,
                JooqBackend.ORIGINAL_FILENAME);
        fits.set(caseRef, scope);
        fits.set(JooqBackend.FILE_HASH, Keys.sha256("x"));
        fits.set(JooqBackend.ORIGINAL_FILENAME, random.substring(0, 1800));
        assertThat(guard.register(fits).isNew()).isTrue();
    }
    @org.junit.jupiter.api.Test
    void aTableNameLongerThanTheDatabaseKeepsIsRefusedUpFront() {
        javax.sql.DataSource pg = TestDatabase.POSTGRESQL.dataSource();
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(pg, org.jooq.SQLDialect.POSTGRES)
                        .tableName("t".repeat(70)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tableName must be at most 49 characters per part on PostgreSQL")
                .hasMessageContaining("was 70");
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(pg, org.jooq.SQLDialect.POSTGRES)
                        .tableName("t".repeat(60))).isInstanceOf(IllegalArgumentException.class)
                .as("its constraint ck_<table>_hash_lower would be truncated");
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(pg, org.jooq.SQLDialect.POSTGRES)
                        .stripeTableName("s".repeat(64))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stripeTableName must be at most 63 characters");
        String longest = "t".repeat(49);
        TestDatabase.POSTGRESQL.execute("drop table if exists " + longest);
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(pg, org.jooq.SQLDialect.POSTGRES)
                .tableName(longest).createSchemaIfMissing(true).build();
        assertThat(guard.register(Keys.key(97, 1)).isNew()).isTrue();
        assertThat(guard.register(Keys.key(97, 1)).isNew()).isFalse();
        TestDatabase.POSTGRESQL.execute("drop table " + longest);
    }

    @org.junit.jupiter.api.Test
    void anUnreachableDatabaseIsReportedAsTheLibrarysExceptionAfterOneAttempt() {
        org.postgresql.ds.PGSimpleDataSource refused = new org.postgresql.ds.PGSimpleDataSource();
        refused.setURL("jdbc:postgresql://127.0.0.1:1/none");
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        javax.sql.DataSource counting = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        attempts.incrementAndGet();
                    }
                    try {
                        return method.invoke(refused, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(counting, org.jooq.SQLDialect.POSTGRES)
                        .createSchemaIfMissing(true).build())
                .isExactlyInstanceOf(dev.dedupguard.DuplicateGuardException.class)
                .hasMessageContaining("no connection to the database");
        assertThat(attempts).hasValue(1);
    }

    @org.junit.jupiter.api.Test
    void aDialectThatIsNotTheConnectedDatabasesIsNamedAtBuild() {
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(TestDatabase.H2.dataSource(),
                        org.jooq.SQLDialect.POSTGRES).createSchemaIfMissing(true).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("given the dialect POSTGRES (PostgreSQL)")
                .hasMessageContaining("the database that answered is H2");
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(TestDatabase.POSTGRESQL.dataSource(),
                        org.jooq.SQLDialect.H2).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("given the dialect H2 (H2)")
                .hasMessageContaining("the database that answered is PostgreSQL");
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(TestDatabase.MARIADB.dataSource(),
                        org.jooq.SQLDialect.POSTGRES).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("given the dialect POSTGRES (PostgreSQL)")
                .hasMessageContaining("the database that answered is MariaDB");
    }
}
