package dev.dedupguard.migration;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The read-only steps: the duplicate report and the status every other step decides from. */
final class Reporter {
    private final MigrationContext ctx;

    Reporter(MigrationContext ctx) {
        this.ctx = ctx;
    }

    /** Exact duplicate groups and rows to remove, per scope, and the non-canonical hashes. */
    DuplicateReport report(MigrationConnection mc) throws SQLException {
        List<DuplicateReport.ScopeDuplicates> scopes = new ArrayList<>();
        long groups = 0;
        long rows = 0;
        try (PreparedStatement ps = mc.prepare(ctx.sql.duplicatesByScope()); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                DuplicateReport.ScopeDuplicates d =
                        new DuplicateReport.ScopeDuplicates(rs.getString(1), rs.getLong(2), rs.getLong(3));
                scopes.add(d);
                groups += d.duplicateGroups();
                rows += d.rowsToRemove();
            }
        }
        return new DuplicateReport(ctx.table(), mc.queryLong(ctx.sql.totalRows()), groups, rows,
                mc.queryLong(ctx.sql.nonCanonicalHashes()), scopes);
    }

    /**
     * The unique key alone, from the catalog: what the index and attach steps decide from, without counting rows.
     *
     * @throws MigrationException if an index of the configured name exists but does not fit
     */
    Catalog.UniqueKey uniqueKey(MigrationConnection mc) throws SQLException {
        Catalog.UniqueKey key = Catalog.uniqueKey(Catalog.indexes(mc.c, ctx.sql), ctx.target);
        if (key.problem() != null) {
            throw new MigrationException(key.problem(), null);
        }
        return key;
    }

    /**
     * The hash check alone, from the catalog.
     *
     * @throws MigrationException if a CHECK constraint of the configured name exists with another definition
     */
    Catalog.HashCheck hashCheck(MigrationConnection mc) throws SQLException {
        Catalog.HashCheck check = Catalog.hashCheck(Catalog.checks(mc.c, ctx.sql), ctx.sql);
        if (check.problem() != null) {
            throw new MigrationException(check.problem(), null);
        }
        return check;
    }

    /**
     * Where the migration stands.
     *
     * @throws MigrationException if an index or CHECK constraint of the configured name exists but does not fit
     */
    MigrationStatus status(MigrationConnection mc) throws SQLException {
        long[] totals = mc.queryLongs(ctx.sql.duplicateTotals());
        Catalog.UniqueKey key = uniqueKey(mc);
        Catalog.HashCheck check = hashCheck(mc);
        boolean quarantine = !Catalog.columns(mc.c, ctx.database, ctx.target.schema(), ctx.target.quarantine())
                .isEmpty();
        long nonCanonical = mc.queryLong(ctx.sql.nonCanonicalHashes());
        return new MigrationStatus(ctx.table(), totals[0], totals[1], nonCanonical, key.state(), key.constraint(),
                key.name(), state(check, nonCanonical), check.name(),
                quarantine ? mc.queryLong(ctx.sql.quarantinedRows()) : 0);
    }

    /**
     * The hash check's state: the catalog's, except where the database records no validation (MariaDB), where a
     * check in place is valid while no stored hash violates it ({@code nonCanonical} stored hashes do).
     */
    private MigrationStatus.HashCheckState state(Catalog.HashCheck check, long nonCanonical) {
        if (check.state() == MigrationStatus.HashCheckState.NOT_VALID && ctx.sql.validateHashCheck() == null
                && nonCanonical == 0) {
            return MigrationStatus.HashCheckState.VALID;
        }
        return check.state();
    }
}
