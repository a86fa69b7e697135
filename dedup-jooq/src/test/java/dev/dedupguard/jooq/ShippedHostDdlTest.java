package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.ContentHash;
import dev.dedupguard.jdbc.LibrarySchema;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The host-table DDL shipped in dedup-jdbc ({@code dev/dedupguard/schema/host/*.sql}) creates, on each database and
 * in a schema of its own, a {@code case_file} that {@code build()} accepts for every strategy; it runs twice without
 * harm; its CHECK refuses an upper-case hash written past the guard.
 */
class ShippedHostDdlTest {
    private static final Map<TestDatabase, LibrarySchema.Database> DDL = Map.of(
            TestDatabase.POSTGRESQL, LibrarySchema.Database.POSTGRESQL, TestDatabase.H2, LibrarySchema.Database.H2,
            TestDatabase.MARIADB, LibrarySchema.Database.MARIADB);

    static List<String> statements(String resource) throws IOException {
        String sql;
        try (InputStream in = ShippedHostDdlTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the class path").isNotNull();
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (!line.startsWith("--")) {
                current.append(line).append('\n');
                if (line.stripTrailing().endsWith(";")) {
                    statements.add(current.toString().strip().replaceFirst(";$", ""));
                    current.setLength(0);
                }
            }
        }
        assertThat(current.toString()).as("nothing after the last statement").isBlank();
        return statements;
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void theShippedCaseFileIsATableTheGuardAccepts(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.freshDatabase("shipped_host_ddl", "")) {
            theShippedCaseFileIsATableTheGuardAccepts(db, ds);
        }
    }

    private static void theShippedCaseFileIsATableTheGuardAccepts(TestDatabase db, DataSource ds) throws Exception {
        String resource = DDL.get(db).hostTableResource();
        for (int run = 0; run < 2; run++) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                for (String statement : statements(resource)) {
                    s.execute(statement);
                }
            }
        }
        SQLDialect dialect = JooqBackend.dialect(db);
        Field<Long> caseId = DSL.field(DSL.name("case_id"), SQLDataType.BIGINT);
        Field<String> fileHash = DSL.field(DSL.name("file_hash"), SQLDataType.CHAR(64));
        Field<String> name = DSL.field(DSL.name("original_filename"), SQLDataType.VARCHAR);
        HostTable<Record> caseFile = HostTable.of(DSL.table(DSL.name("case_file")))
                .id(DSL.field(DSL.name("id"), SQLDataType.BIGINT)).scope(caseId).contentHash(fileHash)
                .fileName(name).build();
        DSLContext dsl = DSL.using(ds, dialect);
        String hash = ContentHash.sha256(new java.io.ByteArrayInputStream(db.name().getBytes(StandardCharsets.UTF_8)));

        JooqDuplicateGuard<Record> guard = JooqDuplicateGuard.forHostTable(ds, dialect, caseFile).build();
        java.util.function.Supplier<Record> upload = () -> {
            Record row = dsl.newRecord(caseId, fileHash, name);
            row.set(caseId, 42L);
            row.set(fileHash, hash);
            row.set(name, "server1_Security.evtx");
            return row;
        };
        Registration<Record> first = guard.register(upload.get());
        Registration<Record> second = guard.register(upload.get());
        assertThat(first.isNew()).isTrue();
        assertThat(second.isNew()).isFalse();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(dsl.fetchCount(DSL.table("case_file"))).isEqualTo(1);

        for (Strategy strategy : Strategy.values()) {
            assertThat(JooqDuplicateGuard.forHostTable(ds, dialect, caseFile).strategy(strategy)
                    .createSchemaIfMissing(strategy == Strategy.SELECT_FOR_UPDATE).build().strategy())
                    .isEqualTo(strategy);
        }

        assertThatThrownBy(() -> dsl.execute("insert into case_file (case_id, file_hash, original_filename) "
                + "values (42, ?, 'upper.evtx')", hash.toUpperCase()))
                .as("ck_case_file_hash_lower refuses a hash written past the guard in upper case")
                .satisfies(e -> assertThat(e.getMessage().toLowerCase()).contains("ck_case_file_hash_lower"));
    }
}
