package dev.dedupguard.migration;

import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.spi.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Every statement a migration sends to one database, whole, in the manner of ShedLock's {@code SqlStatementsSource}:
 * one subclass per database ({@link PostgresMigrationDialect}, {@link MariaDbMigrationDialect}) shows all of that
 * database's SQL, and the step classes never branch on the database. Names and quoting are dedup-jdbc's
 * {@link Dialect}. An instance is bound to one resolved table ({@link MigrationTarget}) and the migration's lock
 * timeout; immutable.
 *
 * <p>Parameters and result columns are stated per method and are the same for every database. "(schema, table)"
 * means two string parameters, the names as the catalog stores them. "pairs" means the parameters that
 * {@link #bindPairs} binds for the pairs {@link #stagePairs} staged: a statement reads them as a relation
 * {@code p(removed_id, kept_id)}.
 */
abstract class MigrationDialect {
    /** The name of the session's plan of (removed id, kept id) pairs, a temporary table. */
    static final String PLAN = "dedup_migration_plan";

    /**
     * The table as the catalog resolved the user's name, read before anything else.
     *
     * @param schema its schema (database on MariaDB), as stored
     * @param table its name, as stored
     * @param kind {@code table}, or what else the name is ({@code view}, ...)
     * @param engine its storage engine, or {@code null} where there is none to choose
     * @param lockKey the key of the migration's lock: the table's identity, never its spelling
     */
    record Identity(String schema, String table, String kind, @Nullable String engine, Object lockKey) {
    }

    /** The databases a migration runs on, by the driver's exact product name; never matched by substring. */
    enum Database {
        POSTGRESQL("PostgreSQL", Dialect.POSTGRESQL),
        MARIADB("MariaDB", Dialect.MARIADB);

        final String productName;
        final Dialect jdbc;

        Database(String productName, Dialect jdbc) {
            this.productName = productName;
            this.jdbc = jdbc;
        }

        /**
         * The database of a connection whose driver reports {@code productName} and {@code version}.
         *
         * @throws IllegalArgumentException naming the product, for H2 and every database not supported
         */
        static Database of(String productName, String version) {
            for (Database d : values()) {
                if (d.productName.equals(productName)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("dataSource: DedupMigration supports PostgreSQL and MariaDB; this data"
                    + " source is " + productName + " " + version + (productName.equals("H2") ? ". H2 has no online"
                    + " index build; on an H2 database remove the duplicates the doctor reports and add the unique"
                    + " constraint with ALTER TABLE while nothing writes" : ""));
        }

        @Nullable Identity identify(Connection c, TableMapping m) throws SQLException {
            return this == POSTGRESQL ? PostgresMigrationDialect.identify(c, m) : MariaDbMigrationDialect.identify(c, m);
        }

        /** The statement of {@link MigrationDialect#columns()}, needed before the table is resolved. */
        String columns() {
            return this == POSTGRESQL ? PostgresMigrationDialect.COLUMNS : MariaDbMigrationDialect.COLUMNS;
        }

        MigrationDialect dialect(MigrationTarget target, Duration lockTimeout) {
            return this == POSTGRESQL ? new PostgresMigrationDialect(target, lockTimeout)
                    : new MariaDbMigrationDialect(target, lockTimeout);
        }
    }

    final Dialect jdbc;
    final MigrationTarget t;
    final Duration lockTimeout;

    MigrationDialect(Dialect jdbc, MigrationTarget target, Duration lockTimeout) {
        this.jdbc = jdbc;
        this.t = target;
        this.lockTimeout = lockTimeout;
    }

    /** {@code stored} quoted, as it goes into SQL. */
    final String q(String stored) {
        return jdbc.quoteIdentifier(stored);
    }

    /** The host table, schema-qualified and quoted. */
    final String table() {
        return q(t.schema()) + "." + q(t.table());
    }

    /** The quarantine table, schema-qualified and quoted. */
    final String quarantine() {
        return q(t.schema()) + "." + q(t.quarantine());
    }

    /** The database's name, for messages. */
    final String displayName() {
        return jdbc.displayName();
    }

    /** The kind of a failure: unique violation, lock timeout, serialization failure (deadlock), or other. */
    final StorageException.Kind kindOf(SQLException e) {
        return jdbc.kindOf(e);
    }

    // ---------------------------------------------------------------- key equality (the guard's)

    /**
     * The grouping expression of one key column of row {@code alias}, comparing as the guard does: byte-wise
     * (the hash lower-cased first), whatever the column's collation.
     */
    abstract String keyExpression(String alias, String column);

    /** The key of row {@code alias}: scope, lower-cased hash, name match, each by {@link #keyExpression}. */
    final String key(String alias) {
        return String.join(", ", t.keyColumns().stream().map(c -> keyExpression(alias, c)).toList());
    }

    /** Rows {@code a} and {@code b} have the same key under the guard's equality. */
    final String keysEqual(String a, String b) {
        return String.join(" and ", t.keyColumns().stream()
                .map(c -> keyExpression(a, c) + " = " + keyExpression(b, c)).toList());
    }

    /** Row {@code alias} has no null key column (such rows are never duplicates, as for a unique key). */
    final String keyNotNull(String alias) {
        return String.join(" and ", t.keyColumns().stream().map(c -> alias + "." + q(c) + " is not null").toList());
    }

    /** Row {@code alias}'s stored hash is not its lower-case form, compared byte-wise. */
    abstract String nonCanonicalHash(String alias);

    /** Orders a duplicate group oldest first: by {@code oldestBy} (nulls last), then by id. */
    abstract String oldestFirst(String alias);

    // ---------------------------------------------------------------- catalog

    /** (schema, table). Rows: name, type, bare type name (lower case), collatable (boolean); in table order. */
    abstract String columns();

    /**
     * (schema, table). Rows, one per column pair, ordered by constraint and position: constraint name, child schema,
     * child table, delete rule ({@code CASCADE}, {@code SET NULL}, {@code SET DEFAULT}, {@code RESTRICT},
     * {@code NO ACTION}), position, child column, parent column.
     */
    abstract String foreignKeys();

    /**
     * (schema, table). Rows, one per key column of every index of the table, ordered by index and position: index
     * name, constraint kind ({@code u}, {@code p}, or null for a plain index), valid and ready (boolean), plain
     * (boolean: no expression, predicate or prefix, a B-tree), deferrable (boolean), unique (boolean), position,
     * column (null for an expression).
     */
    abstract String indexes();

    /**
     * (schema, name, table). Rows: a description of every relation of that name in the schema other than an index of
     * the table (an index name is a relation name on PostgreSQL); {@code null} where index names belong to their
     * table (MariaDB).
     */
    abstract @Nullable String relationsNamed();

    /**
     * (schema, table). Rows: CHECK constraint name, validated (boolean: whether the catalog records that every stored
     * row was checked; always false where it records no such thing), definition text.
     */
    abstract String checkConstraints();

    /**
     * (schema, table). One row: may create tables in the schema, may select, update and delete rows of the table, owns
     * the table (booleans); {@code null} where the migration does not check privileges.
     */
    abstract @Nullable String privileges();

    // ---------------------------------------------------------------- report

    /** Rows: scope as text, duplicate groups, rows to remove; most rows first, then by scope. */
    abstract String duplicatesByScope();

    /** One row: duplicate groups, rows to remove. */
    final String duplicateTotals() {
        return "select count(*), coalesce(sum(g.n - 1), 0) from (select count(*) as n from " + table() + " t where "
                + keyNotNull("t") + " group by " + key("t") + " having count(*) > 1) g";
    }

    /** One row: the table's rows. */
    final String totalRows() {
        return "select count(*) from " + table();
    }

    /** One row: rows whose stored hash is not lower case. */
    final String nonCanonicalHashes() {
        return "select count(*) from " + table() + " t where " + nonCanonicalHash("t");
    }

    // ---------------------------------------------------------------- lock

    /** One parameter, the lock key. One row: whether this session got the migration's lock now (boolean). */
    abstract String tryLock();

    /** One parameter, the lock key. One row: whether this session held the lock (boolean). */
    abstract String unlock();

    /** One parameter, the lock key. Rows: one line of text describing the session that holds the lock. */
    abstract String lockHolder();

    // ---------------------------------------------------------------- resolve

    /** Statements that run at the start of every resolve transaction (the lock timeout, where it is per transaction). */
    abstract List<String> beginTransaction();

    /** Creates (if absent) and empties the session's work tables. */
    abstract List<String> createWorkTables();

    /** Drops the session's work tables. */
    abstract List<String> dropWorkTables();

    /** The plan table as statements name it. */
    abstract String plan();

    /** Empties the plan, then fills it with every (removed id, kept id) pair of the table as it is now. */
    final List<String> makePlan() {
        return List.of("delete from " + plan(), "insert into " + plan() + " (removed_id, kept_id)"
                + " select r.removed_id, r.kept_id from (select t." + q(t.id()) + " as removed_id, first_value(t."
                + q(t.id()) + ") over w as kept_id, row_number() over w as rn from " + table() + " t where "
                + keyNotNull("t") + " window w as (partition by " + key("t") + " order by " + oldestFirst("t")
                + ")) r where r.rn > 1", analyzePlan());
    }

    /** Refreshes the plan table's statistics, so that batches join it by index. */
    abstract String analyzePlan();

    /** Two parameters: after removed id, limit. One row: the last removed id of the slice, pairs in it. */
    final String planSlice() {
        return "select max(s.removed_id), count(*) from (select removed_id from " + plan() + " where removed_id > ?"
                + " order by removed_id limit ?) s";
    }

    /**
     * Two parameters: removed ids after, up to. Locks the plan's pairs in that range whose rows exist and whose keys
     * still match (removed row for update, kept row at least for share). Rows: removed id, kept id.
     */
    abstract String lockPairs();

    /** The staged pairs as a relation {@code p(removed_id, kept_id)} (see {@link #bindPairs}). */
    abstract String pairs();

    /** Makes the pairs available to the next statements of the transaction (a temporary table, or nothing). */
    abstract void stagePairs(Connection c, long[] removed, long[] kept) throws SQLException;

    /** Binds the staged pairs to {@code ps} from parameter {@code first} on; returns the next parameter index. */
    abstract int bindPairs(PreparedStatement ps, int first, long[] removed, long[] kept) throws SQLException;

    /** Pairs. One row: child rows of {@code key} that reference a removed row, the smallest such removed id. */
    final String childRows(ReferencingKey key) {
        return childRowsOf(key, pairs());
    }

    /** The plan. One row: child rows of {@code key} that reference a row the plan removes, the smallest such id. */
    final String childRowsOfPlan(ReferencingKey key) {
        return childRowsOf(key, plan() + " p");
    }

    private String childRowsOf(ReferencingKey key, String removed) {
        StringBuilder on = new StringBuilder();
        for (int i = 0; i < key.childColumns().size(); i++) {
            on.append(i == 0 ? "" : " and ").append("c.").append(q(key.childColumns().get(i))).append(" = t.")
                    .append(q(key.parentColumns().get(i)));
        }
        return "select count(*), min(p.removed_id) from " + removed + " join " + table() + " t on t." + q(t.id())
                + " = p.removed_id join " + q(key.childSchema()) + "." + q(key.childTable()) + " c on " + on;
    }

    /**
     * Pairs. Moves the removed rows into the quarantine (the row as JSON, its id, the kept id, the time) and deletes
     * them; each statement's update count equals the number of pairs.
     */
    abstract List<String> move();

    /** Pairs. Rows, newest removed id first: removed id, kept id, the removed row as JSON text. */
    abstract String rowsOfPairs();

    /** Rows: removed id, kept id of the plan's three newest pairs. */
    final String newestOfPlan() {
        return "select removed_id, kept_id from " + plan() + " order by removed_id desc limit 3";
    }

    /** Rows: id, id of the three newest rows whose hash is not lower case. */
    final String newestNonCanonical() {
        return "select t." + q(t.id()) + ", t." + q(t.id()) + " from " + table() + " t where " + nonCanonicalHash("t")
                + " order by t." + q(t.id()) + " desc limit 3";
    }

    /** Two parameters: after id, limit. One row: the last id of the next slice of non-canonical hashes, rows in it. */
    final String rewriteSlice() {
        return "select max(s.id), count(*) from (select t." + q(t.id()) + " as id from " + table() + " t where t."
                + q(t.id()) + " > ? and " + nonCanonicalHash("t") + " order by t." + q(t.id()) + " limit ?) s";
    }

    /** Two parameters: ids after, up to. Lower-cases the non-canonical hashes in that range. */
    abstract String rewriteHashes();

    abstract String createQuarantine();

    /** One row: rows in the quarantine table. */
    final String quarantinedRows() {
        return "select count(*) from " + quarantine();
    }

    /** The quarantine's columns and what each must hold, for the layout check and its messages. */
    static final List<String> QUARANTINE_COLUMNS = List.of("removed_id", "kept_id", "moved_at", "row_data");

    // ---------------------------------------------------------------- index, constraint, hash check

    /** Builds the unique key on the key columns without blocking writers; auto-commit. */
    abstract String createIndex();

    /** Drops a unique index a failed build left invalid; auto-commit. */
    abstract String dropInvalidIndex();

    /** Attaches the valid unique index as the unique constraint, in a transaction; {@code null} where they are one. */
    abstract @Nullable String attachConstraint();

    /**
     * Adds the canonical-hash CHECK constraint without checking the rows already stored: the database enforces it for
     * every row inserted or updated from then on, which is what the guard's {@code build()} requires.
     */
    abstract String addHashCheck();

    /** How {@link #addHashCheck} leaves the rows stored before it unchecked, for messages. */
    abstract String unvalidated();

    /**
     * Validates the CHECK constraint {@link #addHashCheck} added, scanning the stored rows; {@code null} where the
     * database records no validation (MariaDB): there the check counts as valid while no stored hash violates it.
     */
    abstract @Nullable String validateHashCheck();

    /** Whether {@link #attachConstraint} and {@link #addHashCheck} run in a transaction (else auto-commit). */
    abstract boolean alterInTransaction();

    /** How long a DDL statement waits for the table's lock, for messages ({@code 500 ms}, {@code 1 s}). */
    abstract String lockWait();

    /** One row: this session's id as {@link #buildProgress} takes it. */
    abstract String sessionId();

    /** One parameter, the building session's id. One row: phase text, done, total. */
    abstract String buildProgress();

    /** The CHECK constraint's definition as the shipped DDL writes it, for messages. */
    final String hashCheckDefinition() {
        return "CHECK (" + q(t.contentHash()) + " = lower(" + q(t.contentHash()) + "))";
    }

    /**
     * Whether a CHECK constraint's definition, as the catalog renders it, is the canonical-hash check on the hash
     * column: {@code hash = lower(hash)} in either order, whatever the quoting, parentheses and casts.
     */
    final boolean isHashCheck(String definition) {
        String d = definition.toLowerCase(java.util.Locale.ROOT).replaceAll("\\s+not valid$", "")
                .replaceAll("::[a-z ]+", "").replace("lcase(", "lower(").replaceAll("[\\s\"`()]", "");
        if (d.startsWith("check")) {
            d = d.substring("check".length());
        }
        String h = t.contentHash().toLowerCase(java.util.Locale.ROOT).replaceAll("[\\s\"`()]", "");
        return d.equals(h + "=lower" + h) || d.equals("lower" + h + "=" + h);
    }
}
