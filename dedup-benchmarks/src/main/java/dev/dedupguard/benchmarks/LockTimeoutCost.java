package dev.dedupguard.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        Map<String, List<double[]>> results = new TreeMap<>();
        try (BenchDatabase db = BenchDatabase.open("postgres", 0)) {
            List<String> names = new ArrayList<>(variants.keySet());
            long next = System.nanoTime();
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get((i + round) % names.size());
                    results.computeIfAbsent(name, n -> new ArrayList<>()).add(run(db, variants.get(name), calls, next));
                    next += calls;
                }
            }
            for (String name : names) {
                List<double[]> r = results.get(name);
                System.out.printf("%-40s %6.1f us per call, server CPU %5.1f us (median of %d rounds of %d calls)%n",
                        name, AttemptLogCost.median(r, 0), AttemptLogCost.median(r, 1), r.size(), calls);
            }
        }
        System.exit(0);
    }

    private static double[] run(BenchDatabase db, String sql, int calls, long first) throws SQLException {
        boolean leading = sql.startsWith("select set_config");
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(true);
            long cpu = db.serverCpu().nanos();
            long start = System.nanoTime();
            for (long k = first; k < first + calls; k++) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
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
            double wall = (System.nanoTime() - start) / 1000.0 / calls;
            return new double[] {wall, (db.serverCpu().nanos() - cpu) / 1000.0 / calls};
        }
    }
}
