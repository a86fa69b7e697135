package dev.dedupguard.jdbc;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.FileKey;
import dev.dedupguard.spi.LoggedAttempt;
import dev.dedupguard.spi.StoredKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * The statements of one guard's attempt log ({@link dev.dedupguard.AttemptLog}), rendered once: the multi-row insert
 * (with the database's clock), PostgreSQL's insert of a new file that logs it in the same statement, and the page
 * reads. Thread-safe.
 */
final class AttemptLogStatements {
    /** Bind parameters per logged row. */
    static final int PARAMETERS = 9;
    /** Rows per insert statement, so that a chunk of 10,000 inputs stays far below every driver's parameter limit. */
    static final int ROWS_PER_STATEMENT = 1000;
    private static final String COLUMNS = "scope, content_hash, file_name, name_key, outcome, refusal, stored_id, actor, "
            + "reference, recorded_at";

    private final String table;
    private final String head;
    private final String rowValues;
    private final String newAttemptValues;
    private final String byKey;
    private final String byScope;
    private final ConcurrentMap<Integer, String> inserts = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> withNewAttempt = new ConcurrentHashMap<>();

    /**
     * @param dialect the database
     * @param table the log table, a plain identifier (validated by {@link dev.dedupguard.AttemptLog})
     */
    AttemptLogStatements(Dialect dialect, String table) {
        this.table = table;
        String now = dialect.currentTimestampSql();
        this.head = "insert into " + table + " (" + COLUMNS + ") values ";
        this.rowValues = "(?, ?, ?, ?, ?, ?, ?, ?, ?, " + now + ")";
        this.newAttemptValues = "select ?, ?, ?, ?, 'NEW', null, ins.*, ?, ?, " + now + " from ins";
        String select = "select id, scope, content_hash, file_name, outcome, refusal, stored_id, actor, reference, "
                + "recorded_at from " + table + " where scope = ? ";
        this.byKey = select + "and content_hash = ? and name_key = ? and id > ? order by id limit ?";
        this.byScope = select + "and id > ? order by id limit ?";
    }

    /** The columns the guard writes and reads, to check that the table has them. */
    String probeSql() {
        return "select id, " + COLUMNS + " from " + table + " where 1 = 0";
    }

    /** The insert of {@code rows} rows, 1 to {@link #ROWS_PER_STATEMENT}. */
    String insert(int rows) {
        return inserts.computeIfAbsent(rows, n -> {
            StringBuilder sql = new StringBuilder(head.length() + n * (rowValues.length() + 2)).append(head);
            for (int i = 0; i < n; i++) {
                sql.append(i == 0 ? "" : ", ").append(rowValues);
            }
            return sql.toString();
        });
    }

    /**
     * PostgreSQL: {@code insertIfAbsent} (an insert returning only the new id) with a data-modifying {@code WITH} that
     * logs the attempt as {@code NEW} if it stored the row, in the same statement; returns the new id, if any. Its
     * parameters are the insert's, then {@link #bindNewAttempt}'s.
     */
    String withNewAttempt(String insertIfAbsent) {
        return withNewAttempt.computeIfAbsent(insertIfAbsent, sql -> "with ins as (" + sql + "), logged as ("
                + "insert into " + table + " (" + COLUMNS + ") " + newAttemptValues + ") select * from ins");
    }

    /** Binds a row of {@link #insert}; returns the next parameter index. */
    static int bind(PreparedStatement ps, int first, LoggedAttempt a) throws SQLException {
        int p = bindKey(ps, first, a.key());
        ps.setString(p++, a.outcome().name());
        setText(ps, p++, a.refusal());
        if (a.storedId() == null) {
            ps.setNull(p++, Types.BIGINT);
        } else {
            ps.setLong(p++, a.storedId());
        }
        return bindContext(ps, p, a.context());
    }

    /** Binds the log's parameters of {@link #withNewAttempt}; returns the next parameter index. */
    static int bindNewAttempt(PreparedStatement ps, int first, StoredKey key, AttemptContext context) throws SQLException {
        return bindContext(ps, bindKey(ps, first, key), context);
    }

    private static int bindKey(PreparedStatement ps, int first, StoredKey key) throws SQLException {
        FileKey file = key.file();
        ps.setString(first, file.scope());
        ps.setString(first + 1, file.contentHash());
        ps.setString(first + 2, file.fileName());
        ps.setString(first + 3, key.nameDigest());
        return first + 4;
    }

    private static int bindContext(PreparedStatement ps, int first, AttemptContext context) throws SQLException {
        setText(ps, first, context.actor());
        setText(ps, first + 1, context.reference());
        return first + 2;
    }

    private static void setText(PreparedStatement ps, int index, @Nullable String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    /** The page read of {@code query}. */
    String query(LoggedAttempt.Query query) {
        return query.contentHash() == null ? byScope : byKey;
    }

    /** Binds {@link #query}'s parameters. */
    static void bindQuery(PreparedStatement ps, int first, LoggedAttempt.Query query) throws SQLException {
        int p = first;
        ps.setString(p++, query.scope());
        if (query.contentHash() != null) {
            ps.setString(p++, query.contentHash());
            ps.setString(p++, query.nameDigest());
        }
        ps.setLong(p++, query.after());
        ps.setInt(p, query.limit());
    }

    /** The attempt on the result set's current row of a {@link #query}. */
    static Attempt read(ResultSet rs) throws SQLException {
        long storedId = rs.getLong(7);
        Long stored = rs.wasNull() ? null : storedId;
        return new Attempt(rs.getLong(1), FileKey.of(rs.getString(2), rs.getString(3), rs.getString(4)),
                Attempt.Outcome.valueOf(rs.getString(5)), rs.getString(6), stored, rs.getString(8), rs.getString(9),
                rs.getTimestamp(10).toInstant());
    }
}
