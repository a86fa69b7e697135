package dev.dedupguard.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the ingest example end to end and checks its counts against the generated sample set. */
class EvidenceIngestTest {
    private static final int EXTRA = 10;
    private static final int FILES = SampleEvidence.fileCount(EXTRA);
    private static final int DISTINCT = SampleEvidence.distinctCount(EXTRA);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    private EvidenceIngest.Summary run(String... args) throws Exception {
        output.reset();
        return EvidenceIngest.run(args, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    private String h2() {
        return "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    @Test
    void oneUploaderStoresEachDistinctFileAndASecondRunFindsThemAll() throws Exception {
        String db = h2();
        String folder = dir.resolve("evidence").toString();
        EvidenceIngest.Summary first = run("--generate", "10", "--folder", folder, "--db", db, "--case", "7");
        assertThat(first).isEqualTo(new EvidenceIngest.Summary(7, FILES, DISTINCT, FILES - DISTINCT, 0, DISTINCT, 0));
        assertThat(output()).contains("generated " + FILES + " sample files")
                .containsPattern("stored +id=\\d+ +host-b/server1_Security.evtx")
                .containsPattern("duplicate of +id=\\d+ +reupload/server1_Security.evtx")
                .contains("table case_file, case 7: " + DISTINCT + " rows, 0 duplicate rows");

        EvidenceIngest.Summary second = run("--folder", folder, "--db", db, "--case", "7");
        assertThat(second).isEqualTo(new EvidenceIngest.Summary(7, FILES, 0, FILES, 0, DISTINCT, 0));
        assertThat(output()).doesNotContain("new: one past");
    }

    @Test
    void withoutCaseEachRunIngestsIntoANewCaseAndSaysWhich() throws Exception {
        String db = h2();
        String folder = dir.resolve("evidence").toString();
        EvidenceIngest.Summary first = run("--generate", "10", "--folder", folder, "--db", db, "--strategy",
                "NO_LOCK", "--uploaders", "4", "--quiet");
        assertThat(first.caseId()).isEqualTo(1001);
        assertThat(output()).contains("case     : 1001 (new: one past the highest case id; --case 1001 ingests into it "
                + "again)");

        EvidenceIngest.Summary second = run("--folder", folder, "--db", db, "--strategy", "SELECT_FOR_UPDATE",
                "--uploaders", "4", "--quiet");
        assertThat(second).isEqualTo(
                new EvidenceIngest.Summary(1002, FILES, DISTINCT, 4 * FILES - DISTINCT, 0, DISTINCT, 0));
        assertThat(output()).contains("case     : 1002 (new", "table case_file_nouniq, case 1002: " + DISTINCT
                + " rows, 0 duplicate rows");
    }

    @Test
    void fourUploadersOnEmbeddedPostgresWithEachGuardedStrategyStoreNoDuplicate() throws Exception {
        String folder = dir.resolve("evidence").toString();
        String pg = dir.resolve("pg").toString();
        run("--generate", "10", "--folder", folder, "--db", h2(), "--quiet");
        long caseId = 100;
        for (String strategy : new String[] {"UNIQUE_CONSTRAINT", "SELECT_FOR_UPDATE"}) {
            EvidenceIngest.Summary s = run("--strategy", strategy, "--uploaders", "4", "--folder", folder, "--db", pg,
                    "--case", Long.toString(++caseId), "--quiet");
            assertThat(s).as(strategy).isEqualTo(
                    new EvidenceIngest.Summary(caseId, FILES, DISTINCT, 4 * FILES - DISTINCT, 0, DISTINCT, 0));
            assertThat(output()).contains("embedded PostgreSQL").contains("progress: " + 4 * FILES + "/" + 4 * FILES);
        }
    }

    @Test
    void noLockReportsEveryStoredRowAndCountsTheDuplicatesThatSlippedIn() throws Exception {
        String folder = dir.resolve("evidence").toString();
        EvidenceIngest.Summary s = run("--generate", "10", "--strategy", "NO_LOCK", "--uploaders", "4", "--folder",
                folder, "--db", h2(), "--quiet");
        assertThat(s.errors()).isZero();
        assertThat(s.rowsInCase()).as("every 'stored' answer is a row").isEqualTo(s.stored());
        assertThat(s.duplicateRows()).as("rows beyond one per distinct file").isEqualTo(s.stored() - DISTINCT);
        assertThat(s.stored() + s.duplicates()).isEqualTo(4 * FILES);
        assertThat(output()).contains("table case_file_nouniq");
    }

    @Test
    void badOptionsAreReportedBeforeAnyWork() {
        assertThatThrownBy(() -> run("--strategy", "OPTIMISTIC")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--strategy must be UNIQUE_CONSTRAINT, SELECT_FOR_UPDATE or NO_LOCK, was OPTIMISTIC");
        assertThatThrownBy(() -> run("--uploaders", "0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--uploaders must be 1 to 64, was 0");
        assertThatThrownBy(() -> run("--folder", dir.resolve("missing").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("add --generate");
        assertThatThrownBy(() -> run("--folder", dir.toString(), "--db", "jdbc:mysql://x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--db must be a folder, a jdbc:postgresql: URL or a jdbc:h2: URL");
        assertThatThrownBy(() -> run("--folder", dir.toString(), "--db", "postgresql://localhost/evidence"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--db postgresql://localhost/evidence is neither a folder nor a JDBC URL; a JDBC URL starts "
                        + "with jdbc:, e.g. jdbc:postgresql://localhost/evidence");
        assertThat(Path.of("postgresql:")).doesNotExist();
    }

    @Test
    void helpPrintsTheOptionsAndExitsWithZero() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EvidenceIngest.execute(new String[] {"--help"}, new PrintStream(output, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isZero();
        assertThat(output()).isEqualTo(EvidenceIngest.USAGE).contains("--case ID", "--db DIR|URL", "--quiet");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void badOptionsAndARefusedConnectionAreOneLineOnStandardErrorWithAnExitStatus() throws Exception {
        String folder = dir.resolve("evidence").toString();
        assertThat(execute("--db", "postgresql://localhost/evidence")).isEqualTo(2);
        assertThat(errors()).isEqualTo("error: --db postgresql://localhost/evidence is neither a folder nor a JDBC "
                + "URL; a JDBC URL starts with jdbc:, e.g. jdbc:postgresql://localhost/evidence (--help lists the "
                + "options)\n");

        assertThat(execute("--generate", "0", "--folder", folder, "--db",
                "jdbc:postgresql://127.0.0.1:1/evidence?user=u&password=secret")).isEqualTo(1);
        assertThat(errors()).startsWith("error: cannot connect to jdbc:postgresql://127.0.0.1:1/evidence?user=u"
                + "&password=***: Connection to 127.0.0.1:1 refused").doesNotContain("secret", "\tat ")
                .hasLineCount(1);
    }

    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();

    private int execute(String... args) throws Exception {
        output.reset();
        errors.reset();
        return EvidenceIngest.execute(args, new PrintStream(output, true, StandardCharsets.UTF_8),
                new PrintStream(errors, true, StandardCharsets.UTF_8));
    }

    private String errors() {
        return errors.toString(StandardCharsets.UTF_8);
    }
}
