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

/**
 * H2's catalog ({@code INFORMATION_SCHEMA}). Text compares by code unit unless the column is {@code
 * VARCHAR_IGNORECASE} (what {@code SET IGNORECASE TRUE} or the URL setting {@code IGNORECASE=TRUE} gives new columns)
 * or the database has a {@code COLLATION} other than {@code OFF}; {@code CHARACTER(n)} ignores trailing blanks. H2 has
 * no partial, expression or deferrable unique indexes, and stores every Java string.
 */
final class H2Catalog extends SchemaCatalog {
    private static final Set<String> INTEGERS = Set.of("TINYINT", "SMALLINT", "INTEGER", "BIGINT");

    private final Dialect dialect;

    H2Catalog(Dialect dialect) {
        this.dialect = dialect;
    }

    private void bindTable(PreparedStatement ps, TableSchema table) throws SQLException {
        ps.setString(1, table.schema() == null ? null : dialect.storedName(table.schema()));
        ps.setString(2, dialect.storedName(table.table()));
    }

    @Override
    Map<String, KeyColumn> keyColumns(Connection c, TableSchema table) throws SQLException {
        String collation = databaseCollation(c);
        Map<String, String> byStoredName = new LinkedHashMap<>();
        for (String column : table.columns().subList(1, table.columns().size())) {
            byStoredName.put(dialect.storedName(column), column);
        }
        Map<String, KeyColumn> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select column_name, data_type, character_maximum_length"
                + " from information_schema.columns where table_schema = coalesce(?, schema()) and table_name = ?")) {
            bindTable(ps, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = byStoredName.get(rs.getString(1));
                    if (column == null) {
                        continue;
                    }
                    String type = rs.getString(2).toUpperCase(Locale.ROOT);
                    long length = rs.getLong(3);
                    boolean bounded = !rs.wasNull() && length > 0 && length < Integer.MAX_VALUE;
                    String declared = type + (bounded ? "(" + length + ")" : "")
                            + (collation.equals("OFF") ? "" : " (database COLLATION " + collation + ")");
                    KeyColumn.Values values = INTEGERS.contains(type) ? KeyColumn.Values.INTEGER
                            : type.equals("CHARACTER VARYING") || type.equals("VARCHAR_IGNORECASE")
                                    || type.equals("CHARACTER LARGE OBJECT") ? KeyColumn.Values.TEXT
                            : type.equals("CHARACTER") ? KeyColumn.Values.FIXED_TEXT
                            : type.equals("UUID") ? KeyColumn.Values.UUID
                            : KeyColumn.Values.OTHER;
                    KeyColumn.Comparison comparison = values != KeyColumn.Values.TEXT
                            && values != KeyColumn.Values.FIXED_TEXT ? KeyColumn.Comparison.EXACT
                            : type.equals("VARCHAR_IGNORECASE") || !collation.equals("OFF")
                                    ? KeyColumn.Comparison.INSENSITIVE
                            : values == KeyColumn.Values.FIXED_TEXT ? KeyColumn.Comparison.IGNORES_TRAILING_BLANKS
                            : KeyColumn.Comparison.EXACT;
                    boolean text = values == KeyColumn.Values.TEXT || values == KeyColumn.Values.FIXED_TEXT;
                    columns.put(column, new KeyColumn(column, declared, values, comparison,
                            KeyColumn.Repertoire.UNICODE, text && bounded && !type.endsWith("OBJECT") ? (int) length
                                    : null));
                }
            }
        }
        return columns;
    }

    private static String databaseCollation(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select setting_value from"
                + " information_schema.settings where setting_name = 'COLLATION'")) {
            return rs.next() && rs.getString(1) != null && !rs.getString(1).isBlank() ? rs.getString(1) : "OFF";
        }
    }

    @Override
    List<UniqueKey> uniqueKeys(Connection c, TableSchema table) throws SQLException {
        Map<String, Set<String>> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select i.index_name, c.column_name"
                + " from information_schema.indexes i join information_schema.index_columns c"
                + " on c.index_schema = i.index_schema and c.index_name = i.index_name"
                + " where i.table_schema = coalesce(?, schema()) and i.table_name = ?"
                + " and i.index_type_name = 'UNIQUE INDEX' order by i.index_name, c.ordinal_position")) {
            bindTable(ps, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.computeIfAbsent(rs.getString(1), i -> new LinkedHashSet<>())
                            .add(rs.getString(2).toLowerCase(Locale.ROOT));
                }
            }
        }
        List<UniqueKey> keys = new ArrayList<>();
        columns.forEach((index, indexColumns) -> keys.add(new UniqueKey(index, indexColumns, null, null)));
        return keys;
    }

    @Override
    List<String> checkConditions(Connection c, TableSchema table, String column) throws SQLException {
        List<String> conditions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select k.check_clause from information_schema.check_constraints k"
                + " join information_schema.table_constraints t on t.constraint_schema = k.constraint_schema"
                + " and t.constraint_name = k.constraint_name"
                + " where t.table_schema = coalesce(?, schema()) and t.table_name = ?")) {
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
    String byteWiseColumnDdl(TableSchema table, KeyColumn column, boolean hexOnly) {
        String length = column.declared().replaceAll("^[A-Z_ ]+(\\(\\d+\\))?.*$", "$1");
        return "ALTER TABLE " + table.qualifiedTable() + " ALTER COLUMN " + column.name()
                + " SET DATA TYPE CHARACTER VARYING" + length;
    }
}
