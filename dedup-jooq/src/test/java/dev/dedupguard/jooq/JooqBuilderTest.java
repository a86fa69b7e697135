package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.Isolation;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.sql.Connection;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Building a guard: schema validation, schema creation, and misuse that must fail clearly. */
class JooqBuilderTest {

    @BeforeEach
    void tables() {
        for (TestDatabase db : TestDatabase.defaults()) {
            TestTable.createAll(db);
            TestTable.clearAll(db);
        }
    }

    private static JdbcDataSource freshH2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        return ds;
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void uniqueConstraintOnATableWithoutOneIsRejectedAtBuild(TestDatabase db) {
        assertThatThrownBy(() -> JooqDuplicateGuard.forHostTable(db.dataSource(), JooqBackend.dialect(db),
                        JooqBackend.mapping(TestTable.HOST_UNCONSTRAINED)).strategy(Strategy.UNIQUE_CONSTRAINT).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("UNIQUE_CONSTRAINT needs a unique constraint on exactly [case_id, file_hash, "
                        + "original_filename] of table case_file_legacy")
                .hasMessageContaining("ALTER TABLE case_file_legacy ADD CONSTRAINT");
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void theSeedsHostTableIsUsableAsIs(TestDatabase db) {
        for (Strategy s : Strategy.values()) {
            assertThat(JooqDuplicateGuard.forHostTable(db.dataSource(), JooqBackend.dialect(db),
                    JooqBackend.mapping(TestTable.HOST)).strategy(s).build().strategy()).isEqualTo(s);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void stripeCountThatDoesNotMatchTheTableIsRejected(TestDatabase db) {
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(db.dataSource(), JooqBackend.dialect(db))
                        .strategy(Strategy.SELECT_FOR_UPDATE).lockStripes(2048).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("needs rows 0..2047 in dedup_lock_stripe, found 1024");
    }

    @Test
    void missingTablesAreReportedWithTheFix() {
        JdbcDataSource empty = freshH2();
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(empty, SQLDialect.H2).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("table dedup_file with columns [id, scope, content_hash, file_name, name_key] "
                        + "cannot be read").hasMessageContaining("createSchemaIfMissing(true)")
                .hasMessageContaining("a host table the guard accepts is in dev/dedupguard/schema/host/h2.sql")
                .hasMessageContaining("the library's own tables in dev/dedupguard/schema/h2.sql");
        assertThatCode(() -> JooqDuplicateGuard.forLibraryTable(empty, SQLDialect.H2).tableName("evidence")
                .strategy(Strategy.SELECT_FOR_UPDATE).createSchemaIfMissing(true).build().register(Keys.key(1, 1)))
                .as("a renamed table is created, the stripe table with it")
                .doesNotThrowAnyException();
    }

    @Test
    void createSchemaIfMissingCreatesWorkingTablesAndIsIdempotent() {
        JdbcDataSource empty = freshH2();
        for (int i = 0; i < 2; i++) {
            JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(empty, SQLDialect.H2)
                    .tableName("evidence").stripeTableName("evidence_stripe").lockStripes(16)
                    .strategy(Strategy.SELECT_FOR_UPDATE).createSchemaIfMissing(true).build();
            assertThat(guard.register(Keys.key(1, 1)).isNew()).isEqualTo(i == 0);
        }
        JooqDuplicateGuard<FileKey> unique = JooqDuplicateGuard.forLibraryTable(empty, SQLDialect.H2)
                .tableName("evidence").strategy(Strategy.UNIQUE_CONSTRAINT).build();
        assertThat(unique.register(Keys.key(1, 1)).isNew()).as("same table, other strategy").isFalse();
    }

    @Test
    void createSchemaIfMissingOnPostgresInAFreshSchema() {
        TestDatabase.POSTGRESQL.execute("drop schema if exists dg_fresh cascade");
        TestDatabase.POSTGRESQL.execute("create schema dg_fresh");
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard
                .forLibraryTable(TestDatabase.POSTGRESQL.dataSource(), SQLDialect.POSTGRES)
                .tableName("dg_fresh.files").stripeTableName("dg_fresh.stripes").lockStripes(8)
                .strategy(Strategy.SELECT_FOR_UPDATE).createSchemaIfMissing(true).build();
        assertThat(guard.register(Keys.key(1, 1)).isNew()).isTrue();
        assertThat(TestDatabase.POSTGRESQL.queryLong("select count(*) from dg_fresh.stripes")).isEqualTo(8);
        assertThat(JooqDuplicateGuard.forLibraryTable(TestDatabase.POSTGRESQL.dataSource(), SQLDialect.POSTGRES)
                .tableName("dg_fresh.files").strategy(Strategy.UNIQUE_CONSTRAINT).build()
                .register(Keys.key(1, 1)).isNew()).isFalse();
    }

    @Test
    void nonExactNamePolicyOnAHostTableWithANameKeyColumnWorks() {
        TestDatabase db = TestDatabase.H2;
        db.execute("create table if not exists case_file_nk (id bigint generated by default as identity primary key,"
                + " case_id bigint not null, file_hash char(64) not null, original_filename varchar(4096) not null,"
                + " name_key char(64) not null, uploaded_by varchar(100), size_bytes bigint,"
                + " constraint ck_case_file_nk_hash_lower check (file_hash = lower(file_hash)),"
                + " constraint uq_case_file_nk unique (case_id, file_hash, name_key))");
        var mapping = HostTable.of(DSL.table(DSL.name("case_file_nk"))).id(JooqBackend.ID).scope(JooqBackend.CASE_ID)
                .contentHash(JooqBackend.FILE_HASH).fileName(JooqBackend.ORIGINAL_FILENAME)
                .nameKey(DSL.field(DSL.name("name_key"), String.class)).build();
        var guard = JooqDuplicateGuard.forHostTable(db.dataSource(), SQLDialect.H2, mapping)
                .namePolicy(dev.dedupguard.NamePolicy.NFC_CASE_INSENSITIVE).build();
        var backend = new JooqBackend();
        String hash = Keys.sha256("x");
        var first = guard.register((org.jooq.Record) backend.file(TestTable.HOST, FileKey.of("9", hash, "Report.PDF")));
        var second = guard.register((org.jooq.Record) backend.file(TestTable.HOST, FileKey.of("9", hash, "report.pdf")));
        assertThat(first.isNew()).isTrue();
        assertThat(second.isNew()).isFalse();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(db.queryString("select original_filename from case_file_nk where id = ?", first.id()))
                .isEqualTo("Report.PDF");
    }

    @Test
    void hostRowKeepsTheHostsOtherColumns() {
        TestDatabase db = TestDatabase.POSTGRESQL;
        var guard = JooqDuplicateGuard.forHostTable(db.dataSource(), SQLDialect.POSTGRES,
                JooqBackend.mapping(TestTable.HOST)).build();
        long id = guard.register((org.jooq.Record) new JooqBackend().file(TestTable.HOST, Keys.key(3, 3))).id();
        assertThat(db.queryString("select uploaded_by || '/' || size_bytes || '/' || status from case_file where id = ?",
                id)).isEqualTo("analyst-7/1234/received");
    }

    /**
     * The guarded strategies on PostgreSQL insert through {@code INSERT ... SELECT} inside one statement: a value the
     * host set to {@code null} is bound without a type, and must still reach its column as a null of that column's type.
     */
    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"SELECT_FOR_UPDATE", "UNIQUE_CONSTRAINT"})
    void hostValuesSetToNullAreStoredAsNulls(Strategy strategy) {
        TestDatabase db = TestDatabase.POSTGRESQL;
        TestTable table = strategy == Strategy.UNIQUE_CONSTRAINT ? TestTable.HOST : TestTable.HOST_UNCONSTRAINED;
        var guard = JooqDuplicateGuard.forHostTable(db.dataSource(), SQLDialect.POSTGRES, JooqBackend.mapping(table))
                .strategy(strategy).build();
        org.jooq.Record file = (org.jooq.Record) new JooqBackend().file(table, Keys.key(5, 1));
        file.set(JooqBackend.UPLOADED_BY, null);
        file.set(JooqBackend.SIZE_BYTES, null);

        var first = guard.register(file);
        var again = guard.register(file);

        assertThat(first.isNew()).isTrue();
        assertThat(again.isNew()).isFalse();
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(db.queryString("select concat(coalesce(uploaded_by, 'none'), '/', coalesce(size_bytes, -1), '/', status)"
                + " from " + table.table() + " where id = ?", first.id())).isEqualTo("none/-1/received");
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void batchOfHostRowsThatSetDifferentColumnsKeepsEachRowsValuesAndDefaults(TestDatabase db) {
        var guard = JooqDuplicateGuard.forHostTable(db.dataSource(), JooqBackend.dialect(db),
                JooqBackend.mapping(TestTable.HOST)).build();
        org.jooq.Record full = (org.jooq.Record) new JooqBackend().file(TestTable.HOST, Keys.key(4, 1));
        org.jooq.Record keyOnly = DSL.using(SQLDialect.DEFAULT).newRecord(JooqBackend.CASE_ID, JooqBackend.FILE_HASH,
                JooqBackend.ORIGINAL_FILENAME);
        keyOnly.set(JooqBackend.CASE_ID, 4L);
        keyOnly.set(JooqBackend.FILE_HASH, Keys.key(4, 2).contentHash());
        keyOnly.set(JooqBackend.ORIGINAL_FILENAME, Keys.key(4, 2).fileName());

        var results = guard.registerAll(java.util.List.of(full, keyOnly));

        assertThat(results).allMatch(dev.dedupguard.Registration::isNew);
        assertThat(db.queryString("select concat(uploaded_by, '/', status) from case_file where id = ?",
                results.get(0).id())).isEqualTo("analyst-7/received");
        assertThat(db.queryString("select concat(coalesce(uploaded_by, 'none'), '/', status) from case_file where id = ?",
                results.get(1).id())).isEqualTo("none/received");
    }

    @Test
    void hostRecordWithAMissingKeyValueNamesTheColumn() {
        var guard = JooqDuplicateGuard.forHostTable(TestDatabase.H2.dataSource(), SQLDialect.H2,
                JooqBackend.mapping(TestTable.HOST)).build();
        org.jooq.Record r = (org.jooq.Record) new JooqBackend().file(TestTable.HOST, Keys.key(3, 3));
        r.set(JooqBackend.FILE_HASH, null);
        assertThatThrownBy(() -> guard.register(r)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("case_file record (columns case_id, file_hash, original_filename)")
                .hasMessageContaining("contentHash must not be null");
    }

    @Test
    void hostTableOnPostgresLimitsRawNamesToWhatItsIndexHolds() {
        var guard = JooqDuplicateGuard.forHostTable(TestDatabase.POSTGRESQL.dataSource(), SQLDialect.POSTGRES,
                JooqBackend.mapping(TestTable.HOST)).build();
        String name = "n".repeat(2700);
        assertThatThrownBy(() -> guard.register((org.jooq.Record) new JooqBackend().file(TestTable.HOST,
                        FileKey.of("1", Keys.sha256("a"), name))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most about 2612 bytes").hasMessageContaining("name-key column");
    }

    @Test
    void joiningAConnectionInAutoCommitModeFailsClearly() throws Exception {
        var guard = JooqDuplicateGuard.forLibraryTable(TestDatabase.H2.dataSource(), SQLDialect.H2).build();
        try (Connection c = TestDatabase.H2.dataSource().getConnection()) {
            DuplicateGuard<FileKey> joined = guard.joining(DSL.using(c, SQLDialect.H2));
            assertThatThrownBy(() -> joined.register(Keys.key(1, 1))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("autocommit");
        }
        assertThat(TestTable.LIBRARY.totalRows(TestDatabase.H2)).isZero();
    }

    @Test
    void ownTransactionsReturnConnectionsAsTheyWereFound() throws Exception {
        org.h2.jdbcx.JdbcDataSource single = new org.h2.jdbcx.JdbcDataSource();
        single.setURL("jdbc:h2:mem:dedup_contract;DB_CLOSE_DELAY=-1");
        single.setUser("sa");
        try (Connection c = single.getConnection()) {
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            var guard = JooqDuplicateGuard.forLibraryTable(DSL.using(c, SQLDialect.H2))
                    .isolation(Isolation.SERIALIZABLE).build();
            assertThat(guard.register(Keys.key(1, 2)).isNew()).isTrue();
            assertThat(c.getAutoCommit()).isTrue();
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
        }
    }

    @Test
    void unsupportedDialectAndBadNamesFailAtOnce() {
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(TestDatabase.H2.dataSource(), SQLDialect.SQLITE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("dialect must be POSTGRES, H2 or MARIADB, was SQLITE");
        assertThatThrownBy(() -> JooqDuplicateGuard.forLibraryTable(TestDatabase.H2.dataSource(), SQLDialect.H2)
                .tableName("x; drop table y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tableName must be an unquoted SQL identifier");
        assertThatThrownBy(() -> JooqDuplicateGuard.forHostTable(TestDatabase.H2.dataSource(), SQLDialect.H2,
                JooqBackend.mapping(TestTable.HOST)).tableName("other")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> HostTable.of(DSL.table("t")).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs the id column");
    }

    @Test
    void databaseFailuresSurfaceAsDuplicateGuardExceptionWithTheKey() {
        var guard = JooqDuplicateGuard.forLibraryTable(TestDatabase.H2.dataSource(), SQLDialect.H2).build();
        TestDatabase.H2.execute("alter table dedup_file add column must_be_set int not null default 0");
        TestDatabase.H2.execute("alter table dedup_file alter column must_be_set drop default");
        try {
            FileKey key = Keys.key(1, 5);
            assertThatThrownBy(() -> guard.register(key)).isInstanceOf(DuplicateGuardException.class)
                    .satisfies(e -> assertThat(((DuplicateGuardException) e).key()).contains(key))
                    .hasMessageContaining("registering " + key + " failed");
        } finally {
            TestDatabase.H2.execute("alter table dedup_file drop column must_be_set");
        }
    }
}
