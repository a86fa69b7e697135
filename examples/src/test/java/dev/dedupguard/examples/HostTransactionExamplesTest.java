package dev.dedupguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the JPA and jOOQ host-transaction examples on H2 and on embedded PostgreSQL and checks what they report. */
class HostTransactionExamplesTest {

    @TempDir
    Path dir;

    private interface Example {
        long run(String db, PrintStream out) throws Exception;
    }

    private static void check(Example example, String db, long caseId) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long rows = example.run(db, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(rows).isEqualTo(2);
        assertThat(out)
                .containsPattern("server1_Security.evtx +stored as id=(\\d+), processed, committed")
                .containsPattern("server1_Security.evtx +duplicate of id=\\d+, skipped; the transaction goes on")
                .contains("server9_Application.evtx   processing failed (server9_Application.evtx is not an event log")
                .containsPattern("server9_Application.evtx +stored as id=\\d+, processed, committed")
                .contains("case " + caseId + " holds 2 files")
                .doesNotContain("WARN");
        String storedId = out.replaceAll("(?s).*server1_Security.evtx +stored as id=(\\d+),.*", "$1");
        assertThat(out).contains("duplicate of id=" + storedId + ",");
    }

    @Test
    void theExamplesTakeDbAndHelpAndReportABadDbInOneLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExampleDatabase.Program unreachable = (db, o) -> {
            throw new AssertionError("must not run");
        };
        assertThat(ExampleDatabase.execute("JpaHostTransactionExample", new String[] {"--help"}, unreachable,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: JpaHostTransactionExample [--db DIR|URL]");

        assertThat(ExampleDatabase.execute("JooqHostTransactionExample", new String[] {"--db", "h2:mem:x"},
                unreachable, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("error: --db h2:mem:x is neither a folder nor a "
                + "JDBC URL; a JDBC URL starts with jdbc:, e.g. jdbc:h2:mem:x (--help lists the options)\n");

        err.reset();
        assertThat(ExampleDatabase.execute("JooqHostTransactionExample",
                new String[] {"--db", "jdbc:postgresql://127.0.0.1:1/x"}, JooqHostTransactionExample::run,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: cannot connect to "
                + "jdbc:postgresql://127.0.0.1:1/x: Connection to 127.0.0.1:1 refused").hasLineCount(1);
    }

    @Test
    void jpaExampleOnH2AndPostgres() throws Exception {
        check(JpaHostTransactionExample::run, "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                JpaHostTransactionExample.CASE_ID);
        String pg = dir.resolve("pg").toString();
        check(JpaHostTransactionExample::run, pg, JpaHostTransactionExample.CASE_ID);
        check(JpaHostTransactionExample::run, pg, JpaHostTransactionExample.CASE_ID);
    }

    @Test
    void jooqExampleOnH2AndPostgres() throws Exception {
        check(JooqHostTransactionExample::run, "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                JooqHostTransactionExample.CASE_ID);
        String pg = dir.resolve("pg").toString();
        check(JooqHostTransactionExample::run, pg, JooqHostTransactionExample.CASE_ID);
        check(JooqHostTransactionExample::run, pg, JooqHostTransactionExample.CASE_ID);
    }
}
