package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.PersistenceConfiguration;
import jakarta.persistence.Table;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Host entities whose table and column names need quoting: {@code @Table(name = "\"JPA Case Files\"")} with quoted
 * columns, the same table in another schema ({@code @Table(schema = ...)}), and a mixed-case table whose names
 * {@code hibernate.globally_quoted_identifiers} quotes. The guard uses each name exactly as Hibernate's mapping states
 * it, on each database with its own quote character.
 */
class JpaQuotedNamesTest {
    private static final String SCHEMA = "dg_quoted";
    private static final int RACERS = 8;
    /**
     * Left open, as {@link JpaBackend}'s: closing a factory closes the JVM-wide JCache cache manager that the other
     * test classes' factories cache their entities in.
     */
    private static final Map<TestDatabase, EntityManagerFactory> QUOTED = new EnumMap<>(TestDatabase.class);
    private static final Map<TestDatabase, EntityManagerFactory> GLOBALLY_QUOTED = new EnumMap<>(TestDatabase.class);

    /** The key columns, quoted in the mapping. */
    @MappedSuperclass
    public abstract static class QuotedColumns {
        @Id
        @GeneratedValue(strategy = GenerationType.IDENTITY)
        @Column(name = "\"Id\"")
        private Long id;

        @Column(name = "\"Case Id\"", nullable = false)
        private Long caseId;

        @Column(name = "\"File Hash\"", nullable = false, length = 64)
        private String fileHash;

        @Column(name = "\"fileName\"", nullable = false, length = 500)
        private String fileName;

        protected QuotedColumns() {
        }

        protected QuotedColumns(FileKey key) {
            this.caseId = Long.valueOf(key.scope());
            this.fileHash = key.contentHash();
            this.fileName = key.fileName();
        }
    }

    /** A table name with spaces, quoted in the mapping. */
    @Entity(name = "QuotedSpaced")
    @Table(name = "\"JPA Case Files\"")
    public static class Spaced extends QuotedColumns {
        protected Spaced() {
        }

        Spaced(FileKey key) {
            super(key);
        }
    }

    /** The same table name in a schema that is not the connection's. */
    @Entity(name = "QuotedQualified")
    @Table(schema = SCHEMA, name = "\"JPA Case Files\"")
    public static class Qualified extends QuotedColumns {
        protected Qualified() {
        }

        Qualified(FileKey key) {
            super(key);
        }
    }

    /**
     * The same on MariaDB, whose schemas Hibernate calls catalogs: it leaves {@code @Table(schema = ...)} out of the SQL
     * there.
     */
    @Entity(name = "QuotedQualifiedCatalog")
    @Table(catalog = SCHEMA, name = "\"JPA Case Files\"")
    public static class QualifiedCatalog extends QuotedColumns {
        protected QualifiedCatalog() {
        }

        QualifiedCatalog(FileKey key) {
            super(key);
        }
    }

    /** A quoted table without a unique key on the key columns. */
    @Entity(name = "QuotedLoose")
    @Table(name = "\"JPA Case Files Loose\"")
    public static class Loose extends QuotedColumns {
        protected Loose() {
        }

        Loose(FileKey key) {
            super(key);
        }
    }

    /** A quoted table name with a NUL character, which no database accepts. */
    @Entity(name = "QuotedNul")
    @Table(name = "\"JPA\u0000Files\"")
    public static class Nul extends QuotedColumns {
        protected Nul() {
        }
    }

    /** Mixed-case names, quoted by {@code hibernate.globally_quoted_identifiers}. */
    @Entity(name = "GloballyQuoted")
    @Table(name = "JpaCaseFiles")
    public static class Mixed {
        @Id
        @GeneratedValue(strategy = GenerationType.IDENTITY)
        @Column(name = "fileId")
        private Long id;

        @Column(name = "caseId", nullable = false)
        private Long caseId;

        @Column(name = "fileHash", nullable = false, length = 64)
        private String fileHash;

        @Column(name = "fileName", nullable = false, length = 500)
        private String fileName;

        protected Mixed() {
        }

        Mixed(FileKey key) {
            this.caseId = Long.valueOf(key.scope());
            this.fileHash = key.contentHash();
            this.fileName = key.fileName();
        }
    }

    /** One mapped host table: its entity, how to make one, its name in the test's own SQL. */
    private record Host(String label, Class<?> type, Function<FileKey, Object> entity, boolean globallyQuoted,
            String schema, String table, String scopeColumn) {

        String sql(TestDatabase db) {
            return (schema == null ? "" : schema + ".") + quote(db, table);
        }

        JpaDuplicateGuard<Object> guard(TestDatabase db, Strategy strategy) {
            return build(type, (globallyQuoted ? GLOBALLY_QUOTED : QUOTED).get(db), strategy);
        }

        @SuppressWarnings("unchecked")
        private static <E> JpaDuplicateGuard<Object> build(Class<E> type, EntityManagerFactory emf, Strategy strategy) {
            EntityMapping<E> mapping = EntityMapping.of(type).scope("caseId").contentHash("fileHash").fileName("fileName");
            return (JpaDuplicateGuard<Object>) (JpaDuplicateGuard<?>) JpaDuplicateGuard.forHostEntity(emf, mapping)
                    .strategy(strategy).createSchemaIfMissing(true).build();
        }
    }

    private static final Host SPACED = new Host("spaced table, quoted columns", Spaced.class, Spaced::new, false,
            null, "JPA Case Files", "Case Id");
    private static final Host QUALIFIED = new Host("schema-qualified spaced table", Qualified.class, Qualified::new,
            false, SCHEMA, "JPA Case Files", "Case Id");
    private static final Host MIXED = new Host("globally quoted mixed-case names", Mixed.class, Mixed::new, true,
            null, "JpaCaseFiles", "caseId");
    private static final Host LOOSE = new Host("spaced table without a unique key", Loose.class, Loose::new, false,
            null, "JPA Case Files Loose", "Case Id");
    private static final Host QUALIFIED_CATALOG = new Host("catalog-qualified spaced table (MariaDB)",
            QualifiedCatalog.class, QualifiedCatalog::new, false, SCHEMA, "JPA Case Files", "Case Id");

    private static List<Host> constrained(TestDatabase db) {
        return List.of(SPACED, db == TestDatabase.MARIADB ? QUALIFIED_CATALOG : QUALIFIED, MIXED);
    }

    private static String quote(TestDatabase db, String name) {
        return db.isMariaDb() ? "`" + name + "`" : "\"" + name + "\"";
    }

    @BeforeAll
    static void tables() {
        for (TestDatabase db : TestDatabase.defaults()) {
            db.execute("create schema if not exists " + SCHEMA);
            String identity = db.isMariaDb() ? "auto_increment" : "generated by default as identity";
            String hashType = db.isMariaDb() ? " char(64) character set ascii collate ascii_bin not null, "
                    : " char(64) not null, ";
            String nameType = db.isMariaDb() ? " varchar(500) character set utf8mb4 collate utf8mb4_nopad_bin not null"
                    : " varchar(500) not null";
            for (Host host : List.of(SPACED, QUALIFIED, LOOSE)) {
                String key = quote(db, "Case Id") + ", " + quote(db, "File Hash") + ", " + quote(db, "fileName");
                db.execute("create table if not exists " + host.sql(db) + " (" + quote(db, "Id") + " bigint " + identity
                        + " primary key, " + quote(db, "Case Id") + " bigint not null, " + quote(db, "File Hash")
                        + hashType + quote(db, "fileName") + nameType + ", check (" + quote(db, "File Hash")
                        + " = lower(" + quote(db, "File Hash") + "))" + (host == LOOSE ? "" : ", unique (" + key + ")")
                        + ")");
            }
            db.execute("create table if not exists " + MIXED.sql(db) + " (" + quote(db, "fileId") + " bigint "
                    + identity + " primary key, " + quote(db, "caseId") + " bigint not null, " + quote(db, "fileHash")
                    + hashType + quote(db, "fileName") + nameType + ", check (" + quote(db, "fileHash") + " = lower("
                    + quote(db, "fileHash") + ")), unique (" + quote(db, "caseId") + ", " + quote(db, "fileHash") + ", "
                    + quote(db, "fileName") + "))");
            QUOTED.put(db, new PersistenceConfiguration("quoted-" + db.name().toLowerCase())
                    .managedClass(Spaced.class)
                    .managedClass(Qualified.class)
                    .managedClass(QualifiedCatalog.class)
                    .managedClass(Loose.class)
                    .managedClass(Nul.class)
                    .property("hibernate.connection.datasource", db.dataSource())
                    .createEntityManagerFactory());
            GLOBALLY_QUOTED.put(db, new PersistenceConfiguration("globally-quoted-" + db.name().toLowerCase())
                    .managedClass(Mixed.class)
                    .property("hibernate.connection.datasource", db.dataSource())
                    .property("hibernate.globally_quoted_identifiers", "true")
                    .createEntityManagerFactory());
        }
    }

    private static long rows(TestDatabase db, Host host) {
        return db.queryLong("select count(*) from " + host.sql(db));
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void eachStrategyRegistersNewThenDuplicateOnEveryQuotedTable(TestDatabase db) {
        for (Host host : constrained(db)) {
            db.execute("delete from " + host.sql(db));
            long scope = 1;
            for (Strategy strategy : Strategy.values()) {
                String what = host.label() + ", " + strategy;
                JpaDuplicateGuard<Object> guard = host.guard(db, strategy);
                FileKey key = Keys.key(scope++, 1);
                Registration<Object> first = guard.register(host.entity().apply(key));
                Registration<Object> second = guard.register(host.entity().apply(key));
                assertThat(first.isNew()).as(what).isTrue();
                assertThat(second.isNew()).as(what).isFalse();
                assertThat(second.id()).as(what).isEqualTo(first.id());
            }
            assertThat(rows(db, host)).as(host.label()).isEqualTo(Strategy.values().length);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void registerAllStoresTheNewAndReportsTheStored(TestDatabase db) {
        for (Host host : constrained(db)) {
            db.execute("delete from " + host.sql(db));
            for (Strategy strategy : List.of(Strategy.SELECT_FOR_UPDATE, Strategy.UNIQUE_CONSTRAINT)) {
                long scope = strategy.ordinal() + 10;
                JpaDuplicateGuard<Object> guard = host.guard(db, strategy);
                guard.register(host.entity().apply(Keys.key(scope, 0)));
                List<Object> batch = new ArrayList<>();
                Keys.keys(scope, 3).forEach(k -> batch.add(host.entity().apply(k)));
                assertThat(guard.registerAll(batch)).extracting(Registration::isNew)
                        .as(host.label() + ", " + strategy).containsExactly(false, true, true);
            }
            assertThat(rows(db, host)).as(host.label()).isEqualTo(6);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void racersOnOneKeyStoreExactlyOneRow(TestDatabase db) throws Exception {
        for (Host host : constrained(db)) {
            db.execute("delete from " + host.sql(db));
            for (Strategy strategy : List.of(Strategy.SELECT_FOR_UPDATE, Strategy.UNIQUE_CONSTRAINT)) {
                String what = host.label() + ", " + strategy;
                JpaDuplicateGuard<Object> guard = host.guard(db, strategy);
                FileKey key = Keys.key(100 + strategy.ordinal(), 7);
                CyclicBarrier start = new CyclicBarrier(RACERS);
                ExecutorService pool = Executors.newFixedThreadPool(RACERS);
                List<Future<Registration<Object>>> results = new ArrayList<>();
                try {
                    for (int i = 0; i < RACERS; i++) {
                        results.add(pool.submit(() -> {
                            Object entity = host.entity().apply(key);
                            start.await(10, TimeUnit.SECONDS);
                            return guard.register(entity);
                        }));
                    }
                    int winners = 0;
                    for (Future<Registration<Object>> r : results) {
                        winners += r.get(30, TimeUnit.SECONDS).isNew() ? 1 : 0;
                    }
                    assertThat(winners).as(what).isEqualTo(1);
                } finally {
                    pool.shutdownNow();
                }
                assertThat(db.queryLong("select count(*) from " + host.sql(db) + " where "
                        + quote(db, host.scopeColumn()) + " = ?", Long.valueOf(key.scope()))).as(what).isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aQuotedTableWithoutTheUniqueKeyIsRefusedForUniqueConstraintOnly(TestDatabase db) {
        assertThatThrownBy(() -> LOOSE.guard(db, Strategy.UNIQUE_CONSTRAINT))
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("needs a unique constraint")
                .hasMessageContaining("JPA Case Files Loose");
        db.execute("delete from " + LOOSE.sql(db));
        JpaDuplicateGuard<Object> guard = LOOSE.guard(db, Strategy.SELECT_FOR_UPDATE);
        assertThat(guard.register(new Loose(Keys.key(3, 1))).isNew()).isTrue();
        assertThat(guard.register(new Loose(Keys.key(3, 1))).isNew()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aTableNameWithANulIsRefusedAtBuild(TestDatabase db) {
        Host nul = new Host("nul", Nul.class, k -> null, false, null, "JPA\u0000Files", "Case Id");
        assertThatThrownBy(() -> nul.guard(db, Strategy.UNIQUE_CONSTRAINT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Nul")
                .hasMessageContaining("NUL character");
    }
}
