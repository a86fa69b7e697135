package dev.dedupguard.migration;

import dev.dedupguard.GuardOptions;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.SchemaValidator;
import dev.dedupguard.jdbc.TableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The doctor: runs against a live database every check the guard's {@code build()} makes (dedup-jdbc's
 * {@link SchemaValidator}, for {@link Strategy#SELECT_FOR_UPDATE}, which writers use during a migration, and for the
 * strategy the guard will be built with), the migration's pre-flight checks and its report, and says what it found
 * and the fix. It changes nothing: everything runs in one read-only transaction that is rolled back, each check in a
 * savepoint of its own so that one failing query does not end the others.
 */
final class Doctor {
    /** How {@code SchemaValidator} counts the problems of a refusal that has more than one. */
    private static final Pattern REASONS = Pattern.compile("cannot be guarded as it is, for (\\d+) reasons:");

    private final Connection c;
    private final List<Finding> findings = new ArrayList<>();

    private Doctor(Connection c) {
        this.c = c;
    }

    /** Work that may fail with an SQL error, or with a schema mismatch that the doctor reports. */
    @FunctionalInterface
    private interface Examination {
        void run() throws SQLException;
    }

    static DoctorReport examine(DedupMigration.Builder settings, TableMapping mapping) {
        try (Connection c = settings.dataSource.getConnection()) {
            String product = c.getMetaData().getDatabaseProductName();
            String database = product + " " + c.getMetaData().getDatabaseProductVersion();
            Doctor doctor = new Doctor(c);
            MigrationDialect.Database db;
            try {
                db = MigrationDialect.Database.of(product, c.getMetaData().getDatabaseProductVersion());
            } catch (IllegalArgumentException e) {
                doctor.findings.add(Finding.problem("database", e.getMessage(), "run the doctor against the PostgreSQL"
                        + " or MariaDB database the guard will use"));
                return new DoctorReport(mapping.table, database, doctor.findings);
            }
            boolean autoCommit = c.getAutoCommit();
            try {
                c.setAutoCommit(false);
                try (var s = c.createStatement()) {
                    s.execute("set transaction read only");
                }
                doctor.examine(settings, mapping, db, database);
                return new DoctorReport(mapping.table, database, doctor.findings);
            } finally {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new MigrationException("doctor: cannot examine " + mapping.table + ": "
                    + MigrationContext.firstLine(e), e);
        }
    }

    private void examine(DedupMigration.Builder settings, TableMapping mapping, MigrationDialect.Database db,
            String database) throws SQLException {
        findings.add(Finding.ok("database", database));
        MigrationTarget[] target = new MigrationTarget[1];
        check("table", () -> target[0] = MigrationTarget.resolve(c, db, mapping));
        if (target[0] == null) {
            return;
        }
        MigrationTarget t = target[0];
        MigrationContext ctx = settings.context(db, db.dialect(t, settings.lockTimeout));
        findings.add(Finding.ok("table", t.qualified() + " (" + (t.engine() == null ? "" : t.engine() + ", ")
                + t.columns().size() + " columns; key " + t.keyColumns() + ")"));
        check("pre-flight", () -> findings.addAll(ctx.preflight.findings(c)));
        guard(db.jdbc, t, settings.guardOptions, settings.stripeTable);
        try (MigrationConnection mc = MigrationConnection.borrow(ctx, c)) {
            check("duplicates", () -> report(ctx, new Reporter(ctx).report(mc)));
            check("unique key", () -> status(ctx, new Reporter(ctx).status(mc)));
            check("indexes", () -> otherIndexes(ctx));
        }
    }

    /** Runs {@code work} in a savepoint; an SQL error or a schema mismatch becomes a finding of {@code check}. */
    private void check(String check, Examination work) throws SQLException {
        Savepoint savepoint = c.setSavepoint();
        try {
            work.run();
            c.releaseSavepoint(savepoint);
        } catch (SchemaMismatchException | MigrationException | IllegalArgumentException e) {
            c.rollback(savepoint);
            findings.add(Finding.problem(check, oneLine(e.getMessage()), "fix what the message names"));
        } catch (SQLException e) {
            c.rollback(savepoint);
            findings.add(Finding.problem(check, "the check failed: SQLSTATE " + e.getSQLState() + " "
                    + MigrationContext.firstLine(e), "make the table readable to this database user"));
        }
    }

    /** The guard's own {@code build()} checks, for SELECT_FOR_UPDATE (during the migration) and the target strategy. */
    private void guard(Dialect dialect, MigrationTarget t, GuardOptions options, String stripeTable)
            throws SQLException {
        TableSchema schema = t.tableSchema(dialect);
        List<Strategy> strategies = options.strategy() == Strategy.SELECT_FOR_UPDATE ? List.of(options.strategy())
                : List.of(Strategy.SELECT_FOR_UPDATE, options.strategy());
        for (Strategy strategy : strategies) {
            GuardOptions o = new GuardOptions(strategy, options.lockTimeout(), options.isolation(),
                    options.maxAttempts(), options.namePolicy(), options.hashAlgorithm(), options.lockStripes(),
                    options.batchChunkSize(), options.listener(), options.backend(), options.attemptLog());
            String what = "build() with " + strategy + (strategy == options.strategy() ? " (the guard's strategy)"
                    : " (writers' strategy during the migration)");
            Savepoint savepoint = c.setSavepoint();
            try {
                SchemaValidator.requireDatabase(c, dialect, dialect.displayName());
                SchemaValidator.validate(c, schema, o, stripeTable, dialect);
                c.releaseSavepoint(savepoint);
                findings.add(Finding.ok("guard", what + " accepts " + t.qualified()));
            } catch (SchemaMismatchException e) {
                c.rollback(savepoint);
                String message = String.valueOf(e.getMessage());
                List<String> fixes = new ArrayList<>();
                if (message.contains("has no CHECK constraint that keeps hashes")) {
                    fixes.add("addHashCheck() first, before writers switch: it adds the hash check online without"
                            + " checking the stored rows, which build() accepts");
                }
                if (strategy == Strategy.UNIQUE_CONSTRAINT && message.contains("needs a unique constraint")) {
                    fixes.add("run the migration: it builds the unique key online");
                }
                Matcher reasons = REASONS.matcher(message);
                int problems = reasons.find() ? Integer.parseInt(reasons.group(1)) : 1;
                if (problems > fixes.size()) {
                    fixes.add(fixes.isEmpty() ? "do what build()'s message says"
                            : "for the other problems, do what build()'s message says");
                }
                findings.add(Finding.problem("guard", what + " refuses " + t.qualified() + ": " + oneLine(message),
                        String.join("; ", fixes)));
            }
        }
    }

    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ").trim();
    }

    private void report(MigrationContext ctx, DuplicateReport r) {
        String q = ctx.target.quarantine();
        if (r.duplicateGroups() == 0) {
            findings.add(Finding.ok("duplicates", r.totalRows() + " rows, no duplicate groups"));
        } else {
            findings.add(Finding.problem("duplicates", r.totalRows() + " rows, " + r.duplicateGroups()
                    + " duplicate groups, " + r.rowsToRemove() + " rows to remove in " + r.scopes().size()
                    + " scopes (most in " + r.scopes().stream().limit(3).map(s -> s.scope() + ": " + s.rowsToRemove())
                    .collect(Collectors.joining(", ")) + ")", "run the migration: resolve() keeps the oldest row"
                    + " of each group and moves the others into " + q + ", restorably"));
        }
        if (r.nonCanonicalHashes() == 0) {
            findings.add(Finding.ok("hash case", "every stored hash is lower case"));
        } else {
            findings.add(Finding.problem("hash case", r.nonCanonicalHashes() + " rows store their hash in upper or"
                    + " mixed case; the guard looks hashes up in lower case and never finds them", "run the"
                    + " migration: resolve() lower-cases them (after quarantining their lower-case twins)"));
        }
    }

    private void status(MigrationContext ctx, MigrationStatus s) {
        MigrationTarget t = ctx.target;
        if (s.constraintPresent()) {
            findings.add(Finding.ok("unique key", (s.constraintName().equals(t.constraint()) ? "" : "equivalent ")
                    + "unique key " + s.constraintName() + " on " + t.keyColumns()));
        } else if (s.index() == MigrationStatus.IndexState.VALID) {
            findings.add(Finding.problem("unique key", "unique index " + s.constraintName() + " is built but not"
                    + " attached as the constraint", "attachConstraint() (or run the migration)"));
        } else {
            findings.add(Finding.problem("unique key", s.index() == MigrationStatus.IndexState.INVALID ? "an invalid"
                    + " index " + s.constraintName() + " is left from a failed build; it enforces nothing" : "no unique"
                    + " key on " + t.keyColumns(), "run the migration: createUniqueIndex() builds it online"));
        }
        switch (s.hashCheck()) {
            case VALID -> findings.add(Finding.ok("hash check", "CHECK constraint " + s.hashCheckName() + " keeps"
                    + " hashes lower case, validated: no stored hash violates it"));
            case NOT_VALID -> findings.add(Finding.problem("hash check", "CHECK constraint " + s.hashCheckName()
                    + " holds for every row written (build() accepts it) but is not validated: " + (s.nonCanonicalHashes()
                    > 0 ? s.nonCanonicalHashes() + " stored hashes are not lower case" : "the stored rows are not"
                    + " checked yet"), "run the migration: resolve() lower-cases stored hashes, validateHashCheck()"
                    + " then validates the check"));
            case ABSENT -> findings.add(Finding.problem("hash check", "no CHECK constraint keeps the hashes of "
                    + t.qualified() + " lower case, so the guard's build() refuses the table for every strategy, the"
                    + " writers' SELECT_FOR_UPDATE included", "addHashCheck() first, before writers switch: it adds "
                    + ctx.sql.hashCheckDefinition() + " online without checking the stored rows ("
                    + ctx.sql.unvalidated() + "), which build() accepts"));
        }
        findings.add(s.quarantinedRows() > 0 ? Finding.note("quarantine", t.quarantine() + " holds "
                + s.quarantinedRows() + " rows an earlier run removed", "restore one with the statement in the README"
                + " (Migrating an existing table) if it was removed wrongly") : Finding.ok("quarantine",
                "no rows in quarantine"));
    }

    private void otherIndexes(MigrationContext ctx) throws SQLException {
        for (Catalog.Index i : Catalog.indexes(c, ctx.sql)) {
            if (!i.valid() && !i.name().equals(ctx.target.constraint())) {
                findings.add(Finding.note("indexes", "index " + i.name() + " on " + ctx.target.qualified()
                        + " is invalid (a failed concurrent build?) and enforces nothing", "drop it: DROP INDEX"
                        + " CONCURRENTLY " + ctx.sql.q(ctx.target.schema()) + "." + ctx.sql.q(i.name())));
            }
        }
    }
}
