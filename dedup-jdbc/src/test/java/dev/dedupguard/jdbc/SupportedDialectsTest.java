package dev.dedupguard.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "adding a database" checklist of {@code docs/architecture.md}, kept honest: every dialect in
 * {@link Dialect#supported()} is found by its own product name, ships the DDL of the library's tables and of a host
 * table the guard accepts, reads its catalog, and renders every statement a registration sends. The backends'
 * {@code ContractCoverageTest}s check that each one also has a contract run.
 */
class SupportedDialectsTest {

    static List<Dialect> supported() {
        return Dialect.supported();
    }

    @ParameterizedTest
    @MethodSource("supported")
    void isFoundByItsProductNameAndNoOtherIsFoundByASubstring(Dialect dialect) {
        assertThat(Dialect.forProductName(dialect.displayName())).isSameAs(dialect);
        assertThat(Dialect.forProductName(dialect.displayName() + " compatible")).isNull();
        assertThat(Dialect.forProductName(dialect.displayName().toLowerCase(java.util.Locale.ROOT))).isNull();
    }

    @ParameterizedTest
    @MethodSource("supported")
    void shipsTheDdlOfTheLibraryTablesAndOfAnAcceptedHostTable(Dialect dialect) throws IOException {
        assertThat(resource(dialect.ddl().libraryTablesResource())).containsIgnoringCase("create table");
        assertThat(resource(dialect.ddl().hostTableResource())).containsIgnoringCase("create table")
                .contains("lower(").containsIgnoringCase("unique");
        assertThat(LibrarySchema.ddl(dialect.ddl(), "dedup_file", "dedup_lock_stripe", 4))
                .anyMatch(s -> !s.stripeTable() && s.sql().contains("dedup_file"))
                .anyMatch(s -> s.stripeTable() && s.sql().contains("dedup_lock_stripe"));
        assertThat(dialect.catalog()).as("the catalog that proves the table compares keys byte-wise").isNotNull();
    }

    @ParameterizedTest
    @MethodSource("supported")
    void rendersEveryStatementARegistrationSends(Dialect dialect) {
        Statements statements = new Statements(dialect, new TableSchema(null, "dedup_file", "id", "scope",
                "content_hash", "file_name", "name_key"), "dedup_lock_stripe", TableLimits.ScopeForm.TEXT);
        assertThat(statements.findSql()).contains("dedup_file").contains("?");
        assertThat(statements.deleteSql()).contains("dedup_file");
        assertThat(statements.lockStripesSql(3, false)).contains("dedup_lock_stripe");
        assertThat(statements.touchStripesSql(3)).contains("dedup_lock_stripe");
        if (dialect.lockTimeoutCarrier() != null) {
            assertThat(statements.setLockTimeoutSql()).isNotBlank();
        }
        assertThat(dialect.findAllSql(statements, 3)).contains("dedup_file");

        Dialect.Inserts inserts = statements.inserts(HostRows.Columns.of(List.of("scope", "content_hash", "file_name",
                "name_key")));
        assertThat(inserts.insert()).contains("insert into dedup_file");
        assertThat(inserts.rows(2)).contains("dedup_file");
        assertThat(inserts.parameters()).isEqualTo(4);
        assertThat(inserts.insertIfAbsent() != null || !dialect.uniqueViolationAbortsTransaction())
                .as("an insert-if-absent, or a unique violation that leaves the transaction usable").isTrue();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Dialect.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
