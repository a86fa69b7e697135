package dev.dedupguard.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL's catalog: {@code pg_attribute} with the column's type (a domain's base type), its collation and whether
 * that collation is deterministic (a nondeterministic ICU collation compares case- or accent-insensitively); {@code
 * pg_index} for unique indexes (valid, immediate, partial, over expressions, the collation and operator class of each
 * key column); {@code pg_constraint} for CHECK constraints, validated or {@code NOT VALID} (PostgreSQL enforces both
 * for every row inserted or updated); the database's encoding. A deterministic
 * collation compares equal only what is byte for byte equal, whatever its sort order; {@code char(n)} ignores trailing
 * blanks and {@code citext} case.
 */
final class PostgresCatalog extends SchemaCatalog {
    private static final Set<String> INTEGERS = Set.of("int2", "int4", "int8");
    private static final Set<String> TEXTS = Set.of("text", "varchar", "name");
    private static final Set<String> EQUALITY_PRESERVING_OPCLASSES = Set.of("text_pattern_ops", "varchar_pattern_ops",
            "bpchar_pattern_ops");

    private final Dialect dialect;

    PostgresCatalog(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    Map<String, KeyColumn> keyColumns(Connection c, TableSchema table) throws SQLException {
        Map<String, String> byStoredName = new LinkedHashMap<>();
        for (String column : table.columns().subList(1, table.columns().size())) {
            byStoredName.put(dialect.storedName(column), column);
        }
        Map<String, KeyColumn> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select a.attname, format_type(a.atttypid, a.atttypmod),"
                + " coalesce(bt.typname, t.typname), co.collname, coalesce(co.collisdeterministic, true),"
                + " case when a.atttypmod > 4 then a.atttypmod - 4 when t.typtypmod > 4 then t.typtypmod - 4 end"
                + " from pg_attribute a join pg_type t on t.oid = a.atttypid"
                + " left join pg_type bt on bt.oid = nullif(t.typbasetype, 0)"
                + " left join pg_collation co on co.oid = nullif(a.attcollation, 0)"
                + " where a.attrelid = to_regclass(?) and a.attnum > 0 and not a.attisdropped")) {
            ps.setString(1, table.qualifiedTable());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = byStoredName.get(rs.getString(1));
                    if (column != null) {
                        Integer length = rs.getObject(6) == null ? null : rs.getInt(6);
                        columns.put(column, column(column, rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getBoolean(5), length));
                    }
                }
            }
        }
        return columns;
    }

    private static KeyColumn column(String name, String type, String base, @Nullable String collation,
            boolean deterministic, @Nullable Integer length) {
        String declared = type + (collation == null || collation.equals("default") ? "" : " COLLATE \"" + collation
                + "\"" + (deterministic ? "" : " (nondeterministic)"));
        KeyColumn.Values values = INTEGERS.contains(base) ? KeyColumn.Values.INTEGER
                : TEXTS.contains(base) ? KeyColumn.Values.TEXT
                : base.equals("bpchar") ? KeyColumn.Values.FIXED_TEXT
                : base.equals("uuid") ? KeyColumn.Values.UUID
                : base.equals("citext") ? KeyColumn.Values.TEXT
                : KeyColumn.Values.OTHER;
        KeyColumn.Comparison comparison = !deterministic || base.equals("citext") ? KeyColumn.Comparison.INSENSITIVE
                : base.equals("bpchar") ? KeyColumn.Comparison.IGNORES_TRAILING_BLANKS
                : KeyColumn.Comparison.EXACT;
        boolean text = values == KeyColumn.Values.TEXT || values == KeyColumn.Values.FIXED_TEXT;
        return new KeyColumn(name, type.equals(base) || !base.equals("citext") ? declared : declared + " (citext)",
                values, comparison, KeyColumn.Repertoire.UNICODE, text ? length : null);
    }

    @Override
    List<UniqueKey> uniqueKeys(Connection c, TableSchema table) throws SQLException {
        Map<String, Set<String>> columns = new LinkedHashMap<>();
        Map<String, Set<String>> merging = new LinkedHashMap<>();
        Map<String, Set<String>> unusable = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select ic.relname, i.indisvalid and i.indisready,"
                + " i.indimmediate, i.indpred is not null, a.attname, co.collname, coalesce(co.collisdeterministic, true),"
                + " opc.opcname, coalesce(opc.opcdefault, true)"
                + " from pg_index i join pg_class ic on ic.oid = i.indexrelid"
                + " cross join lateral unnest(i.indkey::int2[], i.indcollation::oid[], i.indclass::oid[])"
                + " with ordinality as x(attnum, coll, cls, ord)"
                + " left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = x.attnum and x.attnum > 0"
                + " left join pg_collation co on co.oid = nullif(x.coll, 0)"
                + " left join pg_opclass opc on opc.oid = x.cls"
                + " where i.indrelid = to_regclass(?) and i.indisunique and not i.indisprimary"
                + " and x.ord <= i.indnkeyatts order by ic.relname, x.ord")) {
            ps.setString(1, table.qualifiedTable());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String index = rs.getString(1);
                    Set<String> merges = merging.computeIfAbsent(index, i -> new LinkedHashSet<>());
                    Set<String> cannot = unusable.computeIfAbsent(index, i -> new LinkedHashSet<>());
                    if (!rs.getBoolean(2)) {
                        cannot.add("it is invalid (a CREATE INDEX CONCURRENTLY that failed, or one still running)");
                    }
                    if (!rs.getBoolean(3)) {
                        cannot.add("it is DEFERRABLE (checked at commit, which INSERT ... ON CONFLICT cannot use)");
                    }
                    if (rs.getBoolean(4)) {
                        cannot.add("it is partial (its WHERE clause covers only some rows, and INSERT ... ON CONFLICT "
                                + "does not use it)");
                    }
                    String column = rs.getString(5);
                    columns.computeIfAbsent(index, i -> new LinkedHashSet<>());
                    if (column == null) {
                        merges.add("it indexes an expression, which may give values the guard keeps apart one key");
                        continue;
                    }
                    columns.get(index).add(column.toLowerCase(Locale.ROOT));
                    if (!rs.getBoolean(7)) {
                        merges.add("it compares " + column + " with the nondeterministic collation \"" + rs.getString(6)
                                + "\"");
                    }
                    if (!rs.getBoolean(9) && !EQUALITY_PRESERVING_OPCLASSES.contains(rs.getString(8))) {
                        merges.add("it compares " + column + " with the operator class " + rs.getString(8));
                    }
                }
            }
        }
        List<UniqueKey> keys = new ArrayList<>();
        columns.forEach((index, indexColumns) -> keys.add(new UniqueKey(index, indexColumns,
                merging.get(index).isEmpty() ? null : String.join("; ", merging.get(index)),
                unusable.get(index).isEmpty() ? null : String.join("; ", unusable.get(index)))));
        return keys;
    }

    @Override
    List<String> checkConditions(Connection c, TableSchema table, String column) throws SQLException {
        List<String> conditions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select pg_get_constraintdef(k.oid) from pg_constraint k"
                + " join pg_attribute a on a.attrelid = k.conrelid and a.attname = ?"
                + " where k.conrelid = to_regclass(?) and k.contype = 'c'"
                + " and k.conkey = array[a.attnum]")) {
            ps.setString(1, dialect.storedName(column));
            ps.setString(2, table.qualifiedTable());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    conditions.add(normalise(rs.getString(1).replaceFirst("(?i)\\s+NOT VALID$", "")));
                }
            }
        }
        return conditions;
    }

    /** A database whose encoding is not UTF-8 cannot store every name the guard accepts. */
    @Override
    List<String> storageProblems(Connection c, TableSchema table, @Nullable String stripeTable) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_encoding_to_char(encoding) from pg_database"
                + " where datname = current_database()"); ResultSet rs = ps.executeQuery()) {
            if (rs.next() && !rs.getString(1).equals("UTF8")) {
                return List.of("the database's encoding is " + rs.getString(1) + ", which cannot hold every file name "
                        + "the guard accepts (or, as SQL_ASCII, stores bytes unchecked). Create the database with "
                        + "ENCODING 'UTF8'");
            }
        }
        return List.of();
    }

    @Override
    String byteWiseColumnDdl(TableSchema table, KeyColumn column, boolean hexOnly) {
        String type = column.declared().replaceAll(" COLLATE .*| \\(citext\\)", "");
        if (column.values() == KeyColumn.Values.FIXED_TEXT && !hexOnly) {
            type = type.replace("character(", "character varying(");
        } else if (!type.startsWith("character") && !type.equals("text")) {
            type = "text";
        }
        return "ALTER TABLE " + table.qualifiedTable() + " ALTER COLUMN " + column.name() + " TYPE " + type
                + " COLLATE \"default\"";
    }

    /** {@code NOT VALID}, then {@code VALIDATE}: the scan that validates takes no lock that blocks writers. */
    @Override
    String lowerCaseCheckDdl(TableSchema table, String column, String constraint) {
        return super.lowerCaseCheckDdl(table, column, constraint) + " NOT VALID; ALTER TABLE " + table.qualifiedTable()
                + " VALIDATE CONSTRAINT " + constraint;
    }

    @Override
    String lowerCaseCheckFailure(TableSchema table, String column, String constraint) {
        return "if VALIDATE CONSTRAINT fails, rows stored earlier hold upper-case hashes: the NOT VALID constraint "
                + "already satisfies build(), since PostgreSQL enforces it for every row inserted or updated, and "
                + "dedup-migration lower-cases those rows (merging the duplicates that appear) and validates it";
    }
}
