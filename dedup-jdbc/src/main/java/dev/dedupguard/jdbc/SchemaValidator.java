package dev.dedupguard.jdbc;

import dev.dedupguard.GuardOptions;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The checks every backend runs when a guard is built, in plain JDBC: the table and its key columns exist, the strategy
 * has what it needs, and the name policy can be honoured. Failures are {@link SchemaMismatchException}s whose message
 * says how to fix the schema.
 */
public final class SchemaValidator {
    private SchemaValidator() {
    }

    /**
     * Validates {@code table} for {@code options} on connection {@code c} and returns the declared sizes of its string
     * key columns, against which {@link JdbcStorage#checkKey} measures every key.
     *
     * @param c a connection to the database, used for read-only queries (metadata, column probes, a stripe count)
     * @param table the columns the guard will use
     * @param options the guard's settings: strategy, name policy and lock stripes decide what is checked
     * @param stripeTable the stripe table, checked for {@link Strategy#SELECT_FOR_UPDATE}
     * @param dialect the database
     * @return the declared lengths of the scope and file name columns (where bounded), in the database's characters
     * @throws SchemaMismatchException if the schema does not fit, with a message that says how to fix it
     */
    public static TableLimits validate(Connection c, TableSchema table, GuardOptions options, String stripeTable,
            Dialect dialect) {
        String name = table.qualifiedTable();
        List<String> keyTypes;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select " + String.join(", ", table.columns()) + " from " + name
                     + " where 1 = 0")) {
            ResultSetMetaData meta = rs.getMetaData();
            keyTypes = List.of(meta.getColumnTypeName(2), meta.getColumnTypeName(3),
                    meta.getColumnTypeName(table.nameKey() != null ? 5 : 4));
        } catch (SQLException e) {
            throw new SchemaMismatchException("table " + name + " with columns " + table.columns()
                    + " cannot be read: create it first (a host table the guard accepts is in "
                    + dialect.ddl().hostTableResource() + ", the library's own tables in "
                    + dialect.ddl().libraryTablesResource() + "; createSchemaIfMissing(true) creates the library's "
                    + "tables, never a host table). Database said: " + e.getMessage(), e);
        }
        if (table.nameKey() == null && options.namePolicy() != NamePolicy.EXACT) {
            throw new SchemaMismatchException("name policy " + options.namePolicy() + " needs a name-key column on "
                    + name + " (the mapping's nameKey): without one, sameness is judged on the raw name, which only "
                    + "EXACT allows");
        }
        if (options.strategy() == Strategy.UNIQUE_CONSTRAINT) {
            checkPartitionKey(c, table, dialect);
        }
        if (options.strategy() == Strategy.UNIQUE_CONSTRAINT && !hasUniqueIndexOn(c, table, dialect)) {
            Set<String> key = lowerCase(table.keyColumns());
            throw new SchemaMismatchException("strategy UNIQUE_CONSTRAINT needs a unique constraint on exactly " + key
                    + " of table " + name + ", and there is none. Add one (e.g. ALTER TABLE " + name
                    + " ADD CONSTRAINT uq_" + SqlIdentifiers.unquote(table.table()).replaceAll("\\W", "_")
                    + "_key UNIQUE (" + String.join(", ", table.keyColumns()) + ")) or use SELECT_FOR_UPDATE");
        }
        if (options.strategy() == Strategy.UNIQUE_CONSTRAINT) {
            checkUniqueKeys(c, table, dialect);
        }
        if (options.strategy() == Strategy.SELECT_FOR_UPDATE) {
            requireStripes(c, stripeTable, options.lockStripes());
        }
        Integer hashSize = varcharSize(c, table, table.contentHash(), dialect);
        int hexLength = options.hashAlgorithm().hexLength();
        if (hashSize != null && hashSize < hexLength) {
            throw new SchemaMismatchException("hashAlgorithm " + options.hashAlgorithm() + " needs " + hexLength
                    + " characters in the content hash column " + table.contentHash() + " of " + name
                    + ", which holds " + hashSize + ". Widen the column or use the algorithm the column was made for");
        }
        return new TableLimits(varcharSize(c, table, table.scope(), dialect),
                varcharSize(c, table, table.fileName(), dialect),
                keyTypes);
    }

    /**
     * Checks that {@code c} is connected to the database {@code dialect} is for, before any SQL of that dialect runs.
     *
     * @param c a connection to the guard's database; only its metadata is read
     * @param dialect the dialect the guard was built with
     * @param given how the user named the database (e.g. jOOQ's {@code SQLDialect}), for the message
     * @throws SchemaMismatchException naming the dialect given and the database that answered
     */
    public static void requireDatabase(Connection c, Dialect dialect, String given) {
        String product;
        String version;
        try {
            DatabaseMetaData meta = c.getMetaData();
            product = meta.getDatabaseProductName();
            version = meta.getDatabaseProductVersion();
        } catch (SQLException e) {
            throw new SchemaMismatchException("cannot read which database the connection is to: " + e.getMessage(), e);
        }
        if (Dialect.forProductName(product) != dialect) {
            throw new SchemaMismatchException("the guard was given the dialect " + given + " (" + dialect.displayName()
                    + "), but the database that answered is " + product + " " + version
                    + ": pass the dialect of that database");
        }
    }

    private static void checkPartitionKey(Connection c, TableSchema table, Dialect dialect) {
        try {
            dialect.checkPartitionKey(c, table);
        } catch (SQLException e) {
            throw new SchemaMismatchException("cannot read the partitioning of " + table.qualifiedTable() + ": "
                    + e.getMessage(), e);
        }
    }

    private static void checkUniqueKeys(Connection c, TableSchema table, Dialect dialect) {
        try {
            dialect.checkUniqueKeys(c, table);
        } catch (SQLException e) {
            throw new SchemaMismatchException("cannot read the unique keys of " + table.qualifiedTable() + ": "
                    + e.getMessage(), e);
        }
    }

    private static void requireStripes(Connection c, String stripeTable, int stripes) {
        long present;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from " + stripeTable + " where stripe >= 0 and stripe < "
                     + stripes)) {
            rs.next();
            present = rs.getLong(1);
        } catch (SQLException e) {
            throw new SchemaMismatchException("strategy SELECT_FOR_UPDATE needs the stripe table " + stripeTable
                    + "(stripe integer primary key, registrations bigint not null default 0) with rows 0.." + (stripes - 1)
                    + "; it cannot be read. Create it (dev/dedupguard/schema/*.sql) or use createSchemaIfMissing(true). "
                    + "Database said: " + e.getMessage(), e);
        }
        if (present != stripes) {
            throw new SchemaMismatchException("strategy SELECT_FOR_UPDATE with lockStripes=" + stripes
                    + " needs rows 0.." + (stripes - 1) + " in " + stripeTable + ", found " + present
                    + ". Insert the missing rows (dev/dedupguard/schema/*.sql) or set lockStripes to match the table");
        }
    }

    private static boolean hasUniqueIndexOn(Connection c, TableSchema table, Dialect dialect) {
        Set<String> key = lowerCase(table.keyColumns());
        try {
            for (String candidate : caseVariants(table.table())) {
                Map<String, Set<String>> indexes = new HashMap<>();
                try (ResultSet rs = c.getMetaData().getIndexInfo(null, schemaOf(c, table, dialect), candidate, true,
                        true)) {
                    while (rs.next()) {
                        String index = rs.getString("INDEX_NAME");
                        String column = rs.getString("COLUMN_NAME");
                        if (index != null && column != null) {
                            indexes.computeIfAbsent(index, i -> new LinkedHashSet<>())
                                    .add(column.toLowerCase(Locale.ROOT));
                        }
                    }
                }
                if (indexes.values().stream().anyMatch(key::equals)) {
                    return true;
                }
            }
            return false;
        } catch (SQLException e) {
            throw new SchemaMismatchException("cannot read the indexes of " + table.qualifiedTable() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The declared length of a bounded character column, else {@code null}. */
    private static @Nullable Integer varcharSize(Connection c, TableSchema table, String column, Dialect dialect) {
        try {
            DatabaseMetaData meta = c.getMetaData();
            for (String t : caseVariants(table.table())) {
                for (String col : caseVariants(column)) {
                    try (ResultSet rs = meta.getColumns(null, schemaOf(c, table, dialect), t, col)) {
                        if (rs.next()) {
                            int type = rs.getInt("DATA_TYPE");
                            int size = rs.getInt("COLUMN_SIZE");
                            boolean bounded = (type == Types.VARCHAR || type == Types.CHAR || type == Types.NVARCHAR)
                                    && size > 0 && size < Integer.MAX_VALUE;
                            return bounded ? size : null;
                        }
                    }
                }
            }
            return null;
        } catch (SQLException e) {
            return null;
        }
    }

    private static @Nullable String schemaOf(Connection c, TableSchema table, Dialect dialect) throws SQLException {
        return table.schema() != null ? dialect.storedName(table.schema()) : c.getSchema();
    }

    private static Set<String> lowerCase(List<String> names) {
        Set<String> out = new LinkedHashSet<>();
        names.forEach(n -> out.add(SqlIdentifiers.unquote(n).toLowerCase(Locale.ROOT)));
        return out;
    }

    /** A quoted name as stored; an unquoted one in each case the database may have folded it to. */
    private static Set<String> caseVariants(String name) {
        if (SqlIdentifiers.isQuoted(name)) {
            return Set.of(SqlIdentifiers.unquote(name));
        }
        Set<String> variants = new LinkedHashSet<>();
        variants.add(name);
        variants.add(name.toLowerCase(Locale.ROOT));
        variants.add(name.toUpperCase(Locale.ROOT));
        return variants;
    }
}
