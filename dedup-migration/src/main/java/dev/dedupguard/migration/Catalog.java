package dev.dedupguard.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads what the catalog says about the host table through the dialect's catalog statements, each taking
 * (schema, table) as stored: its columns, the foreign keys that reference it, its indexes and CHECK constraints; and
 * decides from them the state of the unique key and of the hash check. Stateless.
 */
final class Catalog {
    private Catalog() {
    }

    /**
     * One index of the table.
     *
     * @param name its name
     * @param constraint {@code u} or {@code p} if it is a unique constraint's (or primary key's), else null
     * @param valid whether it is valid and ready (a failed concurrent build leaves it invalid)
     * @param plain whether it is a B-tree on plain columns, without expression, predicate or prefix
     * @param deferrable whether its constraint is deferrable
     * @param unique whether it is unique
     * @param columns its key columns, as stored (null for an expression)
     */
    record Index(String name, @Nullable String constraint, boolean valid, boolean plain, boolean deferrable,
            boolean unique, List<@Nullable String> columns) {

        /** Unique, plain, immediate and on exactly {@code key} (in any order): the guard can rely on it. */
        boolean fits(List<String> key) {
            return unique && plain && !deferrable && columns.size() == key.size()
                    && new HashSet<>(columns).equals(new HashSet<>(key));
        }
    }

    /**
     * One CHECK constraint.
     *
     * @param name its name
     * @param validated whether the catalog records that every stored row has been checked (PostgreSQL's {@code NOT
     *     VALID} is not; MariaDB records nothing, so false there)
     * @param definition its definition as the catalog renders it
     */
    record Check(String name, boolean validated, String definition) {
    }

    static Map<String, MigrationTarget.Column> columns(Connection c, MigrationDialect.Database db, String schema,
            String table) throws SQLException {
        Map<String, MigrationTarget.Column> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(db.columns())) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), new MigrationTarget.Column(rs.getString(1), rs.getString(2),
                            rs.getString(3), rs.getBoolean(4)));
                }
            }
        }
        return columns;
    }

    static List<ReferencingKey> foreignKeys(Connection c, MigrationDialect sql) throws SQLException {
        Map<String, List<String[]>> rows = new LinkedHashMap<>();
        Map<String, String[]> heads = new LinkedHashMap<>();
        try (PreparedStatement ps = bound(c, sql.foreignKeys(), sql.t.schema(), sql.t.table());
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(2) + "\0" + rs.getString(3) + "\0" + rs.getString(1);
                heads.putIfAbsent(id, new String[] {rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4)});
                rows.computeIfAbsent(id, k -> new ArrayList<>()).add(new String[] {rs.getString(6), rs.getString(7)});
            }
        }
        List<ReferencingKey> keys = new ArrayList<>();
        for (Map.Entry<String, String[]> h : heads.entrySet()) {
            List<String[]> pairs = rows.get(h.getKey());
            keys.add(new ReferencingKey(h.getValue()[0], h.getValue()[1], h.getValue()[2], h.getValue()[3],
                    pairs.stream().map(p -> p[0]).toList(), pairs.stream().map(p -> p[1]).toList()));
        }
        return keys;
    }

    static List<Index> indexes(Connection c, MigrationDialect sql) throws SQLException {
        Map<String, Index> indexes = new LinkedHashMap<>();
        try (PreparedStatement ps = bound(c, sql.indexes(), sql.t.schema(), sql.t.table());
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String name = rs.getString(1);
                Index seen = indexes.get(name);
                List<@Nullable String> columns = new ArrayList<>(seen == null ? List.of() : seen.columns());
                columns.add(rs.getString(8));
                indexes.put(name, new Index(name, rs.getString(2), rs.getBoolean(3),
                        rs.getBoolean(4) && (seen == null || seen.plain()) && rs.getString(8) != null,
                        rs.getBoolean(5), rs.getBoolean(6), columns));
            }
        }
        return List.copyOf(indexes.values());
    }

    static List<Check> checks(Connection c, MigrationDialect sql) throws SQLException {
        List<Check> checks = new ArrayList<>();
        try (PreparedStatement ps = bound(c, sql.checkConstraints(), sql.t.schema(), sql.t.table());
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                checks.add(new Check(rs.getString(1), rs.getBoolean(2), rs.getString(3)));
            }
        }
        return checks;
    }

    /** Relations named like the unique index elsewhere in the schema (PostgreSQL), as descriptions. */
    static List<String> relationsNamed(Connection c, MigrationDialect sql, String name) throws SQLException {
        String statement = sql.relationsNamed();
        if (statement == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = bound(c, statement, sql.t.schema(), name, sql.t.table());
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** {@code {create in schema, select/update/delete, owner}}, or {@code null} where privileges are not checked. */
    static boolean @Nullable [] privileges(Connection c, MigrationDialect sql) throws SQLException {
        String statement = sql.privileges();
        if (statement == null) {
            return null;
        }
        try (PreparedStatement ps = bound(c, statement, sql.t.schema(), sql.t.table());
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new boolean[] {rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3)} : null;
        }
    }

    private static PreparedStatement bound(Connection c, String sql, String... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            ps.setString(i + 1, params[i]);
        }
        return ps;
    }

    // ---------------------------------------------------------------- decisions

    /**
     * The unique key the migration builds or finds.
     *
     * @param name the index (and constraint) name
     * @param state absent, invalid or valid
     * @param constraint whether the guard's unique key is in place: a unique constraint on the key, or an equivalent
     *     valid unique index under another name
     * @param problem why an index of the configured name cannot be used, or null
     */
    record UniqueKey(String name, MigrationStatus.IndexState state, boolean constraint, @Nullable String problem) {
    }

    static UniqueKey uniqueKey(List<Index> indexes, MigrationTarget t) {
        List<String> key = t.keyColumns();
        for (Index i : indexes) {
            if (i.name().equals(t.constraint())) {
                if (!i.fits(key)) {
                    return new UniqueKey(i.name(), MigrationStatus.IndexState.ABSENT, false, "index " + i.name()
                            + " on " + t.qualified() + " is not a plain unique index on (" + String.join(",", key)
                            + ") but " + (i.unique() ? "a unique" : "a non-unique") + (i.plain() ? "" : " non-plain")
                            + (i.deferrable() ? " deferrable" : "") + " index on (" + String.join(",",
                            i.columns().stream().map(String::valueOf).toList()) + "); drop it or choose another"
                            + " constraintName");
                }
                return new UniqueKey(i.name(), i.valid() ? MigrationStatus.IndexState.VALID
                        : MigrationStatus.IndexState.INVALID, i.valid() && i.constraint() != null, null);
            }
        }
        for (Index i : indexes) {
            if (i.valid() && i.fits(key)) {
                return new UniqueKey(i.name(), MigrationStatus.IndexState.VALID, true, null);
            }
        }
        return new UniqueKey(t.constraint(), MigrationStatus.IndexState.ABSENT, false, null);
    }

    /**
     * The canonical-hash check: the one of the configured name, else an equivalent one under another name.
     *
     * @param name its name
     * @param state absent, not yet validated, or valid, as the catalog records it (see
     *     {@link Reporter#status} for MariaDB, whose catalog records no validation)
     * @param problem why a CHECK constraint of the configured name cannot be used, or null
     */
    record HashCheck(String name, MigrationStatus.HashCheckState state, @Nullable String problem) {
    }

    static HashCheck hashCheck(List<Check> checks, MigrationDialect sql) {
        MigrationTarget t = sql.t;
        for (Check c : checks) {
            if (c.name().equals(t.hashCheck())) {
                if (!sql.isHashCheck(c.definition())) {
                    return new HashCheck(c.name(), MigrationStatus.HashCheckState.ABSENT, "CHECK constraint "
                            + c.name() + " on " + t.qualified() + " is " + c.definition() + ", not "
                            + sql.hashCheckDefinition() + "; drop it or choose another hashCheckName");
                }
                return new HashCheck(c.name(), state(c), null);
            }
        }
        for (Check c : checks) {
            if (sql.isHashCheck(c.definition())) {
                return new HashCheck(c.name(), state(c), null);
            }
        }
        return new HashCheck(t.hashCheck(), MigrationStatus.HashCheckState.ABSENT, null);
    }

    private static MigrationStatus.HashCheckState state(Check c) {
        return c.validated() ? MigrationStatus.HashCheckState.VALID : MigrationStatus.HashCheckState.NOT_VALID;
    }
}
