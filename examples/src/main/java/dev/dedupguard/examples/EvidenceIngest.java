package dev.dedupguard.examples;

import dev.dedupguard.ContentHash;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * Ingests a folder of evidence files into a case, the design note's scenario: hashes each file (streaming), registers
 * it with the chosen guard in the host's own {@code case_file} table, and prints one line per file and a summary
 * counted from the table. {@code --uploaders N} lets N simulated users ingest the same folder at the same moment, to
 * show the race that {@code NO_LOCK} loses and the other two strategies do not.
 *
 * <p>Each run ingests into a case of its own unless {@code --case} names one, so that the counts of one run are never
 * mixed with an earlier run's rows. Options: see {@link #USAGE}.
 *
 * <p>UNIQUE_CONSTRAINT uses {@code case_file} (unique on case_id, file_hash, original_filename); the other two use
 * {@code case_file_nouniq}, the same table without a unique constraint, since they are meant for tables that cannot
 * carry one: there, only the guard stands between the uploaders and a duplicate row.
 */
public final class EvidenceIngest {

    /** The options, as {@code --help} prints them. */
    static final String USAGE = """
            usage: EvidenceIngest [options]
              --generate [N]     first write a sample evidence set with N extra files (default 40) into the folder
              --folder DIR       folder to ingest (default ./data/evidence)
              --strategy NAME    UNIQUE_CONSTRAINT (default), SELECT_FOR_UPDATE or NO_LOCK
              --uploaders N      simulated concurrent uploaders, 1 to 64 (default 1)
              --case ID          case to ingest into (default: a new case, one past the highest case id in the
                                 database); name an earlier run's case to see every file reported as a duplicate
              --db DIR|URL       embedded PostgreSQL kept in DIR (default ./data/pg), or a jdbc:postgresql: or
                                 jdbc:h2: URL (user and password as URL parameters)
              --quiet            no per-file lines, only progress and the summary
              --help             this text
            """;

    /** What one run did, counted from the results and from the table. */
    record Summary(long caseId, int files, int stored, int duplicates, int errors, long rowsInCase,
            long duplicateRows) {
    }

    private EvidenceIngest() {
    }

    /**
     * Runs the ingest; exits with status 2 for bad options and 1 if the database cannot be reached, after one line on
     * standard error that says why.
     *
     * @param args the options of {@link #USAGE}
     * @throws Exception an unexpected failure (a bug or a database error during the run), with its stack trace
     */
    public static void main(String[] args) throws Exception {
        int status = execute(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the command line: 0 when done (or after {@code --help}), 2 for bad options, 1 if the database cannot be
     * reached or started. Errors are one line on {@code err}, never a stack trace.
     */
    static int execute(String[] args, PrintStream out, PrintStream err) throws Exception {
        return ExampleDatabase.executeCommandLine(USAGE, args, (a, o) -> run(a, o), out, err);
    }

    /**
     * Runs the ingest with command-line {@code args}, printing to {@code out}.
     *
     * @throws IllegalArgumentException for a bad option, before any file or database is touched
     * @throws ExampleDatabase.UnavailableException if the database cannot be reached or started
     */
    static Summary run(String[] args, PrintStream out) throws Exception {
        Options o = Options.parse(args);
        if (o.generate >= 0) {
            SampleEvidence.generate(o.folder, o.generate);
            out.printf("generated %d sample files in %s%n", SampleEvidence.fileCount(o.generate), o.folder);
        }
        List<Path> files = list(o.folder);
        String table = o.strategy == Strategy.UNIQUE_CONSTRAINT ? CaseFiles.CONSTRAINED : CaseFiles.UNCONSTRAINED;

        try (ExampleDatabase db = ExampleDatabase.open(o.db, Math.max(4, o.uploaders + 2))) {
            DSLContext ctx = db.dsl();
            CaseFiles.createIfMissing(ctx);
            long caseId = o.caseId != null ? o.caseId : CaseFiles.unusedCaseId(ctx);
            String caseNote = o.caseId != null ? "" : " (new: one past the highest case id; --case " + caseId
                    + " ingests into it again)";
            DuplicateGuard<Record> guard = JooqDuplicateGuard
                    .forHostTable(db.dataSource(), db.dialect(), CaseFiles.mapping(table))
                    .strategy(o.strategy).createSchemaIfMissing(o.strategy == Strategy.SELECT_FOR_UPDATE).build();

            out.printf("dedup-guard evidence ingest%n  database : %s%n  table    : %s%s%n  strategy : %s%n"
                            + "  case     : %d%s%n  files    : %d in %s, %d uploader%s%n%n", db.description(), table,
                    table.equals(CaseFiles.CONSTRAINED) ? " (unique constraint uq_case_file_duplicate)"
                            : " (no unique constraint)", o.strategy, caseId, caseNote, files.size(), o.folder,
                    o.uploaders, o.uploaders == 1 ? "" : "s");

            Counts counts = ingestConcurrently(o, caseId, files, guard, ctx, out);
            long[] rows = CaseFiles.rowsAndDuplicates(ctx, table, caseId);
            out.printf("%nsummary%n  registrations: %d stored, %d duplicates, %d errors (%d files x %d uploader%s)%n",
                    counts.stored.get(), counts.duplicates.get(), counts.errors.get(), files.size(), o.uploaders,
                    o.uploaders == 1 ? "" : "s");
            out.printf("  table %s, case %d: %d rows, %d duplicate rows%s%n", table, caseId, rows[0], rows[1],
                    rows[1] == 0 ? "" : "  <-- the same file stored more than once");
            return new Summary(caseId, files.size(), counts.stored.get(), counts.duplicates.get(), counts.errors.get(),
                    rows[0], rows[1]);
        }
    }

    private static final class Counts {
        final AtomicInteger stored = new AtomicInteger();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
    }

    private static Counts ingestConcurrently(Options o, long caseId, List<Path> files, DuplicateGuard<Record> guard,
            DSLContext ctx, PrintStream out) throws Exception {
        Counts counts = new Counts();
        int total = files.size() * o.uploaders;
        int progressStep = Math.max(1, total / 4);
        CyclicBarrier start = new CyclicBarrier(o.uploaders);
        ExecutorService pool = Executors.newFixedThreadPool(o.uploaders);
        try {
            List<Future<?>> uploaders = new ArrayList<>();
            for (int u = 1; u <= o.uploaders; u++) {
                String uploader = "uploader-" + u;
                String prefix = o.uploaders == 1 ? "" : "[u" + u + "] ";
                uploaders.add(pool.submit(() -> {
                    start.await();
                    for (Path file : files) {
                        String line = prefix + ingestOne(o, caseId, file, guard, ctx, uploader, counts);
                        int done = counts.done.incrementAndGet();
                        synchronized (out) {
                            if (!o.quiet) {
                                out.println(line);
                            } else if (done % progressStep == 0 || done == total) {
                                out.printf("progress: %d/%d registrations (%d%%)%n", done, total, done * 100 / total);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : uploaders) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return counts;
    }

    private static String ingestOne(Options o, long caseId, Path file, DuplicateGuard<Record> guard, DSLContext ctx,
            String uploader, Counts counts) {
        String relative = o.folder.relativize(file).toString();
        try {
            String hash = ContentHash.sha256(file);
            Record row = CaseFiles.newRow(ctx, caseId, hash, file.getFileName().toString(), uploader,
                    Files.size(file));
            Registration<Record> r = guard.register(row);
            if (r.isNew()) {
                counts.stored.incrementAndGet();
                return String.format("stored        id=%-6d %s  (sha256 %s...)", r.id(), relative,
                        hash.substring(0, 12));
            }
            counts.duplicates.incrementAndGet();
            return String.format("duplicate of  id=%-6d %s", r.id(), relative);
        } catch (IOException | RuntimeException e) {
            counts.errors.incrementAndGet();
            return String.format("error                %s: %s", relative, e.getMessage());
        }
    }

    private static List<Path> list(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--folder " + folder + " is not a folder; add --generate to write a "
                    + "sample evidence set there");
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Parsed command line. */
    private static final class Options {
        Long caseId;
        Strategy strategy = Strategy.UNIQUE_CONSTRAINT;
        int uploaders = 1;
        Path folder = Path.of("data", "evidence");
        int generate = -1;
        String db = ExampleDatabase.DEFAULT_LOCATION;
        boolean quiet;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--case" -> o.caseId = parseLong(arg, value(args, ++i, arg));
                    case "--strategy" -> o.strategy = parseStrategy(value(args, ++i, arg));
                    case "--uploaders" -> {
                        o.uploaders = (int) parseLong(arg, value(args, ++i, arg));
                        if (o.uploaders < 1 || o.uploaders > 64) {
                            throw new IllegalArgumentException("--uploaders must be 1 to 64, was " + o.uploaders);
                        }
                    }
                    case "--folder" -> o.folder = Path.of(value(args, ++i, arg));
                    case "--db" -> o.db = ExampleDatabase.checkLocation(value(args, ++i, arg));
                    case "--quiet" -> o.quiet = true;
                    case "--generate" -> {
                        o.generate = 40;
                        if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                            o.generate = (int) parseLong(arg, args[++i]);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static long parseLong(String option, String value) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a whole number, was " + value);
            }
        }

        private static Strategy parseStrategy(String value) {
            try {
                return Strategy.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--strategy must be UNIQUE_CONSTRAINT, SELECT_FOR_UPDATE or NO_LOCK, "
                        + "was " + value);
            }
        }
    }
}
