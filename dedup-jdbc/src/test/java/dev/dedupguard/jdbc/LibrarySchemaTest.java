package dev.dedupguard.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LibrarySchemaTest {

    @Test
    void defaultDdlHasTheFileTableTheStripeTableAndItsRows() {
        for (LibrarySchema.Database db : LibrarySchema.Database.values()) {
            List<LibrarySchema.Statement> ddl = LibrarySchema.ddl(db, "dedup_file", "dedup_lock_stripe", 1024);
            assertThat(ddl).hasSize(3);
            assertThat(ddl.get(0).stripeTable()).isFalse();
            assertThat(ddl.get(0).sql()).contains("CREATE TABLE IF NOT EXISTS dedup_file")
                    .contains("CONSTRAINT uq_dedup_file_key UNIQUE (scope, content_hash, name_key)").doesNotEndWith(";");
            assertThat(ddl.get(1).stripeTable()).isTrue();
            assertThat(ddl.get(2).sql()).contains("(0, 1023)");
        }
    }

    @Test
    void namesAndStripeCountAreSubstitutedEverywhere() {
        List<LibrarySchema.Statement> ddl = LibrarySchema.ddl(LibrarySchema.Database.POSTGRESQL, "audit.evidence",
                "audit.evidence_stripe", 64);
        String all = ddl.stream().map(LibrarySchema.Statement::sql).reduce("", String::concat);
        assertThat(all).contains("audit.evidence (").contains("uq_evidence_key").contains("audit.evidence_stripe")
                .contains("(0, 63)").doesNotContain("dedup_file").doesNotContain("dedup_lock_stripe");
    }

    @Test
    void rejectsNamesThatAreNotPlainIdentifiers() {
        assertThatThrownBy(() -> LibrarySchema.ddl(LibrarySchema.Database.H2, "files; drop table x", "s", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileTable must be an unquoted SQL identifier");
        assertThatThrownBy(() -> LibrarySchema.ddl(LibrarySchema.Database.H2, "f", "\"s\"", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stripeTable");
        assertThatThrownBy(() -> LibrarySchema.ddl(LibrarySchema.Database.H2, "f", "s", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockStripes must be at least 1, was 0");
    }
}
