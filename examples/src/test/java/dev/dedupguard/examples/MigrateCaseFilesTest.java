package dev.dedupguard.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.migration.Finding;
import dev.dedupguard.migration.Outcome;
import dev.dedupguard.migration.Step;
import dev.dedupguard.migration.StepResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the migration example end to end on an embedded PostgreSQL: doctor, dry run, apply under load, apply again. */
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
    void doctorThenDryRunThenApplyWithUploadersThenApplyAgainDoesNothing() throws Exception {
        String pg = dir.resolve("pg").toString();

        MigrateCaseFiles.Summary doctor = run("--doctor", "--db", pg, "--seed", Integer.toString(ROWS));
        assertThat(doctor.run()).isNull();
        assertThat(doctor.doctor().problems()).extracting(Finding::check).contains("duplicates", "hash case",
                "unique key", "hash check", "guard");
        assertThat(output()).contains("seeded case_file: " + ROWS + " rows")
                .contains("[PROBLEM] duplicates: " + ROWS + " rows, " + GROUPS + " duplicate groups, " + rowsToRemove()
                        + " rows to remove").contains("[PROBLEM] hash case: 5 rows store their hash in upper")
                .contains("(read only, nothing changed)");

        MigrateCaseFiles.Summary dry = run("--dry-run", "--db", pg);
        assertThat(dry.run().changedAnything()).isFalse();
        assertThat(dry.run().before().duplicateGroups()).isEqualTo(GROUPS);
        assertThat(dry.run().before().rowsToRemove()).isEqualTo(rowsToRemove());
        assertThat(output()).contains("dry run: changes nothing")
                .contains("would move " + rowsToRemove() + " rows of " + GROUPS + " duplicate groups");

        MigrateCaseFiles.Summary applied = run("--apply", "--db", pg, "--writers", "2", "--batch", "40");
        assertThat(output()).contains("hash check          DONE         added ck_case_file_hash_lower")
                .contains("5 stored hashes are not lower case yet");
        assertThat(applied.run().steps()).extracting(StepResult::step).containsExactly(Step.HASH_CHECK, Step.RESOLVE,
                Step.CREATE_INDEX, Step.ATTACH_CONSTRAINT, Step.VALIDATE_HASH_CHECK);
        assertThat(applied.run().steps()).extracting(StepResult::outcome).containsExactly(Outcome.ALREADY_DONE,
                Outcome.DONE, Outcome.DONE, Outcome.DONE, Outcome.DONE);
        assertThat(output()).as("step names line up").contains("  validate hash check DONE         validated");
        assertThat(applied.run().rowsMoved()).isEqualTo(rowsToRemove());
        assertThat(applied.run().after().complete()).isTrue();
        assertThat(applied.run().after().quarantinedRows()).isEqualTo(rowsToRemove());
        assertThat(applied.writerErrors()).isZero();
        assertThat(applied.writerStored() + applied.writerDuplicates()).isPositive();
        assertThat(output()).contains("resolve             moved " + rowsToRemove() + " of " + rowsToRemove() + " rows")
                .contains("building unique index uq_case_file_duplicate online")
                .contains("constraint present, hash check VALID, " + rowsToRemove() + " rows in quarantine");

        MigrateCaseFiles.Summary again = run("--apply", "--db", pg);
        assertThat(again.run().changedAnything()).isFalse();
        assertThat(again.run().after().quarantinedRows()).isEqualTo(rowsToRemove());
        assertThat(output()).contains("ALREADY_DONE");

        MigrateCaseFiles.Summary healthy = run("--doctor", "--db", pg);
        assertThat(healthy.doctor().healthy()).isTrue();
        assertThat(output()).contains("no problems: the guard can be built on this table");
    }

    /** {@code --help} was refused as an unknown option. */
    @Test
    void helpPrintsTheOptionsAndExitsWithZero() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = MigrateCaseFiles.execute(new String[] {"--help"}, new PrintStream(output, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isZero();
        assertThat(output()).isEqualTo(MigrateCaseFiles.USAGE).contains("--doctor").contains("--dry-run")
                .contains("--apply").contains("--help");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();

        status = MigrateCaseFiles.execute(new String[] {"--bogus"}, new PrintStream(output, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("error: unknown option --bogus (--help lists the"
                + " options)" + System.lineSeparator());
    }

    @Test
    void usageErrorsSayWhatIsAllowed() {
        assertThatThrownBy(() -> run("--db", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("give --doctor (examine), --dry-run (report only) or --apply");
        assertThatThrownBy(() -> run("--apply", "--db", "jdbc:h2:mem:x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--db: this program runs on PostgreSQL (DedupMigration also migrates MariaDB tables), not"
                        + " on H2, was jdbc:h2:mem:x");
        assertThatThrownBy(() -> run("--dry-run", "--writers", "2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--writers needs --apply: nothing is migrated to write during");
        assertThatThrownBy(() -> run("--apply", "--batch", "0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--batch must be 1 to 100000, was 0");
        assertThatThrownBy(() -> run("--doctor", "--apply")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("give one of --doctor, --dry-run and --apply");
    }
}
