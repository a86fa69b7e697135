package dev.dedupguard.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** How each dialect measures key values against column lengths and the unique index's entry limit. */
class DialectLimitsTest {

    @Test
    void theIndexEntryCheckCountsANamesUtf8BytesAsEncodingWould() {
        for (String s : new String[] {"", "a", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff", "\ud83d\ude00",
                "Beweis-\u00fcbersicht \u2013 \u8a3c\u62e0 \ud83d\udcc1.pdf"}) {
            assertThat(JdbcStorage.utf8(s)).as(s).isEqualTo(s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }
    private static final String FOLDER = "\uD83D\uDCC1";

    @Test
    void declaredLengthsCountCodePointsExceptOnH2() {
        assertThat(Dialect.POSTGRESQL.characterLength(FOLDER + "a")).isEqualTo(2);
        assertThat(Dialect.MARIADB.characterLength(FOLDER + "a")).isEqualTo(2);
        assertThat(Dialect.H2.characterLength(FOLDER + "a")).isEqualTo(3);
    }

    @Test
    void postgresCountsABtreeEntryWithHeadersAndAlignment() {
        assertThat(Dialect.POSTGRESQL.indexEntryBytes(Long.BYTES, 64, 2612)).isEqualTo(2704);
        assertThat(Dialect.POSTGRESQL.indexEntryBytes(Long.BYTES, 64, 2613)).isEqualTo(2712)
                .isGreaterThan(Dialect.POSTGRESQL.maxIndexEntryBytes());
    }

    @Test
    void mariaDbCountsTheValuesAgainstInnoDbsKeyLimit() {
        assertThat(Dialect.MARIADB.maxIndexEntryBytes()).isEqualTo(3072);
        assertThat(Dialect.MARIADB.indexEntryBytes(Long.BYTES, 64, 750 * 4))
                .as("a varchar(750) utf8mb4 name of four-byte characters beside bigint and ascii char(64)")
                .isEqualTo(3072);
        assertThat(Dialect.MARIADB.indexEntryBytes(255 * 4, 64, 2100)).isGreaterThan(3072);
    }

    @Test
    void h2HasNoEntryLimit() {
        assertThat(Dialect.H2.indexEntryBytes(Long.BYTES, 64, 4096)).isLessThanOrEqualTo(Dialect.H2.maxIndexEntryBytes());
    }

    @Test
    void tableNamesTheDatabaseWouldTruncateAreRefused() {
        assertThat(Dialect.MARIADB.requireIdentifierFits("tableName", "t".repeat(57), "uq__key".length()))
                .hasSize(57);
        assertThatThrownBy(() -> Dialect.MARIADB.requireIdentifierFits("tableName", "t".repeat(58), "uq__key".length()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tableName must be at most 57 characters per part on MariaDB");
        assertThatThrownBy(() -> Dialect.POSTGRESQL.requireIdentifierFits("stripeTableName",
                        "s".repeat(64) + "." + "t".repeat(10), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 63 characters per part on PostgreSQL").hasMessageContaining("was 64")
                .as("the schema part counts too");
    }
}
