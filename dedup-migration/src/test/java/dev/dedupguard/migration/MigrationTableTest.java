package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MigrationTableTest {

    @Test
    void defaultsFollowTheSeedNames() {
        MigrationTable t = MigrationTable.of("case_file").scope("case_id").contentHash("file_hash")
                .fileName("original_filename").build();

        assertThat(t.constraintName()).isEqualTo("uq_case_file_duplicate");
        assertThat(t.quarantineTable()).isEqualTo("case_file_quarantine");
        assertThat(t.id()).isEqualTo("id");
        assertThat(t.oldestBy()).isEqualTo("id");
        assertThat(t.schema()).isNull();
        assertThat(t).isEqualTo(MigrationTable.caseFile("case_file"));
    }

    @Test
    void namesFoldToLowerCaseAndTakeASchema() {
        MigrationTable t = MigrationTable.of("Evidence.Case_File").scope("CASE_ID").contentHash("file_hash")
                .fileName("original_filename").oldestBy("uploaded_at").build();

        assertThat(t.schema()).isEqualTo("evidence");
        assertThat(t.table()).isEqualTo("case_file");
        assertThat(t.qualifiedName()).isEqualTo("evidence.case_file");
        assertThat(t.scope()).isEqualTo("case_id");
        assertThat(t.oldestBy()).isEqualTo("uploaded_at");
    }

    @Test
    void badNamesAreRefusedNamingTheFieldAndTheValue() {
        assertThatThrownBy(() -> MigrationTable.of("case_file; drop table x").scope("case_id")
                .contentHash("file_hash").fileName("original_filename").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("table must be an SQL identifier: a letter or '_', then letters, digits or '_', at most"
                        + " 63 characters; was 'case_file; drop table x'");
        assertThatThrownBy(() -> MigrationTable.of("a.b.c").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("table must be name or schema.name, was 'a.b.c'");
        assertThatThrownBy(() -> MigrationTable.of("case_file").contentHash("file_hash")
                .fileName("original_filename").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("MigrationTable needs the scope column; call .scope(column)");
        assertThatThrownBy(() -> MigrationTable.of("case_file").scope("case_id").contentHash("case_id")
                .fileName("original_filename").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("id, scope, contentHash and fileName must be four different columns, but case_id is used"
                        + " twice");
        assertThatThrownBy(() -> MigrationTable.of("case_file").scope("case_id").contentHash("file_hash")
                .fileName("original_filename").constraintName("x".repeat(64)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("constraintName must be");
        assertThatThrownBy(() -> MigrationTable.of("t".repeat(60)).scope("case_id").contentHash("file_hash")
                .fileName("original_filename").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("constraintName (default uq_<table>_duplicate) must be");
        assertThatThrownBy(() -> MigrationTable.of("case_file").scope("case_id").contentHash("file_hash")
                .fileName("original_filename").quarantineTable("case_file").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("quarantineTable must differ from the table itself, was case_file");
    }
}
