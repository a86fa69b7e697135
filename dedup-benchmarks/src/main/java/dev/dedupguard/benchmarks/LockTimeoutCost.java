package dev.dedupguard.benchmarks;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What carrying the lock timeout costs the PostgreSQL server on a new file's insert, measured without the library:
 * the bare insert, the insert behind a {@code set_config} statement in the same message (what the guard sent), and the
 * insert that evaluates {@code set_config} itself, once as an {@code INSERT ... SELECT} filtered on it and once as a
 * {@code VALUES} row with an initplan. One connection in auto-commit; every variant in every round, in rotated order;
 * server CPU from {@code /proc} of the embedded server's processes. Prints microseconds of wall time and server CPU per
 * call, median over rounds.
 *
 * <p>Usage: {@code LockTimeoutCost [calls per variant and round, default 5000] [rounds, default 5]}.
 */
public final class LockTimeoutCost {
    private static final String COLUMNS = "insert into bench_file (case_id, file_hash, original_filename) ";
    private static final String CONFLICT = " on conflict (case_id, file_hash, original_filename) do nothing returning id";

    private LockTimeoutCost() {
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
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("insert (no lock timeout)", COLUMNS + "values (?, ?, ?)" + CONFLICT);
        variants.put("set_config; insert", "select set_config('lock_timeout', ?, true); " + COLUMNS + "values (?, ?, ?)"
                + CONFLICT);
        variants.put("insert select where set_config", COLUMNS + "select ?, ?, ? where set_config('lock_timeout', ?, "
                + "true) is not null" + CONFLICT);
        variants.put("insert values (initplan)", COLUMNS + "values (?, ?, (select ?::varchar where set_config("
                + "'lock_timeout', ?, true) is not null))" + CONFLICT);
        try (BenchDatabase db = BenchDatabase.open("postgres", 0)) {
            StatementCost.compare(db, variants, calls, rounds, LockTimeoutCost::send);
        }
        System.exit(0);
    }

    /** Binds one new file {@code k} and the lock timeout where the variant carries one, and sends it. */
    private static void send(String sql, PreparedStatement ps, long k) throws SQLException {
        boolean leading = sql.startsWith("select set_config");
        int p = 1;
        if (leading) {
            ps.setString(p++, "5000ms");
        }
        ps.setLong(p++, 4242);
        ps.setString(p++, String.format("%064x", k));
        ps.setString(p++, "cost-" + k + ".evtx");
        if (!leading && sql.contains("set_config")) {
            ps.setString(p, "5000ms");
        }
        ps.execute();
        if (leading) {
            ps.getMoreResults();
            ps.getResultSet().close();
        }
    }
}
