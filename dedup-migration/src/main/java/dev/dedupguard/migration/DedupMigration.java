package dev.dedupguard.migration;

import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Puts the unique constraint on a live host table that already holds duplicates, without blocking its writers and
 * without losing a row. <strong>PostgreSQL only</strong> (MariaDB is planned; H2 is refused by {@link Builder#build()}).
 *
 * <p>While it runs, the host's writers must register through a guard with {@link Strategy#SELECT_FOR_UPDATE}: it keeps
 * new duplicates out without any constraint, and its stripe locks and inserts do not conflict with resolving or with
 * the concurrent index build (only the final attach makes them wait, for at most the lock timeout).
 * A failed concurrent index build leaves an index that enforces nothing, so the guard is the only protection until
 * {@link #attachConstraint()} has run; after it, writers may switch to {@link Strategy#UNIQUE_CONSTRAINT}.
 *
 * <p>The steps, each resumable and idempotent (each first reads {@link #status()} and does only what is left, so a
 * second run changes nothing):
 * <ol>
 *   <li>{@link #report()}: exact counts of duplicate groups and rows to remove, per scope. Changes nothing.</li>
 *   <li>{@link #resolve()}: keeps the oldest row of each group and moves every other one, with its full row content
 *       ({@code to_jsonb}), its id, the kept id and the time, into the quarantine table, in batches: one transaction
 *       per batch, the rows locked, the {@link ChildRows} hook called per row, then one
 *       {@code WITH moved AS (DELETE ... RETURNING ...) INSERT INTO quarantine ...} statement.</li>
 *   <li>{@link #createUniqueIndex()}: {@code CREATE UNIQUE INDEX CONCURRENTLY} on an auto-commit connection (it
 *       cannot run in a transaction and waits for every older open transaction). If it fails on a duplicate that
 *       slipped in meanwhile, or leaves an invalid index, that index is dropped ({@code DROP INDEX CONCURRENTLY}),
 *       the new duplicates resolved, and the build retried, up to {@link Builder#indexAttempts}.</li>
 *   <li>{@link #attachConstraint()}: {@code ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name} under a
 *       short {@code lock_timeout}, retried while the table's lock is busy. It needs an ACCESS EXCLUSIVE lock for a
 *       moment only; writers queue behind it for at most the lock timeout.</li>
 * </ol>
 * {@link #run()} takes them in that order. With {@link Builder#dryRun(boolean) dryRun(true)} every step reports what
 * it would do and changes nothing (not even the quarantine table is created).
 *
 * <p>A removed row is restored with
 * {@code INSERT INTO case_file SELECT (jsonb_populate_record(NULL::case_file, row_data)).* FROM
 * case_file_quarantine WHERE removed_id = ?} (into a copy of the table while the constraint is on, since it is a
 * duplicate).
 *
 * <p>Connections: every call takes one connection from the {@link DataSource} and hands it back as it was
 * (auto-commit, isolation); {@link #createUniqueIndex()} takes a second one to poll the build's progress when a
 * {@link Builder#progress progress listener} is set. Mutating steps hold a session advisory lock on the table's name,
 * so two migrations of one table cannot interleave: the second fails at once with {@link MigrationException}.
 * Instances are immutable and thread-safe.
 */
public final class DedupMigration {
    private static final Set<String> INTEGER_TYPES = Set.of("smallint", "integer", "bigint");

    private final DataSource dataSource;
    private final MigrationTable table;
    private final MigrationSql sql;
    private final boolean dryRun;
    private final int batchSize;
    private final ChildRows childRows;
    private final Consumer<Progress> progress;
    private final Duration lockTimeout;
    private final int indexAttempts;
    private final int attachAttempts;
    private final Duration progressInterval;

    private DedupMigration(Builder b) {
        this.dataSource = b.dataSource;
        this.table = b.table;
        this.sql = b.sql;
        this.dryRun = b.dryRun;
        this.batchSize = b.batchSize;
        this.childRows = b.childRows;
        this.progress = b.progress;
        this.lockTimeout = b.lockTimeout;
        this.indexAttempts = b.indexAttempts;
        this.attachAttempts = b.attachAttempts;
        this.progressInterval = b.progressInterval;
    }

    /**
     * Starts a migration of {@code table} on {@code dataSource}.
     *
     * @param dataSource a PostgreSQL data source; each call takes one connection and gives it back
     * @param table the host table and the names to use
     * @return a builder with defaults: batches of 500 rows, lock timeout 500 ms, 3 index builds, 20 attach attempts
     */
    public static Builder forTable(DataSource dataSource, MigrationTable table) {
        return new Builder(dataSource, table);
    }

    /** @return the table this migration works on */
    public MigrationTable table() {
        return table;
    }

    /** @return whether this is a dry run, which changes nothing */
    public boolean dryRun() {
        return dryRun;
    }

    /**
     * Counts the duplicates now, exactly, in one read-only statement (plus one for the row count).
     *
     * @return groups and rows to remove, in all and per scope
     * @throws MigrationException on an SQL error
     */
    public DuplicateReport report() {
        try (Connection c = dataSource.getConnection()) {
            return report(c);
        } catch (SQLException e) {
            throw failed(Step.REPORT, e);
        }
    }

    private DuplicateReport report(Connection c) throws SQLException {
        List<DuplicateReport.ScopeDuplicates> scopes = new ArrayList<>();
        long groups = 0;
        long rows = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.duplicatesByScope())) {
            while (rs.next()) {
                DuplicateReport.ScopeDuplicates d =
                        new DuplicateReport.ScopeDuplicates(rs.getString(1), rs.getLong(2), rs.getLong(3));
                scopes.add(d);
                groups += d.duplicateGroups();
                rows += d.rowsToRemove();
            }
        }
        return new DuplicateReport(table.qualifiedName(), queryLong(c, sql.totalRows()), groups, rows, scopes);
    }

    /**
     * Reads where the migration stands: duplicates left, the unique index's state, the constraint, the quarantine.
     *
     * @return the current state
     * @throws MigrationException on an SQL error, or when an index or constraint of the configured name exists but
     *     does not fit (another table, not unique, other columns)
     */
    public MigrationStatus status() {
        try (Connection c = dataSource.getConnection()) {
            return status(c);
        } catch (SQLException e) {
            throw failed(Step.REPORT, e);
        }
    }

    private MigrationStatus status(Connection c) throws SQLException {
        long groups;
        long rows;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.duplicateTotals())) {
            rs.next();
            groups = rs.getLong(1);
            rows = rs.getLong(2);
        }
        return new MigrationStatus(table.qualifiedName(), groups, rows, indexState(c), constraintPresent(c),
                quarantineExists(c) ? queryLong(c, sql.quarantinedRows()) : 0);
    }

    private String expectedColumns() {
        return table.scope() + "," + table.contentHash() + "," + table.fileName();
    }

    private MigrationStatus.IndexState indexState(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.indexState())) {
            ps.setString(1, sql.tableRegclass());
            ps.setString(2, table.constraintName());
            ps.setString(3, sql.tableRegclass());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return MigrationStatus.IndexState.ABSENT;
                }
                String name = table.constraintName();
                if (!rs.getBoolean(1)) {
                    throw new MigrationException("an index or table named " + name + " exists but is not an index on "
                            + table.qualifiedName() + "; choose another constraintName", null);
                }
                if (!rs.getBoolean(4) || !rs.getBoolean(5) || !expectedColumns().equals(rs.getString(6))) {
                    throw new MigrationException("index " + name + " on " + table.qualifiedName() + " is not a plain "
                            + "unique index on (" + expectedColumns() + ") but on (" + rs.getString(6) + "); drop it "
                            + "or choose another constraintName", null);
                }
                return rs.getBoolean(2) && rs.getBoolean(3)
                        ? MigrationStatus.IndexState.VALID : MigrationStatus.IndexState.INVALID;
            }
        }
    }

    private boolean constraintPresent(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.constraintState())) {
            ps.setString(1, sql.tableRegclass());
            ps.setString(2, table.constraintName());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                if (!"u".equals(rs.getString(1)) || !expectedColumns().equals(rs.getString(2))) {
                    throw new MigrationException("constraint " + table.constraintName() + " on "
                            + table.qualifiedName() + " exists but is not UNIQUE (" + expectedColumns() + ")", null);
                }
                return true;
            }
        }
    }

    private boolean quarantineExists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.quarantineExists())) {
            ps.setString(1, sql.quarantineRegclass());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1) != null;
            }
        }
    }

    /**
     * Moves all but the oldest row of every duplicate group into the quarantine table (created if absent), in
     * batches of {@link Builder#batchSize}, each in its own READ COMMITTED transaction:
     * <ol>
     *   <li>{@code SET LOCAL lock_timeout}; pick the next batch of (removed id, kept id) pairs;</li>
     *   <li>lock both rows of each pair and keep only pairs whose keys still match (a row changed or deleted
     *       meanwhile is left for the next batch to judge);</li>
     *   <li>call the {@link ChildRows} hook per pair;</li>
     *   <li>delete the removed rows and insert them into the quarantine in one statement; commit.</li>
     * </ol>
     * Ends when no duplicate is left. Interrupting it is safe: every committed batch is complete, and the next call
     * goes on from there. A batch whose locks are not granted within the lock timeout, or that deadlocks with another
     * transaction, is rolled back and retried (up to 5 times in a row).
     *
     * @return rows moved and batches committed; {@link Outcome#ALREADY_DONE} when there were no duplicates; on a dry
     *     run the rows that would be moved
     * @throws MigrationException on an SQL error or a failing {@link ChildRows} hook (the batch is rolled back)
     */
    public StepResult resolve() {
        long start = System.nanoTime();
        if (dryRun) {
            DuplicateReport r = report();
            return result(Step.RESOLVE, r.rowsToRemove() == 0 ? Outcome.ALREADY_DONE : Outcome.DRY_RUN,
                    r.rowsToRemove(), 0, 0, start, r.rowsToRemove() == 0 ? "no duplicates" : "would move "
                            + r.rowsToRemove() + " rows of " + r.duplicateGroups() + " duplicate groups into "
                            + table.quarantineTable());
        }
        try (Connection c = dataSource.getConnection()) {
            long[] moved = locked(c, Step.RESOLVE, () -> resolve(c));
            return result(Step.RESOLVE, moved[0] == 0 ? Outcome.ALREADY_DONE : Outcome.DONE, moved[0],
                    (int) moved[1], 0, start, moved[0] == 0 ? "no duplicates"
                            : "moved " + moved[0] + " rows into " + table.quarantineTable() + " in " + moved[1]
                                    + " batches");
        } catch (SQLException e) {
            throw failed(Step.RESOLVE, e);
        }
    }

    /** Returns {rows moved, batches}. */
    private long[] resolve(Connection c) throws SQLException {
        long total;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.duplicateTotals())) {
            rs.next();
            total = rs.getLong(2);
        }
        if (total == 0) {
            return new long[] {0, 0};
        }
        try (Statement s = c.createStatement()) {
            s.execute(sql.createQuarantine());
        }
        progress.accept(new Progress(Step.RESOLVE, 0, total, "moving " + total + " duplicate rows into "
                + table.quarantineTable() + " in batches of " + batchSize));
        boolean autoCommit = c.getAutoCommit();
        int isolation = c.getTransactionIsolation();
        long moved = 0;
        long batches = 0;
        int failures = 0;
        int emptyBatches = 0;
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            while (true) {
                int n;
                try {
                    n = moveBatch(c);
                    c.commit();
                    failures = 0;
                } catch (SQLException e) {
                    c.rollback();
                    if (!sql.isLockTimeout(e) && !sql.isDeadlock(e) || ++failures >= 5) {
                        throw e;
                    }
                    progress.accept(new Progress(Step.RESOLVE, moved, total, (sql.isDeadlock(e) ? "deadlock with "
                            + "another transaction" : "rows locked by another transaction for over "
                            + lockTimeout.toMillis() + " ms") + "; retrying the batch"));
                    pause(200L * failures);
                    continue;
                } catch (RuntimeException e) {
                    c.rollback();
                    throw e;
                }
                if (n < 0) {
                    break;
                }
                if (n == 0 && ++emptyBatches >= 5) {
                    throw new MigrationException("RESOLVE on " + table.qualifiedName() + ": 5 batches in a row found "
                            + "duplicates whose rows changed before they could be locked; is another process "
                            + "rewriting their keys? Run resolve() again when it has stopped", null);
                }
                if (n > 0) {
                    emptyBatches = 0;
                }
                moved += n;
                batches += n > 0 ? 1 : 0;
                progress.accept(new Progress(Step.RESOLVE, moved, Math.max(total, moved), "moved " + moved + " of "
                        + Math.max(total, moved) + " rows"));
            }
        } finally {
            c.setTransactionIsolation(isolation);
            c.setAutoCommit(autoCommit);
        }
        return new long[] {moved, batches};
    }

    /** Moves one batch in the connection's open transaction; -1 when no duplicate is left. */
    private int moveBatch(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.setLocalLockTimeout())) {
            ps.setString(1, lockTimeout.toMillis() + "ms");
            ps.execute();
        }
        Map<Long, Long> pairs = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.victims())) {
            ps.setInt(1, batchSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pairs.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        if (pairs.isEmpty()) {
            return -1;
        }
        Map<Long, Long> locked = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.lockPairs())) {
            ps.setArray(1, longArray(c, pairs.keySet()));
            ps.setArray(2, longArray(c, pairs.values()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        if (locked.isEmpty()) {
            return 0;
        }
        for (Map.Entry<Long, Long> pair : locked.entrySet()) {
            try {
                childRows.repoint(c, pair.getKey(), pair.getValue());
            } catch (SQLException | RuntimeException e) {
                throw new MigrationException("ChildRows hook failed for removed id " + pair.getKey() + " (kept id "
                        + pair.getValue() + "); the batch was rolled back, nothing of it moved", e);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(sql.move())) {
            Array removed = longArray(c, locked.keySet());
            ps.setArray(1, removed);
            ps.setArray(2, removed);
            ps.setArray(3, longArray(c, locked.values()));
            int n = ps.executeUpdate();
            if (n != locked.size()) {
                throw new SQLException("moved " + n + " rows but had locked " + locked.size());
            }
            return n;
        }
    }

    private static Array longArray(Connection c, java.util.Collection<Long> values) throws SQLException {
        return c.createArrayOf("bigint", values.toArray(new Long[0]));
    }

    /**
     * Builds the unique index {@link MigrationTable#constraintName()} on the key columns with
     * {@code CREATE UNIQUE INDEX CONCURRENTLY}:
     * <ol>
     *   <li>if the constraint exists or the index is already valid: nothing to do;</li>
     *   <li>if an invalid index of that name is left from a failed build: {@code DROP INDEX CONCURRENTLY};</li>
     *   <li>if duplicates exist: {@link #resolve()} them;</li>
     *   <li>build, on an auto-commit connection; then read {@code pg_index.indisvalid}/{@code indisready};</li>
     *   <li>if the build failed on a duplicate (SQLSTATE 23505) or left an invalid index: back to step 2, up to
     *       {@link Builder#indexAttempts} builds.</li>
     * </ol>
     * The build waits for every transaction older than itself, so a host transaction left open stalls it.
     *
     * @return builds attempted, invalid indexes dropped, rows resolved between attempts
     * @throws MigrationException when the last attempt failed too or on another SQL error; the invalid index is then
     *     left for the next call to drop
     */
    public StepResult createUniqueIndex() {
        long start = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            MigrationStatus s = status(c);
            if (s.constraintPresent() || s.index() == MigrationStatus.IndexState.VALID) {
                return result(Step.CREATE_INDEX, Outcome.ALREADY_DONE, 0, 0, 0, start, s.constraintPresent()
                        ? "constraint " + table.constraintName() + " exists" : "index " + table.constraintName()
                        + " exists and is valid");
            }
            if (dryRun) {
                return result(Step.CREATE_INDEX, Outcome.DRY_RUN, s.rowsToRemove(), 0, 0, start,
                        (s.index() == MigrationStatus.IndexState.INVALID ? "would drop the invalid index "
                                + table.constraintName() + ", then " : "would ")
                                + "run CREATE UNIQUE INDEX CONCURRENTLY " + table.constraintName() + " on "
                                + table.qualifiedName() + " (" + expectedColumns() + ")");
            }
            return locked(c, Step.CREATE_INDEX, () -> buildIndex(c, start));
        } catch (SQLException e) {
            throw failed(Step.CREATE_INDEX, e);
        }
    }

    private StepResult buildIndex(Connection c, long start) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        int attempts = 0;
        int dropped = 0;
        long moved = 0;
        try {
            while (true) {
                c.setAutoCommit(true);
                if (indexState(c) == MigrationStatus.IndexState.INVALID) {
                    progress.accept(new Progress(Step.CREATE_INDEX, -1, -1, "dropping the invalid index "
                            + table.constraintName() + " (DROP INDEX CONCURRENTLY)"));
                    execute(c, sql.dropIndexConcurrently());
                    dropped++;
                }
                moved += resolve(c)[0];
                c.setAutoCommit(true);
                attempts++;
                progress.accept(new Progress(Step.CREATE_INDEX, -1, -1, "building unique index "
                        + table.constraintName() + " concurrently (attempt " + attempts + " of " + indexAttempts
                        + "; waits for older transactions)"));
                SQLException failure = null;
                BuildProgress poller = new BuildProgress(c);
                try {
                    execute(c, sql.createIndexConcurrently());
                } catch (SQLException e) {
                    if (!sql.isUniqueViolation(e)) {
                        throw e;
                    }
                    failure = e;
                } finally {
                    poller.stop();
                }
                MigrationStatus.IndexState state = indexState(c);
                if (failure == null && state == MigrationStatus.IndexState.VALID) {
                    return result(Step.CREATE_INDEX, Outcome.DONE, moved, attempts, dropped, start, "built "
                            + table.constraintName() + " in " + attempts + " attempt" + (attempts == 1 ? "" : "s")
                            + (dropped == 0 ? "" : ", dropped " + dropped + " invalid index" + (dropped == 1 ? ""
                            : "es")) + (moved == 0 ? "" : ", resolved " + moved + " new duplicate rows"));
                }
                String why = failure != null ? "a duplicate was inserted during the build (" + firstLine(failure)
                        + ")" : "the build left an index that is not valid";
                if (attempts >= indexAttempts) {
                    throw new MigrationException("CREATE UNIQUE INDEX CONCURRENTLY " + table.constraintName()
                            + " failed " + attempts + " times, last because " + why + "; the invalid index is left "
                            + "and the next createUniqueIndex() drops it. Are all writers using SELECT_FOR_UPDATE?",
                            failure);
                }
                progress.accept(new Progress(Step.CREATE_INDEX, -1, -1, "build failed: " + why
                        + "; the index enforces nothing, dropping it and resolving"));
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Attaches the valid unique index as constraint {@link MigrationTable#constraintName()} with
     * {@code ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name}, in a transaction whose
     * {@code lock_timeout} is {@link Builder#lockTimeout}; retried with a growing pause while the lock is busy, up
     * to {@link Builder#attachAttempts} times.
     *
     * @return {@link Outcome#ALREADY_DONE} if the constraint exists, {@link Outcome#DRY_RUN} on a dry run
     * @throws IllegalStateException if no valid index exists yet: run {@link #createUniqueIndex()} first
     * @throws MigrationException when the lock was never granted, or on an SQL error
     */
    public StepResult attachConstraint() {
        long start = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            if (constraintPresent(c)) {
                return result(Step.ATTACH_CONSTRAINT, Outcome.ALREADY_DONE, 0, 0, 0, start, "constraint "
                        + table.constraintName() + " exists");
            }
            if (dryRun) {
                return result(Step.ATTACH_CONSTRAINT, Outcome.DRY_RUN, 0, 0, 0, start, "would run ALTER TABLE "
                        + table.qualifiedName() + " ADD CONSTRAINT " + table.constraintName() + " UNIQUE USING INDEX "
                        + table.constraintName() + " (lock_timeout " + lockTimeout.toMillis() + " ms)");
            }
            if (indexState(c) != MigrationStatus.IndexState.VALID) {
                throw new IllegalStateException("attachConstraint() needs a valid unique index "
                        + table.constraintName() + " on " + table.qualifiedName() + "; run createUniqueIndex() "
                        + "first");
            }
            return locked(c, Step.ATTACH_CONSTRAINT, () -> attach(c, start));
        } catch (SQLException e) {
            throw failed(Step.ATTACH_CONSTRAINT, e);
        }
    }

    private StepResult attach(Connection c, long start) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        try {
            c.setAutoCommit(false);
            for (int attempt = 1; ; attempt++) {
                try {
                    try (PreparedStatement ps = c.prepareStatement(sql.setLocalLockTimeout())) {
                        ps.setString(1, lockTimeout.toMillis() + "ms");
                        ps.execute();
                    }
                    execute(c, sql.attachConstraint());
                    c.commit();
                    return result(Step.ATTACH_CONSTRAINT, Outcome.DONE, 0, attempt, 0, start, "attached "
                            + table.constraintName() + " as the unique constraint" + (attempt == 1 ? ""
                            : " (attempt " + attempt + ")"));
                } catch (SQLException e) {
                    c.rollback();
                    if (!sql.isLockTimeout(e) || attempt >= attachAttempts) {
                        throw e;
                    }
                    progress.accept(new Progress(Step.ATTACH_CONSTRAINT, attempt, attachAttempts, "table lock not "
                            + "granted within " + lockTimeout.toMillis() + " ms; retrying"));
                    pause(Math.min(2000, 100L * attempt));
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Runs every step in order: report, resolve, create the index, attach the constraint. On a table already
     * migrated it changes nothing.
     *
     * @return the report before, each step's result, and the status after
     * @throws MigrationException from the failing step; run again after fixing the cause
     */
    public MigrationRun run() {
        DuplicateReport before = report();
        progress.accept(new Progress(Step.REPORT, before.rowsToRemove(), before.rowsToRemove(), before.totalRows()
                + " rows, " + before.duplicateGroups() + " duplicate groups, " + before.rowsToRemove()
                + " rows to remove"));
        List<StepResult> steps = new ArrayList<>();
        steps.add(resolve());
        steps.add(createUniqueIndex());
        steps.add(attachConstraint());
        return new MigrationRun(before, steps, status());
    }

    private static void execute(Connection c, String statement) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static long queryLong(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String firstLine(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted while waiting to retry", e);
        }
    }

    private StepResult result(Step step, Outcome outcome, long rows, int attempts, int dropped, long startNanos,
            String detail) {
        return new StepResult(step, outcome, rows, attempts, dropped, (System.nanoTime() - startNanos) / 1_000_000,
                detail);
    }

    private MigrationException failed(Step step, SQLException e) {
        return new MigrationException(step + " on " + table.qualifiedName() + " failed: SQLSTATE " + e.getSQLState()
                + " " + firstLine(e) + "; the step can be run again, it starts from the state it finds", e);
    }

    /** Work on one connection that may fail with an SQL error. */
    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} holding the session advisory lock on the table's name, which keeps two migrations of one
     * table apart; fails at once if another session holds it.
     */
    private <T> T locked(Connection c, Step step, SqlWork<T> work) throws SQLException {
        String key = "dedup-migration:" + table.qualifiedName();
        boolean acquired;
        try (PreparedStatement ps = c.prepareStatement(sql.tryLock())) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                acquired = rs.getBoolean(1);
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
        if (!acquired) {
            throw new MigrationException(step + ": another migration of " + table.qualifiedName()
                    + " is running (advisory lock '" + key + "' is held); wait for it to finish", null);
        }
        try {
            return work.run();
        } finally {
            try (PreparedStatement ps = c.prepareStatement(sql.unlock())) {
                ps.setString(1, key);
                ps.execute();
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    /** Polls pg_stat_progress_create_index for the build's backend while it runs; silent without a listener. */
    private final class BuildProgress {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        BuildProgress(Connection build) throws SQLException {
            if (progress == NO_PROGRESS) {
                thread = null;
                return;
            }
            long pid = queryLong(build, sql.backendId());
            thread = new Thread(() -> poll(pid), "dedup-migration-index-progress");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll(long pid) {
            String last = "";
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(sql.indexBuildProgress())) {
                c.setAutoCommit(true);
                ps.setLong(1, pid);
                while (running.get()) {
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            long done = rs.getLong(2);
                            long total = rs.getLong(3);
                            String line = rs.getString(1) + (total > 0 ? String.format(Locale.ROOT, ": %d%%",
                                    done * 100 / total) : "");
                            if (!line.equals(last)) {
                                progress.accept(new Progress(Step.CREATE_INDEX, done, total, line));
                                last = line;
                            }
                        }
                    }
                    Thread.sleep(progressInterval.toMillis());
                }
            } catch (SQLException e) {
                progress.accept(new Progress(Step.CREATE_INDEX, -1, -1, "progress not available: "
                        + firstLine(e)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            if (thread != null) {
                running.set(false);
                thread.interrupt();
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static final Consumer<Progress> NO_PROGRESS = p -> { };

    /**
     * Configures a {@link DedupMigration}; not thread-safe. {@link #build()} checks the settings, then connects
     * once to check the database and the table.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private final MigrationTable table;
        private MigrationSql sql;
        private boolean dryRun;
        private int batchSize = 500;
        private ChildRows childRows = ChildRows.NONE;
        private Consumer<Progress> progress = NO_PROGRESS;
        private Duration lockTimeout = Duration.ofMillis(500);
        private int indexAttempts = 3;
        private int attachAttempts = 20;
        private Duration progressInterval = Duration.ofSeconds(1);

        private Builder(DataSource dataSource, MigrationTable table) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
            this.table = Objects.requireNonNull(table, "table must not be null");
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
         * @param hook called per removed row before it is moved, in the same transaction (default: none)
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
         * @param timeout the longest a resolve batch or the attach statement waits for a lock before it gives up
         *     and retries, 10 ms to 60 s (default 500 ms): writers queue behind the attach for at most this long
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
         * @param attempts {@code ALTER TABLE} attempts before {@link DedupMigration#attachConstraint()} gives up,
         *     1 to 1000 (default 20)
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
         * Connects once and checks that the database is PostgreSQL and that the table and its columns exist.
         *
         * @return the migration
         * @throws IllegalArgumentException if the data source is not PostgreSQL (named in the message)
         * @throws SchemaMismatchException if the table or a mapped column is missing, or the id is not an integer
         */
        public DedupMigration build() {
            try (Connection c = dataSource.getConnection()) {
                String product = c.getMetaData().getDatabaseProductName();
                if (!"PostgreSQL".equals(product)) {
                    throw new IllegalArgumentException("dataSource: DedupMigration supports PostgreSQL only; this "
                            + "data source is " + product + " " + c.getMetaData().getDatabaseProductVersion());
                }
                sql = new PostgresSql(table);
                DedupMigration m = new DedupMigration(this);
                m.checkColumns(c);
                return m;
            } catch (SQLException e) {
                throw new MigrationException("cannot check " + table.qualifiedName() + ": " + firstLine(e), e);
            }
        }
    }

    private void checkColumns(Connection c) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.columns())) {
            ps.setString(1, sql.tableRegclass());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new SchemaMismatchException("table " + table.qualifiedName() + " does not exist (searched as "
                    + sql.tableRegclass() + " in the connection's search_path)");
        }
        for (String column : new String[] {table.id(), table.scope(), table.contentHash(), table.fileName(),
                table.oldestBy()}) {
            if (!columns.containsKey(column)) {
                throw new SchemaMismatchException("table " + table.qualifiedName() + " has no column " + column
                        + "; its columns are " + columns.keySet());
            }
        }
        if (!INTEGER_TYPES.contains(columns.get(table.id()))) {
            throw new SchemaMismatchException("id column " + table.id() + " of " + table.qualifiedName() + " is "
                    + columns.get(table.id()) + "; DedupMigration needs an integer id (smallint, integer, bigint)");
        }
    }
}
