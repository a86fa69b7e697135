package dev.dedupguard.examples;

import dev.dedupguard.Registration;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import java.io.PrintStream;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The host's own {@code case_file} table with jOOQ, registered inside the host's own transaction
 * ({@code dsl.transaction}): a new upload is stored and processed, a re-upload is a duplicate that leaves the
 * transaction usable, and an upload whose processing fails rolls back with its registration.
 *
 * <p>Run: {@code mvn -B -ntp -q -pl examples -am package -DskipTests exec:java
 * -Dexec.mainClass=dev.dedupguard.examples.JooqHostTransactionExample}.
 */
public final class JooqHostTransactionExample {
    static final long CASE_ID = 6006;

    private JooqHostTransactionExample() {
    }

    /**
     * Runs the example; exits with status 2 for bad options and 1 if the database cannot be reached.
     *
     * @param args {@code --db DIR|URL} as for {@link EvidenceIngest}, or {@code --help}
     * @throws Exception an unexpected failure (a bug or a database error during the run), with its stack trace
     */
    public static void main(String[] args) throws Exception {
        int status = ExampleDatabase.execute("JooqHostTransactionExample", args, (db, out) -> run(db, out), System.out,
                System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the scenario on {@code db}; returns the rows the case holds at the end. */
    static long run(String db, PrintStream out) throws Exception {
        try (ExampleDatabase database = ExampleDatabase.open(db, 4)) {
            DSLContext dsl = database.dsl();
            CaseFiles.createIfMissing(dsl);
            JooqDuplicateGuard<Record> guard = JooqDuplicateGuard.forHostTable(dsl,
                    CaseFiles.mapping(CaseFiles.CONSTRAINED)).build();
            out.printf("jOOQ host table example on %s, case %d%n", database.description(), CASE_ID);
            dsl.deleteFrom(CaseFiles.table(CaseFiles.CONSTRAINED)).where(CaseFiles.CASE_ID.eq(CASE_ID)).execute();

            Evidence security = Evidence.of("server1_Security.evtx", "<Event>4624 logon</Event>");
            Evidence corrupt = Evidence.of("server9_Application.evtx", "MZ\u0090 not a log");
            upload(dsl, guard, security, out);
            upload(dsl, guard, security, out);
            upload(dsl, guard, corrupt, out);
            upload(dsl, guard, Evidence.of(corrupt.name(), "<Event>1000 app crash</Event>"), out);

            long rows = dsl.fetchCount(CaseFiles.table(CaseFiles.CONSTRAINED), CaseFiles.CASE_ID.eq(CASE_ID));
            out.printf("case %d holds %d files%n", CASE_ID, rows);
            return rows;
        }
    }

    private static void upload(DSLContext dsl, JooqDuplicateGuard<Record> guard, Evidence file, PrintStream out) {
        try {
            dsl.transaction(tx -> {
                Record row = CaseFiles.newRow(tx.dsl(), CASE_ID, file.sha256(), file.name(), "analyst-7",
                        file.content().length);
                Registration<Record> r = guard.joining(tx).register(row);
                if (!r.isNew()) {
                    out.printf("  %-26s duplicate of id=%d, skipped; the transaction goes on%n", file.name(), r.id());
                    return;
                }
                file.process();
                out.printf("  %-26s stored as id=%d, processed, committed%n", file.name(), r.id());
            });
        } catch (IllegalStateException processingFailed) {
            out.printf("  %-26s processing failed (%s): rolled back, registration gone%n", file.name(),
                    processingFailed.getMessage());
        }
    }
}
