package dev.dedupguard.spi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The key-based primitives of {@link StorageSession} in plain JDBC over a {@link TableSchema}: find, find many, lock and
 * touch stripes, delete. Backends add the inserts, which depend on how they map rows. Identifiers come from the
 * {@link TableSchema} (validated names); values are always bound as parameters.
 */
public final class JdbcKeyStatements {
    private final TableSchema table;
    private final String stripeTable;
    private final Function<StoredKey, Object> scopeValue;
    private final String find;
    private final String delete;

    /**
     * @param scopeValue the value to bind for a key's scope, in the scope column's type (e.g. a {@code Long} case id)
     */
    public JdbcKeyStatements(TableSchema table, String stripeTable, Function<StoredKey, Object> scopeValue) {
        this.table = table;
        this.stripeTable = stripeTable;
        this.scopeValue = scopeValue;
        String where = " where " + table.scope() + " = ? and " + table.contentHash() + " = ? and " + table.nameMatch()
                + " = ?";
        this.find = "select " + table.id() + " from " + table.qualifiedTable() + where + " order by " + table.id()
                + " fetch first 1 rows only";
        this.delete = "delete from " + table.qualifiedTable() + where;
    }

    /** The value of the name column that makes up the key: the name-key digest, or the policy-normalised raw name. */
    public String nameMatchValue(StoredKey key) {
        return table.nameKey() != null ? key.nameDigest() : key.nameKey();
    }

    public OptionalLong find(Connection c, StoredKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(find)) {
            bindKey(ps, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    public Map<StoredKey, Long> findAll(Connection c, Collection<StoredKey> keys) throws SQLException {
        if (keys.isEmpty()) {
            return Map.of();
        }
        StringBuilder sql = new StringBuilder("select ").append(table.id()).append(", ").append(table.scope())
                .append(", ").append(table.contentHash()).append(", ").append(table.nameMatch()).append(" from ")
                .append(table.qualifiedTable()).append(" where (").append(table.scope()).append(", ")
                .append(table.contentHash()).append(", ").append(table.nameMatch()).append(") in (");
        Map<List<String>, StoredKey> byColumns = new HashMap<>();
        int i = 0;
        for (StoredKey key : keys) {
            sql.append(i++ == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
            byColumns.put(columnsOf(scopeValue.apply(key), key.file().contentHash(), nameMatchValue(key)), key);
        }
        sql.append(") order by ").append(table.id());
        Map<StoredKey, Long> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (StoredKey key : keys) {
                ps.setObject(p++, scopeValue.apply(key));
                ps.setString(p++, key.file().contentHash());
                ps.setString(p++, nameMatchValue(key));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StoredKey key = byColumns.get(columnsOf(rs.getObject(2), rs.getString(3), rs.getString(4)));
                    if (key != null) {
                        found.putIfAbsent(key, rs.getLong(1));
                    }
                }
            }
        }
        return found;
    }

    /**
     * {@code SELECT ... FOR UPDATE} of the stripes, in ascending order.
     *
     * @param joinedH2 whether {@code c} is an H2 connection in the caller's transaction: H2 takes a REPEATABLE READ
     *     snapshot per table when the transaction first reads it, and neither a stripe lock nor {@code FOR UPDATE} on
     *     the file table reveals rows committed after that, so a caller's transaction that read the table earlier
     *     would check a stale snapshot and insert a duplicate. At REPEATABLE READ this refuses rather than risk it.
     * @param lockTimeout a PostgreSQL {@code lock_timeout} value to set in the same statement, before it waits (see
     *     {@link JdbcTransactions#lockTimeoutSetting}), or {@code null} if the timeout is already in force
     */
    public void lockStripes(Connection c, int[] stripes, boolean joinedH2, String lockTimeout) throws SQLException {
        if (joinedH2 && c.getTransactionIsolation() == Connection.TRANSACTION_REPEATABLE_READ) {
            throw new StorageException(StorageException.Kind.OTHER, "SELECT_FOR_UPDATE cannot join an H2 "
                    + "transaction at REPEATABLE READ: H2 snapshots each table when the transaction first reads it, so "
                    + "rows committed since are invisible even after the stripe lock and a duplicate could be stored. "
                    + "Run the transaction at READ COMMITTED or SERIALIZABLE, or use UNIQUE_CONSTRAINT", null);
        }
        int locked = 0;
        String sql = lockTimeout == null
                ? "select stripe from " + stripeTable + " where stripe in (" + placeholders(stripes.length)
                        + ") order by stripe for update"
                : "select s.stripe from " + stripeTable + " s cross join (select set_config('lock_timeout', ?, true)) "
                        + "cfg where s.stripe in (" + placeholders(stripes.length) + ") order by s.stripe for update of s";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int first = 1;
            if (lockTimeout != null) {
                ps.setString(first++, lockTimeout);
            }
            for (int i = 0; i < stripes.length; i++) {
                ps.setInt(first + i, stripes[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked++;
                }
            }
        }
        requireAllStripes(locked, stripes);
    }

    /** Bumps the stripes' registration count; see {@link StorageSession#touchStripes}. */
    public void touchStripes(Connection c, int[] stripes) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update " + stripeTable
                + " set registrations = registrations + 1 where stripe in (" + placeholders(stripes.length) + ")")) {
            bindStripes(ps, stripes);
            requireAllStripes(ps.executeUpdate(), stripes);
        }
    }

    public boolean delete(Connection c, StoredKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(delete)) {
            bindKey(ps, key);
            return ps.executeUpdate() > 0;
        }
    }

    private void bindKey(PreparedStatement ps, StoredKey key) throws SQLException {
        ps.setObject(1, scopeValue.apply(key));
        ps.setString(2, key.file().contentHash());
        ps.setString(3, nameMatchValue(key));
    }

    private static void bindStripes(PreparedStatement ps, int[] stripes) throws SQLException {
        for (int i = 0; i < stripes.length; i++) {
            ps.setInt(i + 1, stripes[i]);
        }
    }

    private void requireAllStripes(int rows, int[] stripes) {
        if (rows != stripes.length) {
            throw new StorageException(StorageException.Kind.OTHER, "the stripe table " + stripeTable
                    + " lacks rows for some of the stripes " + Arrays.toString(stripes)
                    + ": it must hold one row per stripe 0..lockStripes-1", null);
        }
    }

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** Column values as compared in SQL: scope in its string form, a fixed-width hash without padding. */
    public static List<String> columnsOf(Object scope, String contentHash, String nameMatch) {
        return List.of(String.valueOf(scope), contentHash.strip(), nameMatch);
    }
}
