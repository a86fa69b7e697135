package dev.dedupguard.examples;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.migration.DedupMigration;
import dev.dedupguard.migration.DoctorReport;
import dev.dedupguard.migration.DuplicateReport;
import dev.dedupguard.migration.MigrationRun;
import dev.dedupguard.migration.MigrationStatus;
import dev.dedupguard.migration.Progress;
import dev.dedupguard.migration.Step;
import dev.dedupguard.migration.StepResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * Migrates the host's {@code case_file} table, which already holds duplicates (and hashes stored in upper case), to
 * the seed's unique constraint {@code uq_case_file_duplicate} and the canonical-hash check with {@link DedupMigration},
 * online: the hash check first (added without checking the stored rows; the uploaders' guard's {@code build()}
 * requires it), then optional simulated uploaders keep registering through a {@code SELECT_FOR_UPDATE} guard during
 * the rest of the run. Prints the duplicate report, progress of the long steps and a summary; {@code --dry-run}
 * changes nothing, a second {@code --apply} does nothing; {@code --doctor} examines the table read-only and prints
 * every finding with its fix. The options are {@link #USAGE}.
 */
public final class MigrateCaseFiles {

    /** The options, as {@code --help} prints them. */
    static final String USAGE = """
            usage: MigrateCaseFiles --doctor|--dry-run|--apply [options]
              --doctor           examine the table read-only: the guard's build() checks, duplicates, hash case,
                                 unique key, hash check, referencing foreign keys; print each finding and its fix
              --dry-run          report what the migration would do; change nothing
              --apply            migrate: add the hash check (before the uploaders start), quarantine duplicates,
                                 lower-case hashes, build the unique key online, validate the hash check (a second
                                 --apply changes nothing)
              --table NAME       the host table (default case_file; same columns as the seed's)
              --db DIR|URL       embedded PostgreSQL kept in DIR (default ./data/pg), or a jdbc:postgresql: URL
              --seed ROWS        first create the table without a unique constraint and fill it with ROWS rows, 5%
                                 of them in duplicate groups, some hashes in upper case (only if the table does not
                                 exist yet)
              --writers N        simulated uploaders registering through the guard while --apply runs (default 0)
              --batch N          rows moved per transaction (default 500)
              --help             this text
            """;

    /**
     * What one run did.
     *
     * @param run the migration's own result, or {@code null} for {@code --doctor}
     * @param doctor the doctor's findings, or {@code null} unless {@code --doctor}
     * @param writerStored new files the simulated uploaders stored during the run
     * @param writerDuplicates their registrations answered as duplicates
     * @param writerErrors their registrations that failed
     * @param longestWaitMillis their longest single registration
     */
    public record Summary(MigrationRun run, DoctorReport doctor, long writerStored, long writerDuplicates,
            long writerErrors, long longestWaitMillis) {
    }

    private MigrateCaseFiles() {
    }

    /**
     * Runs the program; exits with status 2 for bad options and 1 if the database cannot be reached, after one line on
     * standard error that says why.
     *
     * @param args the options of {@link #USAGE}
     * @throws Exception when the migration fails, with its stack trace
     */
    public static void main(String[] args) throws Exception {
        int status = execute(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the command line: 0 when done (or after {@code --help}), 2 for bad options, 1 if the database cannot be
     * reached or started. Errors are one line on {@code err}.
     */
    static int execute(String[] args, PrintStream out, PrintStream err) throws Exception {
        return ExampleDatabase.executeCommandLine(USAGE, args, (a, o) -> run(a, o), out, err);
    }

    /**
     * Runs the program with command-line {@code args}, printing to {@code out}.
     *
     * @param args the options of {@link #USAGE}
     * @param out where the report, progress and summary go
     * @return what the run did
     * @throws IllegalArgumentException for a bad option, before any database is touched
     * @throws Exception when the database cannot be started or the migration fails
     */
    public static Summary run(String[] args, PrintStream out) throws Exception {
        Options o = Options.parse(args);
        try (ExampleDatabase db = ExampleDatabase.open(o.db, o.writers + 4)) {
            if (o.seed > 0) {
                seed(db.dataSource(), o.table, o.seed, out);
            }
            DedupMigration.Builder builder = DedupMigration.forTable(db.dataSource(), o.table).scope("case_id")
                    .contentHash("file_hash").fileName("original_filename");
            if (o.mode == Mode.DOCTOR) {
                DoctorReport report = builder.doctor();
                out.print(report.render());
                return new Summary(null, report, 0, 0, 0, 0);
            }
            DedupMigration migration = builder.dryRun(o.mode == Mode.DRY_RUN).batchSize(o.batch)
                    .progress(new ProgressPrinter(out)).build();
            out.printf("dedup-guard migration of %s (%s)%n  database   : %s%n  constraint : %s, hash check %s,"
                            + " quarantine %s%n%n", o.table, o.mode == Mode.APPLY ? "apply" : "dry run: changes nothing",
                    db.description(), migration.constraintName(), migration.hashCheckName(),
                    migration.quarantineTable());

            Writers writers = new Writers(o.writers, db, o.table);
            MigrationRun run;
            try {
                if (o.mode == Mode.APPLY) {
                    StepResult check = migration.addHashCheck();
                    out.printf("  %-19s %-12s %s (first: the uploaders' guard needs it)%n", "hash check",
                            check.outcome(), check.detail());
                }
                writers.start();
                run = migration.run();
            } finally {
                writers.stop();
            }
            printSummary(run, writers, out);
            return new Summary(run, null, writers.stored.get(), writers.duplicates.get(), writers.errors.get(),
                    TimeUnit.NANOSECONDS.toMillis(writers.longestNanos.get()));
        }
    }

    private static void printSummary(MigrationRun run, Writers writers, PrintStream out) {
        out.printf("%nsummary%n");
        DuplicateReport before = run.before();
        out.printf("  before : %d rows, %d duplicate groups, %d rows to remove in %d case%s, %d hashes not lower"
                        + " case%n", before.totalRows(), before.duplicateGroups(), before.rowsToRemove(),
                before.scopes().size(), before.scopes().size() == 1 ? "" : "s", before.nonCanonicalHashes());
        before.scopes().stream().limit(3).forEach(d -> out.printf("           case %s: %d groups, %d rows to remove%n",
                d.scope(), d.duplicateGroups(), d.rowsToRemove()));
        if (before.scopes().size() > 3) {
            out.printf("           ... and %d more cases%n", before.scopes().size() - 3);
        }
        for (StepResult s : run.steps()) {
            out.printf("  %-19s %-12s %s (%d ms)%n", s.step().name().toLowerCase().replace('_', ' '), s.outcome(),
                    s.detail(), s.millis());
        }
        MigrationStatus after = run.after();
        out.printf("  after  : %d duplicate groups, %d hashes not lower case, index %s, constraint %s, hash check %s,"
                        + " %d rows in quarantine%n", after.duplicateGroups(), after.nonCanonicalHashes(), after.index(),
                after.constraintPresent() ? "present" : "absent", after.hashCheck(), after.quarantinedRows());
        if (writers.count > 0) {
            out.printf("  writers: %d uploaders meanwhile (SELECT_FOR_UPDATE): %d stored, %d duplicates, %d errors, "
                            + "longest registration %d ms%n", writers.count, writers.stored.get(),
                    writers.duplicates.get(), writers.errors.get(),
                    TimeUnit.NANOSECONDS.toMillis(writers.longestNanos.get()));
        }
        out.printf("  next   : %s%n", after.complete()
                ? "writers may switch to Strategy.UNIQUE_CONSTRAINT; a second --apply changes nothing"
                : "run with --apply");
    }

    /** Creates the table like the seed's case_file but without its unique constraint, and fills it. */
    private static void seed(DataSource ds, String table, int rows, PrintStream out) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (c.getMetaData().getTables(null, null, table, null).next()) {
                out.printf("--seed: %s exists already, left as it is%n", table);
                return;
            }
            c.setAutoCommit(false);
            try (PreparedStatement ddl = c.prepareStatement("create table " + table + " ("
                    + " id bigint generated by default as identity primary key,"
                    + " case_id bigint not null,"
                    + " file_hash char(64) not null,"
                    + " original_filename varchar(2000) not null,"
                    + " uploaded_by varchar(100),"
                    + " size_bytes bigint,"
                    + " uploaded_at timestamp default current_timestamp)")) {
                ddl.execute();
            }
            List<Object[]> toInsert = new ArrayList<>(rows);
            int groups = Math.max(1, rows / 40);
            for (int g = 0; g < groups && toInsert.size() < rows; g++) {
                for (int copy = 0; copy < 2 + g % 3 && toInsert.size() < rows; copy++) {
                    String hash = sha256("evidence-" + g);
                    toInsert.add(new Object[] {1L + g % 12, g % 10 == 0 && copy == 1 ? hash.toUpperCase(Locale.ROOT)
                            : hash, "host-" + g % 7 + "_Security-" + g + ".evtx", "analyst-" + copy});
                }
            }
            for (int u = 0; toInsert.size() < rows; u++) {
                toInsert.add(new Object[] {1L + u % 12, sha256("file-" + u), "disk-image-part-" + u + ".E01",
                        "analyst-" + u % 5});
            }
            Collections.shuffle(toInsert, new Random(7));
            try (PreparedStatement ps = c.prepareStatement("insert into " + table
                    + " (case_id, file_hash, original_filename, uploaded_by, size_bytes) values (?, ?, ?, ?, ?)")) {
                for (Object[] row : toInsert) {
                    for (int i = 0; i < row.length; i++) {
                        ps.setObject(i + 1, row[i]);
                    }
                    ps.setLong(5, 4096L * (1 + (row[2].hashCode() & 0xffff)));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            out.printf("seeded %s: %d rows, no unique constraint, duplicates and upper-case hashes included%n", table,
                    rows);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints progress events, at most one per 10% of a step's rows. */
    private static final class ProgressPrinter implements java.util.function.Consumer<Progress> {
        private final PrintStream out;
        private long lastTenth = -1;

        ProgressPrinter(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void accept(Progress p) {
            if (p.step() == Step.RESOLVE && p.total() > 0 && p.done() > 0) {
                long tenth = p.done() * 10 / p.total();
                if (tenth == lastTenth && p.done() < p.total()) {
                    return;
                }
                lastTenth = tenth;
            }
            out.printf("  %-19s %s%n", p.step().name().toLowerCase().replace('_', ' '), p.message());
        }
    }

    /** Simulated uploaders: each registers new files and re-uploads seeded ones until stopped. */
    private static final class Writers {
        final int count;
        final AtomicLong stored = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong longestNanos = new AtomicLong();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final ExampleDatabase db;
        private final String table;
        private ExecutorService pool;
        private final List<Future<?>> running = new ArrayList<>();

        Writers(int count, ExampleDatabase db, String table) {
            this.count = count;
            this.db = db;
            this.table = table;
        }

        void start() {
            if (count == 0) {
                return;
            }
            DuplicateGuard<Record> guard = JooqDuplicateGuard.forHostTable(db.dataSource(), db.dialect(),
                    CaseFiles.mapping(table)).strategy(Strategy.SELECT_FOR_UPDATE).createSchemaIfMissing(true)
                    .build();
            DSLContext ctx = db.dsl();
            pool = Executors.newFixedThreadPool(count);
            for (int w = 0; w < count; w++) {
                int writer = w;
                running.add(pool.submit(() -> {
                    Random random = new Random(writer);
                    for (long i = 0; !stopped.get(); i++) {
                        int u = random.nextInt(1000);
                        Record row = random.nextBoolean()
                                ? CaseFiles.newRow(ctx, 1L + u % 12, sha256("file-" + u), "disk-image-part-" + u
                                        + ".E01", "uploader-" + writer, 1024)
                                : CaseFiles.newRow(ctx, 1L + u % 12, sha256("upload-" + writer + "-" + i), "upload-"
                                        + writer + "-" + i + ".bin", "uploader-" + writer, 1024);
                        long start = System.nanoTime();
                        try {
                            Registration<Record> r = guard.register(row);
                            longestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                            (r.isNew() ? stored : duplicates).incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                        }
                    }
                }));
            }
        }

        void stop() throws Exception {
            stopped.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /** What the program does. */
    private enum Mode {
        DOCTOR, DRY_RUN, APPLY
    }

    /** Parsed command line. */
    private static final class Options {
        Mode mode;
        String table = "case_file";
        String db = Path.of("data", "pg").toString();
        int seed;
        int writers;
        int batch = 500;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--doctor", "--dry-run", "--apply" -> {
                        if (o.mode != null) {
                            throw new IllegalArgumentException("give one of --doctor, --dry-run and --apply");
                        }
                        o.mode = arg.equals("--doctor") ? Mode.DOCTOR : arg.equals("--apply") ? Mode.APPLY
                                : Mode.DRY_RUN;
                    }
                    case "--table" -> o.table = value(args, ++i, arg);
                    case "--db" -> o.db = ExampleDatabase.checkLocation(value(args, ++i, arg));
                    case "--seed" -> o.seed = intIn(arg, value(args, ++i, arg), 1, 10_000_000);
                    case "--writers" -> o.writers = intIn(arg, value(args, ++i, arg), 0, 32);
                    case "--batch" -> o.batch = intIn(arg, value(args, ++i, arg), 1, 100_000);
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            if (o.mode == null) {
                throw new IllegalArgumentException("give --doctor (examine), --dry-run (report only) or --apply");
            }
            if (o.db.startsWith("jdbc:h2:")) {
                throw new IllegalArgumentException("--db: this program runs on PostgreSQL (DedupMigration also"
                        + " migrates MariaDB tables), not on H2, was " + o.db);
            }
            if (o.writers > 0 && o.mode != Mode.APPLY) {
                throw new IllegalArgumentException("--writers needs --apply: nothing is migrated to write during");
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int intIn(String option, String value, int min, int max) {
            int n;
            try {
                n = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a whole number, was " + value);
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be " + min + " to " + max + ", was " + n);
            }
            return n;
        }
    }
}
