package dev.dedupguard.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The measuring loop of the raw-SQL cost tools ({@link AttemptLogCost}, {@link LockTimeoutCost}): each variant's SQL
 * sent {@code calls} times per round on one connection in auto-commit, every variant in every round in rotated order,
 * each call a new file; prints microseconds of wall time and of server CPU (from {@code /proc} of the embedded
 * server's processes) per call, median over rounds.
 */
final class StatementCost {
    /** Binds the parameters of one call of {@code sql} for the new file number {@code k} and sends it. */
    @FunctionalInterface
    interface Call {
        void send(String sql, PreparedStatement ps, long k) throws SQLException;
    }

    private StatementCost() {
    }

    /** Measures every variant ({@code name -> sql}) in {@code rounds} rotated rounds and prints the medians. */
    static void compare(BenchDatabase db, Map<String, String> variants, int calls, int rounds, Call call)
            throws SQLException {
        Map<String, List<double[]>> results = new TreeMap<>();
        List<String> names = new ArrayList<>(variants.keySet());
        long next = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((i + round) % names.size());
                results.computeIfAbsent(name, n -> new ArrayList<>()).add(run(db, variants.get(name), calls, next, call));
                next += calls;
            }
        }
        for (String name : names) {
            List<double[]> r = results.get(name);
            System.out.printf(Locale.ROOT, "%-40s %6.1f us per call, server CPU %5.1f us (median of %d rounds of %d "
                    + "calls)%n", name, median(r, 0), median(r, 1), r.size(), calls);
        }
    }

    /** Wall time and server CPU per call, in microseconds, of {@code calls} new files sent as {@code sql}. */
    private static double[] run(BenchDatabase db, String sql, int calls, long first, Call call) throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(true);
            long cpu = db.serverCpu().nanos();
            long start = System.nanoTime();
            for (long k = first; k < first + calls; k++) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    call.send(sql, ps, k);
                }
            }
            double wall = (System.nanoTime() - start) / 1000.0 / calls;
            return new double[] {wall, (db.serverCpu().nanos() - cpu) / 1000.0 / calls};
        }
    }

    private static double median(List<double[]> rounds, int column) {
        double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
