package dev.dedupguard.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * MariaDB's catalog ({@code information_schema}). A text column compares byte for byte only under a {@code _nopad_bin}
 * collation; a {@code _bin} collation is PAD SPACE (trailing blanks do not count) and every other collation ignores
 * case, accents or both ({@code utf8mb4_general_ci}, the default of a column declared {@code CHARACTER SET utf8mb4}
 * alone, merges {@code Report.pdf}, {@code report.pdf} and {@code résumé}/{@code resume}). {@code utf8mb4}, {@code
 * utf16} and {@code utf32} hold every code point, {@code utf8mb3} the Basic Multilingual Plane only. A unique key is
 * unusable as a {@code USING HASH} key or over a prefix of a column; a table is usable only in a transactional engine
 * (InnoDB), and a session only with STRICT_TRANS_TABLES (else an over-long or unrepresentable value is changed, with a
 * warning, instead of refused) and CHECK constraints on.
 */
final class MariaDbCatalog extends SchemaCatalog {
    private static final Set<String> INTEGERS = Set.of("tinyint", "smallint", "mediumint", "int", "bigint");
    private static final Set<String> TEXTS = Set.of("varchar", "tinytext", "text", "mediumtext", "longtext");
    private static final Set<String> UNICODE = Set.of("utf8mb4", "utf16", "utf16le", "utf32");
    private static final Set<String> BMP = Set.of("utf8mb3", "ucs2");

    private final Dialect dialect;

    MariaDbCatalog(Dialect dialect) {
        this.dialect = dialect;
    }

    private void bindTable(PreparedStatement ps, TableSchema table) throws SQLException {
        ps.setString(1, table.schema() == null ? null : dialect.storedName(table.schema()));
        ps.setString(2, dialect.storedName(table.table()));
    }

    @Override
    Map<String, KeyColumn> keyColumns(Connection c, TableSchema table) throws SQLException {
        Map<String, String> byStoredName = new LinkedHashMap<>();
        for (String column : table.columns().subList(1, table.columns().size())) {
            byStoredName.put(dialect.storedName(column).toLowerCase(Locale.ROOT), column);
        }
        Map<String, KeyColumn> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select column_name, data_type, column_type,"
                + " character_set_name, collation_name, is_nullable, character_maximum_length"
                + " from information_schema.columns"
                + " where table_schema = coalesce(?, database()) and table_name = ?")) {
            bindTable(ps, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = byStoredName.get(rs.getString(1).toLowerCase(Locale.ROOT));
                    if (column != null) {
                        Long length = rs.getObject(7) == null ? null : rs.getLong(7);
                        columns.put(column, column(column, rs.getString(2).toLowerCase(Locale.ROOT), rs.getString(3),
                                rs.getString(4), rs.getString(5), "NO".equals(rs.getString(6)),
                                length == null || length > Integer.MAX_VALUE ? null : length.intValue()));
                    }
                }
            }
        }
        return columns;
    }

    private static KeyColumn column(String name, String dataType, String columnType, @Nullable String charset,
            @Nullable String collation, boolean notNull, @Nullable Integer length) {
        String declared = columnType + (charset == null ? "" : " CHARACTER SET " + charset)
                + (collation == null ? "" : " COLLATE " + collation) + (notNull ? " NOT NULL" : "");
        KeyColumn.Values values = INTEGERS.contains(dataType) ? KeyColumn.Values.INTEGER
                : TEXTS.contains(dataType) || dataType.equals("varbinary") ? KeyColumn.Values.TEXT
                : dataType.equals("char") ? KeyColumn.Values.FIXED_TEXT
                : dataType.equals("uuid") ? KeyColumn.Values.UUID
                : KeyColumn.Values.OTHER;
        String coll = collation == null ? "" : collation.toLowerCase(Locale.ROOT);
        KeyColumn.Comparison comparison = dataType.equals("varbinary") || coll.endsWith("_nopad_bin")
                ? KeyColumn.Comparison.EXACT
                : coll.endsWith("_bin") ? KeyColumn.Comparison.IGNORES_TRAILING_BLANKS
                : KeyColumn.Comparison.INSENSITIVE;
        String set = charset == null ? "" : charset.toLowerCase(Locale.ROOT);
        KeyColumn.Repertoire repertoire = charset == null || UNICODE.contains(set) ? KeyColumn.Repertoire.UNICODE
                : BMP.contains(set) ? KeyColumn.Repertoire.BMP : KeyColumn.Repertoire.NARROW;
        boolean text = values == KeyColumn.Values.TEXT || values == KeyColumn.Values.FIXED_TEXT;
        return new KeyColumn(name, declared, values, values == KeyColumn.Values.INTEGER
                || values == KeyColumn.Values.UUID ? KeyColumn.Comparison.EXACT : comparison, repertoire,
                text && (dataType.equals("char") || dataType.startsWith("var")) ? length : null);
    }

    @Override
    List<UniqueKey> uniqueKeys(Connection c, TableSchema table) throws SQLException {
        Map<String, Set<String>> columns = new LinkedHashMap<>();
        Map<String, List<String>> merging = new LinkedHashMap<>();
        Map<String, List<String>> problems = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select index_name, column_name, sub_part, index_type"
                + " from information_schema.statistics where table_schema = coalesce(?, database())"
                + " and table_name = ? and non_unique = 0 and index_name <> 'PRIMARY' order by index_name, seq_in_index")) {
            bindTable(ps, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String index = rs.getString(1);
                    columns.computeIfAbsent(index, i -> new LinkedHashSet<>())
                            .add(rs.getString(2).toLowerCase(Locale.ROOT));
                    List<String> why = problems.computeIfAbsent(index, i -> new ArrayList<>());
                    List<String> merges = merging.computeIfAbsent(index, i -> new ArrayList<>());
                    if (rs.getObject(3) != null) {
                        merges.add("it indexes only the first " + rs.getInt(3) + " characters of " + rs.getString(2)
                                + " (a prefix key): two values that share them are one key to it");
                    }
                    if ("HASH".equalsIgnoreCase(rs.getString(4)) && why.stream().noneMatch(w -> w.contains("HASH"))) {
                        why.add("it is a USING HASH key (MariaDB makes one of a unique key longer than InnoDB's 3072 "
                                + "bytes), checked outside InnoDB's own unique checks, which the guard does not rely "
                                + "on. Shorten the name column (varchar(" + MariaDbDialect.RAW_NAME_COLUMN_CHARS
                                + ") utf8mb4 with an ascii hash column) or map a name-key column (char(64) ascii) and "
                                + "key on it");
                    }
                }
            }
        }
        List<UniqueKey> keys = new ArrayList<>();
        columns.forEach((index, indexColumns) -> keys.add(new UniqueKey(index, indexColumns,
                merging.get(index).isEmpty() ? null : String.join("; ", merging.get(index)),
                problems.get(index).isEmpty() ? null : String.join("; ", problems.get(index)))));
        return keys;
    }

    @Override
    List<String> checkConditions(Connection c, TableSchema table, String column) throws SQLException {
        List<String> conditions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select check_clause from information_schema.check_constraints"
                + " where constraint_schema = coalesce(?, database()) and table_name = ?")) {
            bindTable(ps, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    conditions.add(normalise(rs.getString(1)));
                }
            }
        }
        return conditions;
    }

    @Override
    List<String> storageProblems(Connection c, TableSchema table, @Nullable String stripeTable) throws SQLException {
        List<String> problems = new ArrayList<>();
        List<TableSchema> tables = new ArrayList<>(List.of(table));
        if (stripeTable != null) {
            int dot = stripeTable.lastIndexOf('.');
            tables.add(new TableSchema(dot < 0 ? null : stripeTable.substring(0, dot), stripeTable.substring(dot + 1),
                    "stripe", "stripe", "stripe", "stripe", null));
        }
        for (TableSchema t : tables) {
            try (PreparedStatement ps = c.prepareStatement("select t.engine, e.transactions from information_schema.tables t"
                    + " left join information_schema.engines e on e.engine = t.engine"
                    + " where t.table_schema = coalesce(?, database()) and t.table_name = ?")) {
                bindTable(ps, t);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && !"YES".equalsIgnoreCase(rs.getString(2))) {
                        problems.add("table " + t.qualifiedTable() + " uses the storage engine " + rs.getString(1)
                                + ", which ignores transactions: a registration would survive the rollback of its "
                                + "transaction, and locks would not hold. Fix: ALTER TABLE " + t.qualifiedTable()
                                + " ENGINE = InnoDB");
                    }
                }
            }
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select @@session.sql_mode, @@session.check_constraint_checks")) {
            rs.next();
            String mode = rs.getString(1) == null ? "" : rs.getString(1).toUpperCase(Locale.ROOT);
            if (!mode.contains("STRICT_TRANS_TABLES") && !mode.contains("STRICT_ALL_TABLES")) {
                problems.add("the session's sql_mode (" + (mode.isEmpty() ? "empty" : mode) + ") lacks "
                        + "STRICT_TRANS_TABLES: MariaDB would then store a value it cannot hold changed (cut short, or "
                        + "a character replaced by '?') instead of refusing it, and the guard would answer for a key "
                        + "that is not the one stored. Fix: keep the server's default sql_mode (which has it), or add it "
                        + "for the guard's connections, e.g. the JDBC URL property sessionVariables=sql_mode='"
                        + (mode.isEmpty() ? "" : mode + ",") + "STRICT_TRANS_TABLES'");
            }
            if (rs.getLong(2) == 0) {
                problems.add("the session has check_constraint_checks=0, so CHECK constraints (the one keeping hashes "
                        + "in lower case) are not enforced. Fix: SET SESSION check_constraint_checks = 1 (the default)");
            }
        }
        return problems;
    }

    /**
     * MariaDB has no {@code NOT VALID}: adding a CHECK copies the table and checks every row, unless the statement
     * runs with {@code check_constraint_checks=OFF}, which skips the rows already stored and leaves the constraint
     * enforced for every later insert and update.
     */
    @Override
    String lowerCaseCheckFailure(TableSchema table, String column, String constraint) {
        return "if it fails, rows stored earlier hold upper-case hashes: SET STATEMENT check_constraint_checks=OFF FOR "
                + lowerCaseCheckDdl(table, column, constraint) + ", ALGORITHM=COPY, LOCK=NONE adds it without checking "
                + "them (writers go on during the copy), which satisfies build(), since MariaDB enforces it for every "
                + "row inserted or updated afterwards; dedup-migration lower-cases those rows (merging the duplicates "
                + "that appear) and counts that none is left";
    }

    /** {@code MODIFY} with the column's type and nullability; a default or comment the column has must be restated. */
    @Override
    String byteWiseColumnDdl(TableSchema table, KeyColumn column, boolean hexOnly) {
        String declared = column.declared();
        int end = declared.indexOf(' ');
        String type = end < 0 ? declared : declared.substring(0, end);
        if (type.startsWith("char(") && !hexOnly) {
            type = "var" + type;
        }
        return "ALTER TABLE " + table.qualifiedTable() + " MODIFY " + column.name() + " " + type
                + (hexOnly ? " CHARACTER SET ascii COLLATE ascii_bin" : " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
                + (declared.endsWith(" NOT NULL") ? " NOT NULL" : "");
    }
}
