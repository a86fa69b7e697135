package dev.dedupguard.migration;

import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.jdbc.SchemaValidator;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks that can refuse a migration, all in one place, run before the first row moves: by
 * {@link DedupMigration.Builder#build()}, again at the start of every step that changes anything (under the
 * migration's lock), and by the doctor, which reports what they find instead of refusing. Each check adds
 * {@link Finding}s; any {@link Finding.Severity#PROBLEM} refuses the migration with a {@link SchemaMismatchException}
 * that lists them all.
 *
 * <p>One more check is one more entry in {@link #checks}.
 */
final class Preflight {
    /** One pre-flight check: reads the catalog, adds what it found. */
    @FunctionalInterface
    interface Check {
        void run(Connection c, List<Finding> out) throws SQLException;
    }

    private static final Set<String> INTEGER_TYPES = Set.of("int2", "int4", "int8", "tinyint", "smallint",
            "mediumint", "int", "bigint");

    private final MigrationContext ctx;
    private final List<Check> checks;

    Preflight(MigrationContext ctx) {
        this.ctx = ctx;
        this.checks = List.of(this::engine, this::columns, this::equality, this::quarantine, this::names,
                this::foreignKeys, this::privileges);
    }

    /** Runs every check. */
    List<Finding> findings(Connection c) throws SQLException {
        List<Finding> out = new ArrayList<>();
        for (Check check : checks) {
            check.run(c, out);
        }
        return out;
    }

    /**
     * Runs every check and refuses the migration if one found a problem.
     *
     * @throws SchemaMismatchException listing every problem and its fix
     */
    void require(Connection c) throws SQLException {
        List<Finding> problems = findings(c).stream().filter(f -> f.severity() == Finding.Severity.PROBLEM).toList();
        if (!problems.isEmpty()) {
            throw new SchemaMismatchException("cannot migrate " + ctx.target.qualified() + ": " + problems.stream()
                    .map(f -> f.found() + " (fix: " + f.fix() + ")").collect(Collectors.joining("; ")));
        }
    }

    private void engine(Connection c, List<Finding> out) {
        String engine = ctx.target.engine();
        if (engine == null) {
            return;
        }
        if (engine.equalsIgnoreCase("InnoDB")) {
            out.add(Finding.ok("engine", ctx.target.qualified() + " is InnoDB"));
        } else {
            out.add(Finding.problem("engine", ctx.target.qualified() + " is ENGINE=" + engine + ", which has no"
                    + " transactions: a batch that failed halfway would have deleted rows without quarantining them",
                    "ALTER TABLE " + ctx.sql.table() + " ENGINE=InnoDB"));
        }
    }

    private void columns(Connection c, List<Finding> out) {
        MigrationTarget t = ctx.target;
        MigrationTarget.Column id = t.columns().get(t.id());
        if (!INTEGER_TYPES.contains(id.dataType())) {
            out.add(Finding.problem("columns", "id column " + t.id() + " of " + t.qualified() + " is " + id.type(),
                    "map the integer primary key (smallint, integer or bigint) as id"));
        }
        MigrationTarget.Column hash = t.columns().get(t.contentHash());
        if (!hash.collatable()) {
            out.add(Finding.problem("columns", "content-hash column " + t.contentHash() + " of " + t.qualified()
                    + " is " + hash.type() + ", not a character column", "store hashes as char(64) hex"));
        }
    }

    /**
     * The guard's own proof that the key columns compare keys as it does ({@link SchemaValidator#keyColumnProblems}):
     * under a case- or accent-insensitive collation the unique key would merge, and the database would call equal,
     * rows that the guard considers different files, so the migration refuses to group them.
     */
    private void equality(Connection c, List<Finding> out) throws SQLException {
        List<String> problems = SchemaValidator.keyColumnProblems(c, ctx.target.tableSchema(ctx.database.jdbc),
                ctx.database.jdbc);
        if (problems.isEmpty()) {
            out.add(Finding.ok("equality", "the key columns of " + ctx.target.qualified() + " compare byte for byte"));
        }
        for (String problem : problems) {
            int fix = problem.lastIndexOf(". Fix: ");
            out.add(Finding.problem("equality", fix < 0 ? problem : problem.substring(0, fix),
                    fix < 0 ? "make the column compare byte for byte" : problem.substring(fix + ". Fix: ".length())));
        }
    }

    private void quarantine(Connection c, List<Finding> out) throws SQLException {
        MigrationTarget t = ctx.target;
        Map<String, MigrationTarget.Column> columns = Catalog.columns(c, ctx.database, t.schema(), t.quarantine());
        if (columns.isEmpty()) {
            return;
        }
        if (!columns.keySet().equals(new HashSet<>(MigrationDialect.QUARANTINE_COLUMNS))) {
            out.add(Finding.problem("quarantine", "a table " + t.schema() + "." + t.quarantine() + " exists with columns "
                    + columns.keySet() + ", not the quarantine's " + MigrationDialect.QUARANTINE_COLUMNS,
                    "choose another quarantineTable, or rename that table"));
        }
    }

    private void names(Connection c, List<Finding> out) throws SQLException {
        Catalog.UniqueKey key = Catalog.uniqueKey(Catalog.indexes(c, ctx.sql), ctx.target);
        if (key.problem() != null) {
            out.add(Finding.problem("unique key", key.problem(), "drop that index or choose another constraintName"));
        }
        for (String other : Catalog.relationsNamed(c, ctx.sql, ctx.target.constraint())) {
            out.add(Finding.problem("unique key", "the name " + ctx.target.constraint() + " is taken by " + other,
                    "choose another constraintName"));
        }
        Catalog.HashCheck check = Catalog.hashCheck(Catalog.checks(c, ctx.sql), ctx.sql);
        if (check.problem() != null) {
            out.add(Finding.problem("hash check", check.problem(), "drop that constraint or choose another"
                    + " hashCheckName"));
        }
    }

    private void foreignKeys(Connection c, List<Finding> out) throws SQLException {
        List<ReferencingKey> keys = Catalog.foreignKeys(c, ctx.sql);
        if (keys.isEmpty()) {
            out.add(Finding.ok("foreign keys", "no foreign key references " + ctx.target.qualified()));
            return;
        }
        for (ReferencingKey k : keys) {
            if (ctx.childRows == null) {
                out.add(Finding.problem("foreign keys", k.describe() + " references " + ctx.target.qualified()
                        + ": removing a duplicate " + k.consequence(), "give DedupMigration.Builder.childRows(hook)"
                        + " that re-points " + k.childTable() + " rows to the kept row (UPDATE " + k.childTable()
                        + " SET " + k.childColumns().get(0) + " = keptId WHERE " + k.childColumns().get(0)
                        + " = removedId), or ChildRows.NONE if no " + k.childTable() + " row references a duplicate"
                        + " (checked before anything moves)"));
            } else {
                out.add(Finding.note("foreign keys", k.describe() + " references " + ctx.target.qualified(),
                        ctx.childRows == ChildRows.NONE ? "checked before anything moves: no row of "
                                + k.childTable() + " may reference a duplicate" : "the ChildRows hook re-points its"
                                + " rows; every batch checks that none references a removed row before it moves"));
            }
        }
    }

    private void privileges(Connection c, List<Finding> out) throws SQLException {
        boolean[] p = Catalog.privileges(c, ctx.sql);
        if (p == null) {
            return;
        }
        MigrationTarget t = ctx.target;
        String user = "the migration's database user";
        boolean quarantineExists = !Catalog.columns(c, ctx.database, t.schema(), t.quarantine()).isEmpty();
        if (!p[0] && !quarantineExists) {
            out.add(Finding.problem("privileges", user + " may not create tables in schema " + t.schema()
                    + ", where the quarantine " + t.quarantine() + " goes", "GRANT CREATE ON SCHEMA " + t.schema()
                    + " to it, or create the quarantine table beforehand"));
        }
        if (!p[1]) {
            out.add(Finding.problem("privileges", user + " may not select, update and delete rows of "
                    + t.qualified(), "GRANT SELECT, UPDATE, DELETE ON " + ctx.sql.table() + " to it"));
        }
        if (!p[2]) {
            out.add(Finding.problem("privileges", user + " does not own " + t.qualified() + ", which CREATE INDEX"
                    + " and ALTER TABLE need", "run the migration as the table's owner (or a member of its role)"));
        }
    }
}
