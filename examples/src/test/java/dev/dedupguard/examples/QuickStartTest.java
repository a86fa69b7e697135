package dev.dedupguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every quick-start snippet the README quotes on embedded PostgreSQL, and checks what it did in the tables. */
class QuickStartTest {
    @TempDir
    static Path dir;

    private static ExampleDatabase db;

    @BeforeAll
    static void start() throws Exception {
        db = ExampleDatabase.open(dir.resolve("pg").toString(), 4);
        CaseFiles.createIfMissing(db.dsl());
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    private static Path file(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static long count(String sql, Object... params) {
        return db.dsl().fetchOne(sql, params).get(0, Long.class);
    }

    @Test
    void jooqLibraryTableWithTheReadmesDataSourceStoresOnceThenAnswersDuplicate() throws Exception {
        Path file = file("jooq-library.evtx", "<Event>jooq library</Event>");
        try (HikariDataSource dataSource = QuickStartJooq.dataSource(db.jdbcUrl(), "postgres", "postgres")) {
            Registration<FileKey> first = QuickStartJooq.jooqLibraryTable(dataSource, file);
            Registration<FileKey> second = QuickStartJooq.jooqLibraryTable(dataSource, file);
            assertThat(first.isNew()).isTrue();
            assertThat(second.isNew()).isFalse();
            assertThat(second.id()).isEqualTo(first.id());
        }
        assertThat(count("select count(*) from dedup_file where scope = 'case-42' and file_name = ?",
                "jooq-library.evtx")).isEqualTo(1);
    }

    @Test
    void jooqHostTableInsertsTheHostsRowInsideItsTransactionOnce() throws Exception {
        Path file = file("jooq-host.evtx", "<Event>jooq host</Event>");
        Registration<Record> first = QuickStartJooq.jooqHostTable(db.dataSource(), 4242, file);
        Registration<Record> second = QuickStartJooq.jooqHostTable(db.dataSource(), 4242, file);
        assertThat(first.isNew()).isTrue();
        assertThat(second.isNew()).isFalse();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(count("select count(*) from case_file where case_id = 4242 and original_filename = ? and id = ?",
                "jooq-host.evtx", first.id())).isEqualTo(1);
    }

    @Test
    void jooqHostTableWithoutConstraintCreatesTheStripeTableAndStoresOnce() throws Exception {
        db.dsl().execute("drop table if exists dedup_lock_stripe");
        DSLContext dsl = db.dsl();
        JooqDuplicateGuard<Record> guard = QuickStartJooq.jooqHostTableWithoutConstraint(dsl,
                CaseFiles.mapping(CaseFiles.UNCONSTRAINED));
        assertThat(count("select count(*) from dedup_lock_stripe")).isEqualTo(1024);

        String hash = dev.dedupguard.ContentHash.sha256(file("legacy.evtx", "<Event>legacy</Event>"));
        Record row = CaseFiles.newRow(dsl, 4343, hash, "legacy.evtx", "analyst-7", 20);
        Registration<Record> first = guard.register(row);
        Registration<Record> second = guard.register(CaseFiles.newRow(dsl, 4343, hash, "legacy.evtx", "analyst-8",
                20));
        assertThat(first.isNew()).isTrue();
        assertThat(second.isNew()).isFalse();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(count("select count(*) from case_file_nouniq where case_id = 4343")).isEqualTo(1);
    }

    @Test
    void jpaLibraryEntityStoresOnceThenAnswersDuplicate() throws Exception {
        Path file = file("jpa-library.evtx", "<Event>jpa library</Event>");
        Registration<FileKey> first = QuickStartJpa.jpaLibraryEntity(db.dataSource(), file);
        Registration<FileKey> second = QuickStartJpa.jpaLibraryEntity(db.dataSource(), file);
        assertThat(first.isNew()).isTrue();
        assertThat(second.isNew()).isFalse();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(count("select count(*) from dedup_file where scope = 'case-42' and file_name = ?",
                "jpa-library.evtx")).isEqualTo(1);
    }

    @Test
    void jpaHostEntityInsertsTheEntityOnceAndSetsItsId() {
        EntityManagerFactory emf = new PersistenceConfiguration("evidence").managedClass(CaseFileEntity.class)
                .property("hibernate.connection.datasource", db.dataSource()).createEntityManagerFactory();
        try {
            Evidence upload = Evidence.of("jpa-host.evtx", "<Event>jpa host</Event>");
            CaseFileEntity entity = new CaseFileEntity(4444, upload.sha256(), upload.name(), "analyst-7", 23);
            Registration<CaseFileEntity> first = QuickStartJpa.jpaHostEntity(emf, entity);
            Registration<CaseFileEntity> second = QuickStartJpa.jpaHostEntity(emf,
                    new CaseFileEntity(4444, upload.sha256(), upload.name(), "analyst-8", 23));
            assertThat(first.isNew()).isTrue();
            assertThat(entity.getId()).isEqualTo(first.id());
            assertThat(second.isNew()).isFalse();
            assertThat(second.id()).isEqualTo(first.id());
        } finally {
            emf.close();
        }
        assertThat(count("select count(*) from case_file where case_id = 4444")).isEqualTo(1);
    }
}
