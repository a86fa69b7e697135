package dev.dedupguard.migration;

import dev.dedupguard.spi.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resolve step: keeps the oldest row of every duplicate group, moves the others into the quarantine table, and
 * lower-cases stored hashes that are not, in passes of keyset batches whose cost does not grow with the table:
 * <ol>
 *   <li>plan: one statement ranks the whole table once and writes every (removed id, kept id) pair into a temporary
 *       table; nothing is locked, and with {@link ChildRows#NONE} the plan is checked against every referencing
 *       foreign key before anything moves;</li>
 *   <li>batches, each its own READ COMMITTED transaction: the next {@code batchSize} pairs of the plan by removed id
 *       (keyset, never a re-rank), both rows of each pair locked and their keys compared again (a row changed or
 *       deleted meanwhile is left for the next pass), the {@link ChildRows} hook, the referencing foreign keys
 *       checked, then the removed rows moved into the quarantine in one statement per database;</li>
 *   <li>hashes: the non-canonical hashes lower-cased, in keyset batches by id;</li>
 *   <li>the next pass plans again. A pass whose plan is empty and finds every hash lower case ends the step; after
 *       {@code resolvePasses} passes that each found more, the step fails, naming the newest rows that keep coming,
 *       which something inserts without the guard.</li>
 * </ol>
 * Interrupting it is safe: every committed batch is complete, and the next call plans from what it finds.
 */
final class Resolver {
    private final MigrationContext ctx;
    private final MigrationDialect sql;
    private final Reporter reporter;

    Resolver(MigrationContext ctx, Reporter reporter) {
        this.ctx = ctx;
        this.sql = ctx.sql;
        this.reporter = reporter;
    }

    /**
     * What a resolve did.
     *
     * @param moved rows moved into quarantine
     * @param rewritten hashes lower-cased
     * @param batches batches that moved rows
     * @param passes passes that found work
     * @param newest descriptions of the newest rows moved, when asked for (see {@link #run})
     */
    record Resolution(long moved, long rewritten, int batches, int passes, List<String> newest) {
    }

    StepResult resolve() {
        long start = System.nanoTime();
        try (MigrationConnection mc = ctx.open()) {
            if (ctx.dryRun) {
                ctx.preflight.require(mc.c);
                DuplicateReport r = reporter.report(mc);
                boolean nothing = r.rowsToRemove() == 0 && r.nonCanonicalHashes() == 0;
                return ctx.result(Step.RESOLVE, nothing ? Outcome.ALREADY_DONE : Outcome.DRY_RUN, r.rowsToRemove(),
                        r.nonCanonicalHashes(), 0, 0, start, nothing ? "no duplicates, every hash lower case"
                                : "would move " + r.rowsToRemove() + " rows of " + r.duplicateGroups()
                                + " duplicate groups into " + ctx.target.quarantine() + " and lower-case "
                                + r.nonCanonicalHashes() + " hashes");
            }
            Resolution r = mc.locked(Step.RESOLVE, () -> {
                ctx.preflight.require(mc.c);
                return run(mc, false);
            });
            boolean nothing = r.moved() == 0 && r.rewritten() == 0;
            return ctx.result(Step.RESOLVE, nothing ? Outcome.ALREADY_DONE : Outcome.DONE, r.moved(), r.rewritten(),
                    r.batches(), 0, start, nothing ? "no duplicates, every hash lower case" : "moved " + r.moved()
                            + " rows into " + ctx.target.quarantine() + " in " + r.batches() + " batches, lower-cased "
                            + r.rewritten() + " hashes (" + r.passes() + " pass" + (r.passes() == 1 ? "" : "es")
                            + ")");
        } catch (SQLException e) {
            throw ctx.failed(Step.RESOLVE, e);
        }
    }

    /**
     * Resolves on {@code mc}, which holds the migration's lock.
     *
     * @param describe whether to describe the newest rows moved (for the index build's message, where every row moved
     *     is one that slipped in during the build)
     */
    Resolution run(MigrationConnection mc, boolean describe) throws SQLException {
        mc.executeAll(sql.createWorkTables());
        Throwable failure = null;
        try {
            List<ReferencingKey> keys = Catalog.foreignKeys(mc.c, sql);
            long[] done = new long[3];
            long planned = 0;
            List<String> newest = new ArrayList<>();
            boolean quarantineReady = false;
            for (int pass = 1; ; pass++) {
                List<String> plan = sql.makePlan();
                mc.execute(plan.get(0));
                long pairs;
                try (PreparedStatement ps = mc.prepare(plan.get(1))) {
                    pairs = ps.executeUpdate();
                }
                mc.execute(plan.get(2));
                long[] firstRewrite = mc.queryLongs(sql.rewriteSlice(), Long.MIN_VALUE, ctx.batchSize);
                if (pairs == 0 && firstRewrite[1] == 0) {
                    return new Resolution(done[0], done[1], (int) done[2], pass - 1, newest);
                }
                if (pass > ctx.resolvePasses) {
                    throw keepComing(mc, pass - 1, pairs);
                }
                if (pairs > 0) {
                    if (!quarantineReady) {
                        mc.execute(sql.createQuarantine());
                        quarantineReady = true;
                    }
                    if (ctx.childRows == ChildRows.NONE) {
                        requireNoChildren(mc, keys);
                    }
                    planned += pairs;
                    ctx.emit(Step.RESOLVE, done[0], planned, (pass == 1 ? "moving " : "pass " + pass + ": moving ")
                            + pairs + " duplicate rows into " + ctx.target.quarantine() + " in batches of "
                            + ctx.batchSize);
                    moveAll(mc, keys, done, planned, describe ? newest : null);
                }
                done[1] += rewriteAll(mc, firstRewrite);
            }
        } catch (SQLException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            try {
                mc.executeAll(sql.dropWorkTables());
            } catch (SQLException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }

    private void moveAll(MigrationConnection mc, List<ReferencingKey> keys, long[] done, long planned,
            List<String> newest) throws SQLException {
        long after = Long.MIN_VALUE;
        while (true) {
            long[] slice = mc.queryLongs(sql.planSlice(), after, ctx.batchSize);
            if (slice[1] == 0) {
                return;
            }
            long from = after;
            long to = slice[0];
            int moved = mc.transaction(() -> moveBatch(mc, keys, from, to, newest), why -> ctx.emit(Step.RESOLVE,
                    done[0], planned, why));
            after = to;
            done[0] += moved;
            done[2] += moved > 0 ? 1 : 0;
            ctx.emit(Step.RESOLVE, done[0], Math.max(planned, done[0]), "moved " + done[0] + " of "
                    + Math.max(planned, done[0]) + " rows");
        }
    }

    /** Moves the plan's pairs with removed ids in ({@code from}, {@code to}]; in the connection's transaction. */
    private int moveBatch(MigrationConnection mc, List<ReferencingKey> keys, long from, long to, List<String> newest)
            throws SQLException {
        Map<Long, Long> locked = new LinkedHashMap<>();
        try (PreparedStatement ps = mc.prepare(sql.lockPairs(), from, to); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                locked.put(rs.getLong(1), rs.getLong(2));
            }
        }
        if (locked.isEmpty()) {
            return 0;
        }
        ChildRows hook = ctx.childRows == null ? ChildRows.NONE : ctx.childRows;
        for (Map.Entry<Long, Long> pair : locked.entrySet()) {
            try {
                hook.repoint(mc.c, pair.getKey(), pair.getValue());
            } catch (SQLException | RuntimeException e) {
                throw new MigrationException("ChildRows hook failed for removed id " + pair.getKey() + " (kept id "
                        + pair.getValue() + "); the batch was rolled back, nothing of it moved", e);
            }
        }
        long[] removed = locked.keySet().stream().mapToLong(Long::longValue).toArray();
        long[] kept = locked.values().stream().mapToLong(Long::longValue).toArray();
        sql.stagePairs(mc.c, removed, kept);
        for (ReferencingKey key : keys) {
            long[] children = queryPairs(mc, sql.childRows(key), removed, kept);
            if (children[0] > 0) {
                throw new MigrationException("RESOLVE on " + ctx.table() + ": " + children[0] + " rows of "
                        + key.childSchema() + "." + key.childTable() + " still reference rows about to be removed"
                        + " (e.g. id " + children[1] + ") through " + key.describe() + "; removing them "
                        + key.consequence() + ". Re-point them in the ChildRows hook. The batch was rolled back,"
                        + " nothing of it moved", null);
            }
        }
        if (newest != null) {
            newest.clear();
            newest.addAll(describe(mc, removed, kept));
        }
        for (String statement : sql.move()) {
            try (PreparedStatement ps = mc.prepare(statement)) {
                sql.bindPairs(ps, 1, removed, kept);
                int n = ps.executeUpdate();
                if (n != removed.length) {
                    throw new SQLException("moved " + n + " rows but had locked " + removed.length);
                }
            }
        }
        return removed.length;
    }

    /**
     * Lower-cases every non-canonical hash, in keyset batches by id, the first batch being {@code first} (the last id
     * and the count of the first slice, read before the pass moved anything); returns how many.
     */
    private long rewriteAll(MigrationConnection mc, long[] first) throws SQLException {
        long after = Long.MIN_VALUE;
        long rewritten = 0;
        long[] slice = first;
        while (true) {
            if (slice[1] == 0) {
                return rewritten;
            }
            long from = after;
            long to = slice[0];
            try {
                rewritten += mc.transaction(() -> {
                    try (PreparedStatement ps = mc.prepare(sql.rewriteHashes(), from, to)) {
                        return ps.executeUpdate();
                    }
                }, why -> ctx.emit(Step.RESOLVE, -1, -1, why));
            } catch (SQLException e) {
                if (sql.kindOf(e) != StorageException.Kind.UNIQUE_VIOLATION) {
                    throw e;
                }
                ctx.emit(Step.RESOLVE, -1, -1, "a lower-case twin of a hash in ids " + (from + 1) + ".." + to
                        + " appeared meanwhile; the next pass quarantines it first");
            }
            after = to;
            slice = mc.queryLongs(sql.rewriteSlice(), after, ctx.batchSize);
        }
    }

    private void requireNoChildren(MigrationConnection mc, List<ReferencingKey> keys) throws SQLException {
        for (ReferencingKey key : keys) {
            long[] children = mc.queryLongs(sql.childRowsOfPlan(key));
            if (children[0] > 0) {
                throw new MigrationException("RESOLVE on " + ctx.table() + ": " + children[0] + " rows of "
                        + key.childSchema() + "." + key.childTable() + " reference duplicates the migration would"
                        + " remove (e.g. id " + children[1] + ") through " + key.describe() + ", so ChildRows.NONE"
                        + " does not fit: removing them " + key.consequence() + ". Give a ChildRows hook that"
                        + " re-points them to the kept row. Nothing was moved", null);
            }
        }
    }

    /** The failure of a pass limit: names the newest rows that keep coming, which bypass the guard. */
    private MigrationException keepComing(MigrationConnection mc, int passes, long pairs) throws SQLException {
        List<long[]> rows = new ArrayList<>();
        try (PreparedStatement ps = mc.prepare(pairs > 0 ? sql.newestOfPlan() : sql.newestNonCanonical());
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(new long[] {rs.getLong(1), rs.getLong(2)});
            }
        }
        long[] removed = rows.stream().mapToLong(r -> r[0]).toArray();
        long[] kept = rows.stream().mapToLong(r -> r[1]).toArray();
        sql.stagePairs(mc.c, removed, kept);
        return new MigrationException("RESOLVE on " + ctx.table() + ": duplicates keep appearing. After " + passes
                + " passes (resolvePasses) there are " + pairs + " more rows to move"
                + (pairs > 0 ? "" : " and hashes that are not lower case") + "; the newest: "
                + String.join("; ", describe(mc, removed, kept)) + ". Something inserts into " + ctx.target.qualified()
                + " without the guard's SELECT_FOR_UPDATE (or stores hashes in upper case): stop it or route it"
                + " through the guard, then run the migration again. Every row moved so far is in "
                + ctx.target.quarantine(), null);
    }

    /** The staged pairs' removed rows as {@code id 7 (duplicate of 3): {...}}, newest first, at most three. */
    private List<String> describe(MigrationConnection mc, long[] removed, long[] kept) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = mc.prepare(sql.rowsOfPairs())) {
            sql.bindPairs(ps, 1, removed, kept);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next() && out.size() < 3) {
                    out.add("id " + rs.getLong(1) + (rs.getLong(1) == rs.getLong(2) ? "" : " (duplicate of "
                            + rs.getLong(2) + ")") + ": " + rs.getString(3));
                }
            }
        }
        return out;
    }

    private long[] queryPairs(MigrationConnection mc, String statement, long[] removed, long[] kept)
            throws SQLException {
        try (PreparedStatement ps = mc.prepare(statement)) {
            sql.bindPairs(ps, 1, removed, kept);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }
}
