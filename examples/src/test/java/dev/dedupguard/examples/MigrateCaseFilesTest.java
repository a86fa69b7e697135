package dev.dedupguard.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.migration.Outcome;
import dev.dedupguard.migration.StepResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the migration example end to end on an embedded PostgreSQL: dry run, apply under load, apply again. */
class MigrateCaseFilesTest {
    private static final int ROWS = 2_000;
    private static final int GROUPS = ROWS / 40;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    private MigrateCaseFiles.Summary run(String... args) throws Exception {
        output.reset();
        return MigrateCaseFiles.run(args, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    private static long rowsToRemove() {
        long n = 0;
        for (int g = 0; g < GROUPS; g++) {
            n += 1 + g % 3;
        }
        return n;
    }

    @Test
    void dryRunThenApplyWithUploadersThenApplyAgainDoesNothing() throws Exception {
        String pg = dir.resolve("pg").toString();

        MigrateCaseFiles.Summary dry = run("--dry-run", "--db", pg, "--seed", Integer.toString(ROWS));
        assertThat(dry.run().changedAnything()).isFalse();
        assertThat(dry.run().before().duplicateGroups()).isEqualTo(GROUPS);
        assertThat(dry.run().before().rowsToRemove()).isEqualTo(rowsToRemove());
        assertThat(output()).contains("seeded case_file: " + ROWS + " rows").contains("dry run: changes nothing")
                .contains("would move " + rowsToRemove() + " rows of " + GROUPS + " duplicate groups");

        MigrateCaseFiles.Summary applied = run("--apply", "--db", pg, "--writers", "2", "--batch", "40");
        assertThat(applied.run().steps()).extracting(StepResult::outcome)
                .containsExactly(Outcome.DONE, Outcome.DONE, Outcome.DONE);
        assertThat(applied.run().rowsMoved()).isEqualTo(rowsToRemove());
        assertThat(applied.run().after().complete()).isTrue();
        assertThat(applied.run().after().quarantinedRows()).isEqualTo(rowsToRemove());
        assertThat(applied.writerErrors()).isZero();
        assertThat(applied.writerStored() + applied.writerDuplicates()).isPositive();
        assertThat(output()).contains("resolve           moved " + rowsToRemove() + " of " + rowsToRemove() + " rows")
                .contains("building unique index uq_case_file_duplicate concurrently")
                .contains("constraint present, " + rowsToRemove() + " rows in quarantine");

        MigrateCaseFiles.Summary again = run("--apply", "--db", pg);
        assertThat(again.run().changedAnything()).isFalse();
        assertThat(again.run().after().quarantinedRows()).isEqualTo(rowsToRemove());
        assertThat(output()).contains("ALREADY_DONE");
    }

    @Test
    void usageErrorsSayWhatIsAllowed() {
        assertThatThrownBy(() -> run("--db", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("give --dry-run (report only) or --apply");
        assertThatThrownBy(() -> run("--apply", "--db", "jdbc:h2:mem:x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--db: the migration supports PostgreSQL only, was jdbc:h2:mem:x");
        assertThatThrownBy(() -> run("--dry-run", "--writers", "2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--writers needs --apply: a dry run has nothing to write during");
        assertThatThrownBy(() -> run("--apply", "--batch", "0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--batch must be 1 to 100000, was 0");
    }
}
