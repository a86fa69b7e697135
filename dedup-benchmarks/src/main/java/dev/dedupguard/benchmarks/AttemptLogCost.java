package dev.dedupguard.benchmarks;

import dev.dedupguard.jdbc.LibrarySchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What the attempt log's row costs the PostgreSQL server, measured without the library: the statement a new file sends
 * with the log off (the insert), the same insert inside a {@code WITH} (the shape alone), and the statement it sends
 * with the log on (the insert and the log row in a data-modifying {@code WITH}), once into the shipped log table and
 * once into a copy without its {@code (scope, id)} index. One connection in auto-commit, as the guard's own
 * transaction is sent; every variant in every round, in rotated order; server CPU from {@code /proc} of the embedded
 * server's processes. Prints microseconds of wall time and of server CPU per call, median over rounds.
 *
 * <p>Usage: {@code AttemptLogCost [calls per variant and round, default 5000] [rounds, default 5]}.
 */
public final class AttemptLogCost {
    private static final String INSERT = "insert into bench_file (case_id, file_hash, original_filename) values (?, ?, ?)"
            + " on conflict (case_id, file_hash, original_filename) do nothing returning id";
    private static final String LOG_COLUMNS = "(scope, content_hash, file_name, name_key, outcome, refusal, stored_id, "
            + "actor, reference, recorded_at)";

    private AttemptLogCost() {
    }

    /**
     * Runs the variants and prints their medians.
     *
     * @param args calls per variant and round, rounds
     * @throws Exception a failure of the run
     */
    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Map<String, String> variants = new java.util.LinkedHashMap<>();
        variants.put("insert (log off)", INSERT);
        variants.put("insert in a WITH", "with ins as (" + INSERT + ") select * from ins");
        variants.put("insert + log row", withLog("cost_attempt"));
        variants.put("insert + log row, no (scope, id) index", withLog("cost_attempt_noindex"));
        try (BenchDatabase db = BenchDatabase.open("postgres", 0)) {
            create(db.dataSource());
            StatementCost.compare(db, variants, calls, rounds, AttemptLogCost::send);
        }
        System.exit(0);
    }

    private static String withLog(String table) {
        return "with ins as (" + INSERT + "), logged as (insert into " + table + " " + LOG_COLUMNS
                + " select ?, ?, ?, ?, 'NEW', null, ins.*, ?, ?, current_timestamp from ins) select * from ins";
    }

    private static void create(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            LibrarySchema.createAttemptLog(c, LibrarySchema.Database.POSTGRESQL, "cost_attempt");
            LibrarySchema.createAttemptLog(c, LibrarySchema.Database.POSTGRESQL, "cost_attempt_noindex");
            s.execute("drop index if exists cost_attempt_noindex_by_scope");
        }
    }

    /** Binds one new file {@code k} (and, for a logged variant, its log row) and sends it. */
    private static void send(String sql, PreparedStatement ps, long k) throws SQLException {
        String hash = String.format("%064x", k);
        String name = "cost-" + k + ".evtx";
        ps.setLong(1, 4242);
        ps.setString(2, hash);
        ps.setString(3, name);
        if (sql.contains("logged")) {
            ps.setString(4, "4242");
            ps.setString(5, hash);
            ps.setString(6, name);
            ps.setString(7, hash);
            ps.setString(8, "bench");
            ps.setNull(9, Types.VARCHAR);
        }
        ps.execute();
    }
}
