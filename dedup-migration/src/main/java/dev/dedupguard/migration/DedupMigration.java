package dev.dedupguard.migration;

import dev.dedupguard.GuardOptions;
import dev.dedupguard.jdbc.LibrarySchema;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Puts the guard's unique key on a live host table that already holds duplicates, without blocking its writers and
 * without losing a row, on <strong>PostgreSQL or MariaDB</strong> (H2 is refused by {@link Builder#build()}).
 *
 * <p>While it runs, the host's writers must register through a guard with {@link Strategy#SELECT_FOR_UPDATE}: it keeps
 * new duplicates out without any constraint, and its stripe locks and inserts do not conflict with resolving or with
 * the online index build (only the hash check and the attach make them wait, for at most the lock timeout). That
 * guard's {@code build()} requires the hash check, so {@link #addHashCheck()} comes first, before the writers switch:
 * it adds the check without checking the rows already stored, which {@code build()} accepts (it judges what the
 * database enforces for the rows written from now on, not the data stored). After {@link #run()}, writers may switch to
 * {@link Strategy#UNIQUE_CONSTRAINT}.
 *
 * <p>Rows are the same file when the guard takes them for one: equal scope and file name compared byte for byte
 * (under {@link dev.dedupguard.NamePolicy#EXACT}; with a mapped {@link Builder#nameKey name-key column}, equal name
 * keys) and equal content hashes compared lower-cased, whatever the columns' collations.
 *
 * <p>The steps, each resumable and idempotent (each first reads {@link #status()} and does only what is left, so a
 * second run changes nothing):
 * <ol>
 *   <li>{@link #report()}: exact counts of duplicate groups and rows to remove, per scope, and of stored hashes that
 *       are not lower case. Changes nothing.</li>
 *   <li>{@link #addHashCheck()}: {@code CHECK (<hash> = lower(<hash>))}, which the guard's {@code build()} requires,
 *       added online without checking the stored rows (PostgreSQL {@code NOT VALID}; MariaDB an online table copy
 *       with {@code check_constraint_checks=OFF}): from then on the database refuses an upper-case hash in every row
 *       inserted or updated. Validated at once where no stored hash needs lower-casing.</li>
 *   <li>{@link #resolve()}: keeps the oldest row of each group and moves every other one, with its full content (as
 *       JSON), its id, the kept id and the time, into the quarantine table, in keyset batches whose cost does not
 *       grow with the table; lower-cases stored hashes that are not.</li>
 *   <li>{@link #createUniqueIndex()}: builds the unique key online (PostgreSQL {@code CREATE UNIQUE INDEX
 *       CONCURRENTLY}; MariaDB {@code ADD UNIQUE KEY ... ALGORITHM=INPLACE, LOCK=NONE}); a build that a duplicate
 *       slipped into is cleaned up, the newcomer resolved and the build retried, up to {@link Builder#indexAttempts}
 *       times.</li>
 *   <li>{@link #attachConstraint()}: PostgreSQL attaches the index as the constraint under a short lock timeout,
 *       retried while the table is busy; on MariaDB the unique key already is the constraint.</li>
 *   <li>{@link #validateHashCheck()}: proves that no stored hash violates the check (PostgreSQL {@code VALIDATE
 *       CONSTRAINT}, which writers do not wait for; MariaDB a count of hashes not lower case, which must be 0).</li>
 * </ol>
 * {@link #run()} takes them in that order. An equivalent unique constraint or CHECK constraint under another name
 * counts as done. With {@link Builder#dryRun(boolean) dryRun(true)} every step reports what it would do and changes
 * nothing (not even the quarantine table is created).
 *
 * <p>Nothing is moved before every check that can refuse the migration has passed (see {@link Builder#build()}):
 * a table that other tables reference through foreign keys needs a {@link ChildRows} hook; tables, columns and
 * names that do not fit are refused naming the fix. A removed row is restored on PostgreSQL with
 * {@code INSERT INTO case_file SELECT (jsonb_populate_record(NULL::case_file, row_data)).* FROM case_file_quarantine
 * WHERE removed_id = ?} (into a copy of the table while the constraint is on, since it is a duplicate); on MariaDB
 * with {@code JSON_VALUE(row_data, '$.column')} per column (binary columns are stored as base64).
 *
 * <p>Connections: every call takes one connection from the {@link DataSource} (whatever its auto-commit mode and
 * isolation) and hands it back as it was; {@link #createUniqueIndex()} takes a second one to poll the build's progress
 * when a {@link Builder#progress progress listener} is set. Mutating steps hold a lock keyed by the table's identity
 * (PostgreSQL: a session advisory lock on its oid; MariaDB: {@code GET_LOCK} on its stored schema and name), so two
 * migrations of one table cannot interleave however each spells the name: the second fails at once with
 * {@link MigrationException} naming the session that holds the lock. Every failure path releases it and keeps the
 * original error. Instances are immutable and thread-safe.
 */
public final class DedupMigration {
    private final MigrationContext ctx;
    private final Reporter reporter;
    private final Resolver resolver;
    private final IndexBuilder indexBuilder;
    private final ConstraintSteps constraints;

    private DedupMigration(MigrationContext ctx) {
        this.ctx = ctx;
        this.reporter = new Reporter(ctx);
        this.resolver = new Resolver(ctx, reporter);
        this.indexBuilder = new IndexBuilder(ctx, reporter, resolver);
        this.constraints = new ConstraintSteps(ctx, reporter);
    }

    /**
     * Starts a migration of {@code table} on {@code dataSource}. Name the key columns with {@link Builder#scope},
     * {@link Builder#contentHash} and {@link Builder#fileName} before {@link Builder#build()}.
     *
     * @param dataSource a PostgreSQL or MariaDB data source; each call takes one connection and gives it back
     * @param table the host table, {@code name} or {@code schema.name}; each part a plain identifier (folded by the
     *     database, as in unquoted DDL) or quoted ({@code "Case Files"}, or with backticks), as the guard's mappings
     *     state them
     * @return a builder with defaults: id column {@code id}, oldest row by id, constraint {@code uq_<table>_duplicate},
     *     quarantine {@code <table>_quarantine}, hash check {@code ck_<table>_hash_lower}, batches of 500 rows, lock
     *     timeout 500 ms, 3 resolve passes, 3 index builds, 20 attach attempts
     */
    public static Builder forTable(DataSource dataSource, String table) {
        return new Builder(dataSource, table);
    }

    /** @return the host table, as given */
    public String table() {
        return ctx.table();
    }

    /** @return the unique constraint (and index) the migration creates, as the catalog stores the name */
    public String constraintName() {
        return ctx.target.constraint();
    }

    /** @return the quarantine table, in the host table's schema, as the catalog stores the name */
    public String quarantineTable() {
        return ctx.target.quarantine();
    }

    /** @return the CHECK constraint that keeps hashes lower case, as the catalog stores the name */
    public String hashCheckName() {
        return ctx.target.hashCheck();
    }

    /** @return whether this is a dry run, which changes nothing */
    public boolean dryRun() {
        return ctx.dryRun;
    }

    /**
     * Counts the duplicates now, exactly, in one read-only statement (plus one each for the row count and the
     * non-canonical hashes).
     *
     * @return groups and rows to remove, in all and per scope
     * @throws MigrationException on an SQL error
     */
    public DuplicateReport report() {
        try (MigrationConnection mc = ctx.open()) {
            return reporter.report(mc);
        } catch (SQLException e) {
            throw ctx.failed(Step.REPORT, e);
        }
    }

    /**
     * Reads where the migration stands: duplicates and non-canonical hashes left, the unique key, the hash check, the
     * quarantine.
     *
     * @return the current state
     * @throws MigrationException on an SQL error, or when an index or CHECK constraint of the configured name exists
     *     but does not fit (not unique, other columns, another definition)
     */
    public MigrationStatus status() {
        try (MigrationConnection mc = ctx.open()) {
            return reporter.status(mc);
        } catch (SQLException e) {
            throw ctx.failed(Step.REPORT, e);
        }
    }

    /**
     * Adds the CHECK constraint {@link #hashCheckName()}, {@code CHECK (<hash> = lower(<hash>))}, which keeps every
     * hash written from now on lower case and which the guard's {@code build()} requires, without checking the rows
     * already stored: a table whose older rows hold upper-case hashes gets it too, and {@code build()} accepts it (it
     * checks what the database enforces for writes, not the data stored). Run it first, before the writers switch to
     * {@link Strategy#SELECT_FOR_UPDATE}. PostgreSQL: added {@code NOT VALID} under the lock timeout (no table scan
     * under the lock; retried like {@link #attachConstraint()}), then validated at once if no stored hash is upper
     * case. MariaDB: one online table copy ({@code ALGORITHM=COPY, LOCK=NONE}) with {@code check_constraint_checks=OFF}
     * for that statement, which waits at most the lock timeout (rounded up to whole seconds) for the table's metadata
     * lock.
     *
     * <p>Until {@link #resolve()} has lower-cased them, an {@code UPDATE} of a row stored with an upper-case hash is
     * refused by the database (PostgreSQL and MariaDB check the whole new row), whichever column it changes.
     *
     * @return {@link Outcome#ALREADY_DONE} if the check (or an equivalent one) is in place, validated or not
     * @throws MigrationException when the lock was never granted, or on an SQL error
     */
    public StepResult addHashCheck() {
        return constraints.addHashCheck();
    }

    /**
     * Moves all but the oldest row of every duplicate group into the quarantine table (created if absent) and
     * lower-cases stored hashes that are not: planned once per pass, moved in keyset batches of
     * {@link Builder#batchSize} rows, each its own transaction (rows locked and compared again, the {@link ChildRows}
     * hook, the referencing foreign keys checked, then one move per database). Ends when a pass finds nothing left;
     * fails after {@link Builder#resolvePasses} passes that each found more, naming the rows that keep coming. A
     * batch whose locks are not granted within the lock timeout, or that deadlocks, is retried (up to 5 times in a
     * row).
     *
     * @return rows moved, hashes lower-cased and batches committed; {@link Outcome#ALREADY_DONE} when there was
     *     nothing to do; on a dry run what would be done
     * @throws SchemaMismatchException when a pre-flight check refuses the table (nothing moved)
     * @throws MigrationException on an SQL error, a failing {@link ChildRows} hook or child rows left referencing a
     *     removed row (that batch rolled back), another migration of the table, or duplicates that keep coming
     */
    public StepResult resolve() {
        return resolver.resolve();
    }

    /**
     * Builds the unique key {@link #constraintName()} online on the key columns, resolving first what is left, and
     * cleaning up after and retrying a build that a duplicate slipped into (up to {@link Builder#indexAttempts}).
     * PostgreSQL's build waits for every transaction older than itself, so a host transaction left open stalls it.
     *
     * @return builds attempted, invalid indexes dropped, rows resolved between attempts
     * @throws SchemaMismatchException when a pre-flight check refuses the table
     * @throws MigrationException when the last attempt failed too (naming the rows that slipped in) or on another SQL
     *     error; an invalid index is then left for the next call to drop
     */
    public StepResult createUniqueIndex() {
        return indexBuilder.createUniqueIndex();
    }

    /**
     * Attaches the valid unique index as constraint {@link #constraintName()} (PostgreSQL {@code ALTER TABLE ... ADD
     * CONSTRAINT name UNIQUE USING INDEX name}) in a transaction whose lock timeout is {@link Builder#lockTimeout};
     * retried with a growing pause while the table is busy, up to {@link Builder#attachAttempts} times. On MariaDB
     * the unique key {@link #createUniqueIndex()} built already is the constraint.
     *
     * @return {@link Outcome#ALREADY_DONE} if the constraint (or an equivalent one) exists, {@link Outcome#DRY_RUN}
     *     on a dry run
     * @throws IllegalStateException if no valid index exists yet: run {@link #createUniqueIndex()} first
     * @throws MigrationException when the lock was never granted, or on an SQL error
     */
    public StepResult attachConstraint() {
        return constraints.attachConstraint();
    }

    /**
     * Proves that no stored hash violates the hash check, the last step: PostgreSQL {@code VALIDATE CONSTRAINT}, which
     * scans the table under a lock writers do not wait for; MariaDB, which records no validation, counts the stored
     * hashes that are not lower case, which must be none (the check then counts as valid in {@link #status()}).
     *
     * @return {@link Outcome#ALREADY_DONE} if the check is validated (on MariaDB: no stored hash violates it)
     * @throws IllegalStateException if there is no hash check yet (run {@link #addHashCheck()} first), or stored hashes
     *     are not lower case yet (run {@link #resolve()} first; the message names the newest such rows)
     * @throws MigrationException on an SQL error
     */
    public StepResult validateHashCheck() {
        return constraints.validateHashCheck();
    }

    /**
     * Runs every step in order: report, add the hash check, resolve, create the index, attach the constraint,
     * validate the hash check. On a table already migrated it changes nothing.
     *
     * @return the report before, each step's result, and the status after
     * @throws MigrationException from the failing step; run again after fixing the cause
     */
    public MigrationRun run() {
        DuplicateReport before = report();
        ctx.emit(Step.REPORT, before.rowsToRemove(), before.rowsToRemove(), before.totalRows() + " rows, "
                + before.duplicateGroups() + " duplicate groups, " + before.rowsToRemove() + " rows to remove, "
                + before.nonCanonicalHashes() + " hashes not lower case");
        List<StepResult> steps = new ArrayList<>();
        steps.add(addHashCheck());
        steps.add(resolve());
        steps.add(createUniqueIndex());
        steps.add(attachConstraint());
        steps.add(validateHashCheck());
        return new MigrationRun(before, steps, status());
    }

    /**
     * Configures a {@link DedupMigration}; not thread-safe. Names are checked when {@link #build()} (or
     * {@link #doctor()}) runs, before any database work; then it connects once to resolve the table and run the
     * pre-flight checks.
     */
    public static final class Builder {
        final DataSource dataSource;
        private final String table;
        private String id = "id";
        private @Nullable String scope;
        private @Nullable String contentHash;
        private @Nullable String fileName;
        private @Nullable String nameKey;
        private @Nullable String oldestBy;
        private @Nullable String constraintName;
        private @Nullable String quarantineTable;
        private @Nullable String hashCheckName;
        private boolean dryRun;
        private int batchSize = 500;
        private @Nullable ChildRows childRows;
        private @Nullable Consumer<Progress> progress;
        Duration lockTimeout = Duration.ofMillis(500);
        private int indexAttempts = 3;
        private int attachAttempts = 20;
        private int resolvePasses = 3;
        private Duration progressInterval = Duration.ofSeconds(1);
        GuardOptions guardOptions = GuardOptions.builder().build();
        String stripeTable = LibrarySchema.DEFAULT_STRIPE_TABLE;

        private Builder(DataSource dataSource, String table) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
            this.table = table;
        }

        /**
         * @param column the id column, an integer primary key (default {@code id})
         * @return this builder
         */
        public Builder id(String column) {
            this.id = column;
            return this;
        }

        /**
         * @param column the scope column (the seed's {@code case_id})
         * @return this builder
         */
        public Builder scope(String column) {
            this.scope = column;
            return this;
        }

        /**
         * @param column the content-hash column (the seed's {@code file_hash})
         * @return this builder
         */
        public Builder contentHash(String column) {
            this.contentHash = column;
            return this;
        }

        /**
         * @param column the file-name column (the seed's {@code original_filename})
         * @return this builder
         */
        public Builder fileName(String column) {
            this.fileName = column;
            return this;
        }

        /**
         * @param column the name-key column the guard maps for a name policy other than {@code EXACT} (the SHA-256 of
         *     the policy-normalised name): rows are grouped, and the unique key built, on it instead of the file name
         *     (default: none)
         * @return this builder
         */
        public Builder nameKey(String column) {
            this.nameKey = column;
            return this;
        }

        /**
         * @param column the column that orders a duplicate group, smallest first (e.g. an upload timestamp); rows
         *     where it is null count as newest; default: the id column
         * @return this builder
         */
        public Builder oldestBy(String column) {
            this.oldestBy = column;
            return this;
        }

        /**
         * @param name the unique constraint to create (default {@code uq_<table>_duplicate}, quoted if the table's
         *     name is)
         * @return this builder
         */
        public Builder constraintName(String name) {
            this.constraintName = name;
            return this;
        }

        /**
         * @param name the quarantine table, created in the host table's schema (default {@code <table>_quarantine})
         * @return this builder
         */
        public Builder quarantineTable(String name) {
            this.quarantineTable = name;
            return this;
        }

        /**
         * @param name the canonical-hash CHECK constraint to create (default {@code ck_<table>_hash_lower})
         * @return this builder
         */
        public Builder hashCheckName(String name) {
            this.hashCheckName = name;
            return this;
        }

        /**
         * @param dryRun whether every step only reports what it would do (default false)
         * @return this builder
         */
        public Builder dryRun(boolean dryRun) {
            this.dryRun = dryRun;
            return this;
        }

        /**
         * @param rows rows moved per transaction, 1 to 100,000 (default 500)
         * @return this builder
         */
        public Builder batchSize(int rows) {
            if (rows < 1 || rows > 100_000) {
                throw new IllegalArgumentException("batchSize must be 1 to 100000, was " + rows);
            }
            this.batchSize = rows;
            return this;
        }

        /**
         * @param hook called per removed row before it is moved, in the same transaction; required when foreign keys
         *     reference the table ({@link ChildRows#NONE} if no referencing row points at a duplicate)
         * @return this builder
         */
        public Builder childRows(ChildRows hook) {
            this.childRows = Objects.requireNonNull(hook, "childRows must not be null (use ChildRows.NONE)");
            return this;
        }

        /**
         * @param listener receives progress events of long steps (default: none)
         * @return this builder
         */
        public Builder progress(Consumer<Progress> listener) {
            this.progress = Objects.requireNonNull(listener, "progress must not be null");
            return this;
        }

        /**
         * @param timeout the longest a resolve batch or an {@code ALTER TABLE} waits for a lock before it gives up and
         *     retries, 10 ms to 60 s (default 500 ms): writers queue behind the attach and the hash check for at most
         *     this long (on MariaDB rounded up to whole seconds)
         * @return this builder
         */
        public Builder lockTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 10 || timeout.toMillis() > 60_000) {
                throw new IllegalArgumentException("lockTimeout must be 10 ms to 60 s, was " + timeout);
            }
            this.lockTimeout = timeout;
            return this;
        }

        /**
         * @param attempts index builds before {@link DedupMigration#createUniqueIndex()} gives up, 1 to 100
         *     (default 3)
         * @return this builder
         */
        public Builder indexAttempts(int attempts) {
            if (attempts < 1 || attempts > 100) {
                throw new IllegalArgumentException("indexAttempts must be 1 to 100, was " + attempts);
            }
            this.indexAttempts = attempts;
            return this;
        }

        /**
         * @param attempts {@code ALTER TABLE} attempts before {@link DedupMigration#attachConstraint()} or
         *     {@link DedupMigration#addHashCheck()} gives up, 1 to 1000 (default 20)
         * @return this builder
         */
        public Builder attachAttempts(int attempts) {
            if (attempts < 1 || attempts > 1000) {
                throw new IllegalArgumentException("attachAttempts must be 1 to 1000, was " + attempts);
            }
            this.attachAttempts = attempts;
            return this;
        }

        /**
         * @param passes passes one resolve makes, 1 to 100 (default 3): a pass plans what is left and moves it; a
         *     resolve whose passes keep finding new duplicates fails after this many, naming the newest rows (with
         *     every writer on {@code SELECT_FOR_UPDATE} the first pass leaves nothing)
         * @return this builder
         */
        public Builder resolvePasses(int passes) {
            if (passes < 1 || passes > 100) {
                throw new IllegalArgumentException("resolvePasses must be 1 to 100, was " + passes);
            }
            this.resolvePasses = passes;
            return this;
        }

        /**
         * @param interval how often the index build's progress is polled, 50 ms to 1 min (default 1 s)
         * @return this builder
         */
        public Builder progressInterval(Duration interval) {
            if (interval == null || interval.toMillis() < 50 || interval.toMillis() > 60_000) {
                throw new IllegalArgumentException("progressInterval must be 50 ms to 1 min, was " + interval);
            }
            this.progressInterval = interval;
            return this;
        }

        /**
         * @param options the settings the guard will be built with (strategy, name policy, hash algorithm, lock
         *     stripes), whose {@code build()} checks {@link #doctor()} runs (default: the guard's defaults,
         *     {@code UNIQUE_CONSTRAINT})
         * @return this builder
         */
        public Builder guardOptions(GuardOptions options) {
            this.guardOptions = Objects.requireNonNull(options, "guardOptions must not be null");
            return this;
        }

        /**
         * @param name the guard's stripe table, which {@link #doctor()} checks for {@code SELECT_FOR_UPDATE} (default
         *     {@code dedup_lock_stripe})
         * @return this builder
         */
        public Builder stripeTable(String name) {
            this.stripeTable = Objects.requireNonNull(name, "stripeTable must not be null");
            return this;
        }

        private TableMapping mapping() {
            return new TableMapping(table, id, scope, contentHash, fileName, nameKey, oldestBy, constraintName,
                    quarantineTable, hashCheckName);
        }

        MigrationContext context(MigrationDialect.Database database, MigrationDialect sql) {
            return new MigrationContext(dataSource, database, sql, dryRun, batchSize, childRows, progress, lockTimeout,
                    indexAttempts, attachAttempts, resolvePasses, progressInterval);
        }

        /**
         * Checks the names, then connects once: resolves the table (the search path or current database for an
         * unqualified name) and runs the pre-flight checks, every check that can refuse the migration: the table is a
         * transactional table with the mapped columns (an integer id, a character hash column), no object is in the
         * way of the names the migration creates, an existing quarantine table has the quarantine's columns, the
         * database user may do what the migration does, and no foreign key references the table unless a
         * {@link #childRows ChildRows hook} is given.
         *
         * @return the migration
         * @throws IllegalArgumentException for a missing or malformed name, a name too long for the database, or a
         *     database other than PostgreSQL and MariaDB (named in the message)
         * @throws SchemaMismatchException if the table or a mapped column is missing, or a pre-flight check refuses
         *     the table (every problem and its fix in the message)
         */
        public DedupMigration build() {
            TableMapping mapping = mapping();
            try (Connection c = dataSource.getConnection()) {
                MigrationDialect.Database database = MigrationDialect.Database.of(
                        c.getMetaData().getDatabaseProductName(), c.getMetaData().getDatabaseProductVersion());
                MigrationTarget target = MigrationTarget.resolve(c, database, mapping);
                MigrationContext ctx = context(database, database.dialect(target, lockTimeout));
                ctx.preflight.require(c);
                return new DedupMigration(ctx);
            } catch (SQLException e) {
                throw new MigrationException("cannot check " + table + ": " + MigrationContext.firstLine(e), e);
            }
        }

        /**
         * Examines the table on the live database and changes nothing (one read-only transaction, rolled back): every
         * check the guard's {@code build()} makes (for {@code SELECT_FOR_UPDATE}, which writers use during the
         * migration, and for the strategy of {@link #guardOptions}), every pre-flight check of the migration, and the
         * migration's report: duplicate groups, non-canonical hashes, the unique key, the hash check, invalid indexes,
         * engines, referencing foreign keys, the quarantine. This is what a team runs first when it adopts the guard on
         * an existing database.
         *
         * @return every finding, each with its fix; {@link DoctorReport#render()} prints them
         * @throws IllegalArgumentException for a missing or malformed name
         * @throws MigrationException if the database cannot be reached
         */
        public DoctorReport doctor() {
            return Doctor.examine(this, mapping());
        }
    }
}
