package dev.dedupguard.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import jakarta.persistence.EntityManagerFactory;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * Shows PostgreSQL's plan-cache trap on embedded PostgreSQL, and measures whether a subject's statements fall into it.
 *
 * <p>The trap: a connection that prepares a key lookup while the table's statistics say "empty" (an ANALYZE of an
 * empty table, which autovacuum runs after a truncate) gets, after pgjdbc's {@code prepareThreshold} (5) and
 * PostgreSQL's five custom plans, a cached generic plan that scans the whole table, and keeps it while the table
 * grows: nothing re-plans a cached statement until the next ANALYZE or DDL on the table.
 *
 * <p>{@link #raw} does exactly that with a raw JDBC lookup: ANALYZE the empty table, warm the lookup on one
 * connection, fill the table, then time the lookup on the warm connection and on a fresh one, and explain the plan each
 * one uses. {@link #subject} does the same to a subject of the contention report (a guard, or a raw one) on a pool of
 * one connection: warm it on the empty, analyzed table, fill the table, time new files and duplicates, then ANALYZE
 * (which makes every connection plan again) and time them again. A subject whose statements are immune takes about
 * as long before the ANALYZE as after it.
 *
 * <p>Run: {@code mvn -B -ntp -q -pl dedup-benchmarks -am package -DskipTests exec:java
 * -Dexec.mainClass=dev.dedupguard.benchmarks.PlanCacheTrap} (options: {@code --rows N}, {@code --raw-only}).
 */
public final class PlanCacheTrap {
    static final String LOOKUP = "select id from bench_file where case_id = ? and file_hash = ? and original_filename = ?";
    private static final int WARM_UP = 10;
    private static final int MEASURED = 200;
    private static final int CASES = 50;

    private PlanCacheTrap() {
    }

    /** What the raw lookup did on the warm connection and on a fresh one. */
    record Raw(int rows, double warmMicros, String warmPlan, long warmGenericPlans, double freshMicros,
            String freshPlan) {
    }

    /** A subject's mean time per call with the trap set (before an ANALYZE) and after an ANALYZE re-planned it. */
    record SubjectTimes(String subject, int rows, double trappedNewMicros, double trappedDuplicateMicros,
            double curedNewMicros, double curedDuplicateMicros) {
        /** How many times slower a duplicate was in the trap than after the ANALYZE. */
        double duplicateSlowdown() {
            return trappedDuplicateMicros / curedDuplicateMicros;
        }

        /** How many times slower a new file was in the trap than after the ANALYZE. */
        double newSlowdown() {
            return trappedNewMicros / curedNewMicros;
        }
    }

    /**
     * Runs the trap and prints what it saw.
     *
     * @param args {@code --rows N} (default 5000), {@code --raw-only}
     * @throws Exception a failure of the run
     */
    public static void main(String[] args) throws Exception {
        int rows = 5000;
        boolean rawOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--raw-only" -> rawOnly = true;
                default -> {
                    System.err.println("usage: PlanCacheTrap [--rows N] [--raw-only]");
                    System.exit(2);
                }
            }
        }
        PrintStream out = System.out;
        try (BenchDatabase db = BenchDatabase.open("postgres", 0)) {
            Raw r = raw(db, rows);
            out.printf(Locale.ROOT, "raw lookup, %d rows, table analyzed while empty:%n", r.rows());
            out.printf(Locale.ROOT, "  warm connection : %7.1f us per lookup, %d generic plan executions, plan: %s%n",
                    r.warmMicros(), r.warmGenericPlans(), r.warmPlan());
            out.printf(Locale.ROOT, "  fresh connection: %7.1f us per lookup, plan: %s%n", r.freshMicros(),
                    r.freshPlan());
            if (!rawOnly) {
                List<String[]> subjects = new ArrayList<>();
                subjects.add(new String[] {Subject.BASELINE, null});
                for (String backend : ContentionReport.BACKENDS) {
                    for (Strategy s : List.of(Strategy.UNIQUE_CONSTRAINT, Strategy.SELECT_FOR_UPDATE)) {
                        subjects.add(new String[] {backend, s.name()});
                    }
                }
                subjects.add(new String[] {Subject.SPRING_INTEGRATION, null});
                out.printf(Locale.ROOT, "%nsubjects, %d rows; mean per call with the trap set -> after an ANALYZE:%n",
                        rows);
                for (String[] s : subjects) {
                    SubjectTimes t = subject(db, s[0], s[1] == null ? null : Strategy.valueOf(s[1]), rows);
                    out.printf(Locale.ROOT, "  %-40s new file %7.1f -> %7.1f us (%.1fx), duplicate %7.1f -> %7.1f us "
                                    + "(%.1fx)%n", t.subject(), t.trappedNewMicros(), t.curedNewMicros(),
                            t.newSlowdown(), t.trappedDuplicateMicros(), t.curedDuplicateMicros(),
                            t.duplicateSlowdown());
                }
            }
        }
        System.exit(0);
    }

    /** The trap on a raw JDBC lookup of {@code bench_file}, with {@code rows} rows filled after the warm-up. */
    static Raw raw(BenchDatabase db, int rows) throws SQLException {
        emptyAndAnalyze(db);
        try (HikariDataSource warm = pool(db); Connection c = warm.getConnection();
             PreparedStatement lookup = c.prepareStatement(LOOKUP)) {
            FileKey absent = Workloads.key(-1, 0, -1);
            for (int i = 0; i < WARM_UP; i++) {
                find(lookup, absent);
            }
            List<FileKey> filled = fill(db, rows);
            double warmMicros = time(lookup, filled);
            String warmPlan = plan(c, filled.get(0));
            long generic = genericPlans(c);
            try (HikariDataSource fresh = pool(db); Connection f = fresh.getConnection();
                 PreparedStatement freshLookup = f.prepareStatement(LOOKUP)) {
                for (int i = 0; i < WARM_UP; i++) {
                    find(freshLookup, absent);
                }
                return new Raw(rows, warmMicros, warmPlan, generic, time(freshLookup, filled), plan(f, filled.get(0)));
            }
        }
    }

    /**
     * The trap on one subject of the report ({@code backend} and {@code strategy} as {@link Subject#create} takes
     * them) over a pool of one connection: warmed on the empty, analyzed table, timed after {@code rows} rows were
     * filled, and timed again after an ANALYZE.
     */
    static SubjectTimes subject(BenchDatabase db, String backend, Strategy strategy, int rows) throws SQLException {
        emptyAndAnalyze(db);
        try (HikariDataSource one = pool(db)) {
            EntityManagerFactory emf = BenchDatabase.factory(one);
            try {
                Subject s = Subject.create(backend, strategy, db, one, emf);
                for (int i = 0; i < WARM_UP; i++) {
                    FileKey k = Workloads.key(Workloads.freshScope(), 0, i);
                    s.register(k);
                    s.register(k);
                }
                List<FileKey> filled = fillFor(db, s, rows);
                double[] trapped = timeSubject(s, filled);
                db.execute("analyze " + s.table() + (s.backend().equals(Subject.SPRING_INTEGRATION)
                        ? ", INT_METADATA_STORE" : ""));
                double[] cured = timeSubject(s, filled.subList(MEASURED, 2 * MEASURED));
                return new SubjectTimes(s.label(), rows, trapped[0], trapped[1], cured[0], cured[1]);
            } finally {
                emf.close();
            }
        }
    }

    /** Mean microseconds per call: {@value #MEASURED} new files, then {@value #MEASURED} duplicates of filled keys. */
    private static double[] timeSubject(Subject s, List<FileKey> filled) {
        long scope = Workloads.freshScope();
        for (int i = 0; i < WARM_UP; i++) {
            s.register(Workloads.key(scope, 1, i));
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < MEASURED; i++) {
            s.register(Workloads.key(scope, 0, i));
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < MEASURED; i++) {
            if (s.register(filled.get(i)).isNew()) {
                throw new IllegalStateException(s.label() + " stored a filled key again: " + filled.get(i));
            }
        }
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e3 / MEASURED, (t2 - t1) / 1e3 / MEASURED};
    }

    /** Empties the report's tables and analyzes them empty, as autovacuum does after a truncate. */
    private static void emptyAndAnalyze(BenchDatabase db) {
        db.execute("truncate bench_file, bench_file_nouniq, INT_METADATA_STORE");
        db.execute("analyze bench_file, bench_file_nouniq, INT_METADATA_STORE");
    }

    /** A pool of one connection, no statement cached yet. */
    private static HikariDataSource pool(BenchDatabase db) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(TestDatabase.POSTGRESQL.jdbcUrl());
        config.setUsername(TestDatabase.POSTGRESQL.user());
        config.setMaximumPoolSize(1);
        config.setPoolName("plan-cache-trap");
        return new HikariDataSource(config);
    }

    /** {@code rows} rows in {@value #CASES} cases of {@code bench_file}, without an ANALYZE; their keys. */
    private static List<FileKey> fill(BenchDatabase db, int rows) throws SQLException {
        return fill(db.dataSource(), "insert into bench_file (case_id, file_hash, original_filename) values (?, ?, ?)",
                rows, true);
    }

    /** {@code rows} rows in the subject's own table (or Spring Integration's store), registered by no one. */
    private static List<FileKey> fillFor(BenchDatabase db, Subject s, int rows) throws SQLException {
        if (s.backend().equals(Subject.SPRING_INTEGRATION)) {
            return fill(db.dataSource(), "insert into INT_METADATA_STORE (METADATA_KEY, METADATA_VALUE, REGION) "
                    + "values (? || ':' || ? || ':' || ?, '0', 'DEFAULT')", rows, false);
        }
        return fill(db.dataSource(), "insert into " + s.table() + " (case_id, file_hash, original_filename) "
                + "values (?, ?, ?)", rows, true);
    }

    private static List<FileKey> fill(DataSource ds, String insert, int rows, boolean typed) throws SQLException {
        List<FileKey> keys = new ArrayList<>(rows);
        long first = Workloads.freshScope();
        for (int c = 1; c < CASES; c++) {
            Workloads.freshScope();
        }
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(insert)) {
            c.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                FileKey k = FileKey.of(Long.toString(first + i % CASES), Keys.sha256("trap/" + first + "/" + i),
                        "filled-" + i + ".evtx");
                keys.add(k);
                if (typed) {
                    ps.setLong(1, Long.parseLong(k.scope()));
                } else {
                    ps.setString(1, k.scope());
                }
                ps.setString(2, k.contentHash());
                ps.setString(3, k.fileName());
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
            c.setAutoCommit(true);
        }
        return keys;
    }

    private static double time(PreparedStatement lookup, List<FileKey> keys) throws SQLException {
        int n = Math.min(MEASURED, keys.size());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (find(lookup, keys.get(i)) < 0) {
                throw new IllegalStateException("filled key not found: " + keys.get(i));
            }
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }

    private static long find(PreparedStatement lookup, FileKey key) throws SQLException {
        lookup.setLong(1, Long.parseLong(key.scope()));
        lookup.setString(2, key.contentHash());
        lookup.setString(3, key.fileName());
        try (ResultSet rs = lookup.executeQuery()) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    /**
     * The plan the connection's prepared lookup runs with, from {@code EXPLAIN EXECUTE} of pgjdbc's server-side
     * statement (which goes through the same plan cache), on one line.
     */
    private static String plan(Connection c, FileKey key) throws SQLException {
        String name = preparedName(c);
        if (name == null) {
            return "(not prepared on the server)";
        }
        StringBuilder plan = new StringBuilder();
        try (PreparedStatement ps = c.prepareStatement("explain execute \"" + name + "\"(" + key.scope() + ", '"
                + key.contentHash() + "', '" + key.fileName() + "')"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                plan.append(plan.length() == 0 ? "" : "; ").append(rs.getString(1).strip());
            }
        }
        return plan.toString();
    }

    private static String preparedName(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select name from pg_prepared_statements "
                + "where statement like 'select id from bench_file where%'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static long genericPlans(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select coalesce(sum(generic_plans), 0) "
                + "from pg_prepared_statements where statement like 'select id from bench_file where%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
