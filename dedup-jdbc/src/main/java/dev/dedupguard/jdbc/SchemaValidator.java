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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The checks every backend runs when a guard is built, in plain JDBC: the table and its key columns exist, the strategy
 * has what it needs, and the name policy can be honoured. Failures are {@link SchemaMismatchException}s whose message
 * says how to fix the schema.
 */
public final class SchemaValidator {
    private SchemaValidator() {
    }

    /**
     * Validates {@code table} for {@code options} on connection {@code c} and returns what every key is measured
     * against before any database work ({@link JdbcStorage#checkKey}).
     *
     * <p>Beyond the columns' presence and the strategy's needs, it proves from the catalog that the database compares
     * keys the way the guard does, so that the database never calls a different file the same: the scope column is an
     * integer, a UUID or text compared byte for byte; the hash and name-key columns compare byte for byte (trailing
     * blanks aside); a raw name column that makes the key compares byte for byte; every text key column can hold every
     * character the guard accepts (or the Basic Multilingual Plane, checked per key); a CHECK constraint keeps every
     * hash written in lower case (one not yet validated against the rows stored before it counts: this is a check of
     * what the schema enforces for writes, not of the data already stored, which it does not scan for duplicates
     * either; see {@code dedup-migration}); every unique key over exactly the key columns is one the guard can rely on (plain,
     * full-column, valid, immediate, non-partial), and none over expressions of them rejects keys the guard keeps
     * apart; the storage and the session keep the guard's promises (a transactional engine, a strict SQL mode, a
     * UTF-8 database). Every problem found is reported at once, each with the DDL that fixes it.
     *
     * @param c a connection to the database, used for read-only queries (metadata, column probes, a stripe count)
     * @param table the columns the guard will use
     * @param options the guard's settings: strategy, name policy and lock stripes decide what is checked
     * @param stripeTable the stripe table, checked for {@link Strategy#SELECT_FOR_UPDATE}
     * @param dialect the database
     * @return the declared lengths of the scope and file name columns (where bounded), the scope's form and which
     *     columns hold only the Basic Multilingual Plane
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
        Map<String, KeyColumn> columns;
        try {
            columns = checkEquality(c, table, options.strategy(), stripeTable, dialect);
        } catch (SQLException e) {
            throw new SchemaMismatchException("cannot read how " + name + " stores and compares its key columns: "
                    + e.getMessage(), e);
        }
        if (options.strategy() == Strategy.UNIQUE_CONSTRAINT) {
            checkUniqueKeys(c, table, dialect);
        }
        if (options.strategy() == Strategy.SELECT_FOR_UPDATE) {
            requireStripes(c, stripeTable, options.lockStripes());
        }
        KeyColumn hash = columns.get(table.contentHash());
        Integer hashSize = hash == null ? null : hash.length();
        int hexLength = options.hashAlgorithm().hexLength();
        if (hashSize != null && hashSize < hexLength) {
            throw new SchemaMismatchException("hashAlgorithm " + options.hashAlgorithm() + " needs " + hexLength
                    + " characters in the content hash column " + table.contentHash() + " of " + name
                    + ", which holds " + hashSize + ". Widen the column or use the algorithm the column was made for");
        }
        KeyColumn scope = columns.get(table.scope());
        KeyColumn fileName = columns.get(table.fileName());
        TableLimits.ScopeForm scopeForm = scope == null ? TableLimits.ScopeForm.TEXT : switch (scope.values()) {
            case INTEGER -> TableLimits.ScopeForm.INTEGER;
            case UUID -> TableLimits.ScopeForm.UUID;
            default -> TableLimits.ScopeForm.TEXT;
        };
        return new TableLimits(scope == null ? null : scope.length(), fileName == null ? null : fileName.length(),
                keyTypes, scopeForm,
                scope != null && scope.repertoire() == KeyColumn.Repertoire.BMP,
                fileName != null && fileName.repertoire() == KeyColumn.Repertoire.BMP);
    }

    /**
     * The equality proof of {@link #validate}: collects every problem, then refuses the table with all of them.
     *
     * @return the key columns as the catalog describes them
     */
    private static Map<String, KeyColumn> checkEquality(Connection c, TableSchema table, Strategy strategy,
            String stripeTable, Dialect dialect) throws SQLException {
        SchemaCatalog catalog = dialect.catalog();
        String name = table.qualifiedTable();
        List<String> problems = new ArrayList<>(catalog.storageProblems(c, table,
                strategy == Strategy.SELECT_FOR_UPDATE ? stripeTable : null));
        Map<String, KeyColumn> columns = catalog.keyColumns(c, table);

        problems.addAll(columnProblems(table, columns, catalog));
        KeyColumn hash = columns.get(table.contentHash());
        if (hash != null) {
            requireLowerCaseCheck(problems, c, catalog, table, dialect);
        }

        Set<String> key = lowerCase(table.keyColumns(), dialect);
        boolean usable = false;
        List<String> unusable = new ArrayList<>();
        for (SchemaCatalog.UniqueKey unique : catalog.uniqueKeys(c, table)) {
            if (!key.containsAll(unique.columns())) {
                continue;
            }
            boolean onKey = unique.columns().equals(key);
            if (unique.merging() != null) {
                problems.add("the unique index " + unique.name() + " on " + unique.columns() + " of " + name
                        + " treats keys the guard keeps apart as one: " + unique.merging() + ", so a different file "
                        + "could be refused or answered as a duplicate. Drop it" + (onKey
                                ? ", then add a plain one: " + uniqueKeyDdl(table) : ""));
            } else if (onKey && unique.unusable() != null) {
                unusable.add(unique.name() + " (" + unique.unusable() + ")");
            } else if (onKey) {
                usable = true;
            }
        }
        if (strategy == Strategy.UNIQUE_CONSTRAINT && !usable) {
            problems.add(0, "strategy UNIQUE_CONSTRAINT needs a unique constraint on exactly " + key + " of table "
                    + name + ", and there is none" + (unusable.isEmpty() ? "" : " it can rely on: " + String.join(", ",
                            unusable)) + ". Add one (e.g. " + uniqueKeyDdl(table) + ") or use SELECT_FOR_UPDATE");
        }
        if (!problems.isEmpty()) {
            StringBuilder message = new StringBuilder(problems.size() == 1 ? problems.get(0)
                    : "table " + name + " cannot be guarded as it is, for " + problems.size() + " reasons:");
            if (problems.size() > 1) {
                for (int i = 0; i < problems.size(); i++) {
                    message.append("\n  ").append(i + 1).append(". ").append(problems.get(i));
                }
            }
            throw new SchemaMismatchException(message.toString());
        }
        return columns;
    }

    /**
     * What keeps {@code table}'s key columns from storing and comparing keys as the guard does, each with the DDL that
     * fixes it: the column part of {@link #validate}'s equality proof (types, collations, character sets), without the
     * unique key, the hash's CHECK, the engine or the session. A migration runs it before it groups rows by key, so that
     * it never merges rows that the guard considers different files.
     *
     * @param c a connection to the table's database, for catalog queries only
     * @param table the guard's table
     * @param dialect the database
     * @return one message per problem; empty if the columns compare as the guard does
     * @throws SQLException if the catalog cannot be read
     */
    public static List<String> keyColumnProblems(Connection c, TableSchema table, Dialect dialect) throws SQLException {
        SchemaCatalog catalog = dialect.catalog();
        return columnProblems(table, catalog.keyColumns(c, table), catalog);
    }

    private static List<String> columnProblems(TableSchema table, Map<String, KeyColumn> columns,
            SchemaCatalog catalog) {
        List<String> problems = new ArrayList<>();
        KeyColumn scope = columns.get(table.scope());
        if (scope != null && scope.values() != KeyColumn.Values.INTEGER && scope.values() != KeyColumn.Values.UUID) {
            requireText(problems, catalog, table, scope, "scope", "scopes", false, true);
        }
        KeyColumn hash = columns.get(table.contentHash());
        if (hash != null) {
            requireText(problems, catalog, table, hash, "content hash", "hashes", true, false);
        }
        KeyColumn fileName = columns.get(table.fileName());
        if (fileName != null) {
            requireText(problems, catalog, table, fileName, "file name", "names", false, table.nameKey() == null);
        }
        KeyColumn nameKey = table.nameKey() == null ? null : columns.get(table.nameKey());
        if (nameKey != null) {
            requireText(problems, catalog, table, nameKey, "name key", "name keys", true, false);
        }
        return problems;
    }

    /**
     * Refuses a text key column that the database fills or compares otherwise than the guard: one that cannot hold
     * every character, that pads ({@code CHAR(n)}) where blanks count, or that compares other than byte for byte where
     * it decides sameness ({@code compared}); hex-only columns may ignore trailing blanks.
     */
    private static void requireText(List<String> problems, SchemaCatalog catalog, TableSchema table, KeyColumn column,
            String role, String values, boolean hexOnly, boolean compared) {
        String where = "the " + role + " column " + column.name() + " of " + table.qualifiedTable() + " ("
                + column.declared() + ")";
        String fix = ". Fix: " + catalog.byteWiseColumnDdl(table, column, hexOnly);
        if (!column.isText()) {
            problems.add(where + " is not a text column" + (role.equals("scope")
                    ? " nor an integer or UUID column, so the guard cannot tell which scopes it keeps apart. Use an "
                            + "integer, UUID or text column" : ". Use a text column" + fix));
            return;
        }
        if (!hexOnly && column.repertoire() == KeyColumn.Repertoire.NARROW) {
            problems.add(where + " cannot hold every character the guard accepts in " + values + "; a character it "
                    + "lacks would be refused or replaced" + fix);
        } else if (!hexOnly && column.values() == KeyColumn.Values.FIXED_TEXT) {
            problems.add(where + " pads its values with blanks, so " + values + " that differ in trailing blanks "
                    + "would be stored as one" + fix);
        } else if (column.comparison() == KeyColumn.Comparison.INSENSITIVE && (compared || hexOnly)) {
            problems.add(where + " compares " + values + " ignoring differences the guard counts (case, accents, width "
                    + "or the like), so the database would call a different file a duplicate" + fix);
        } else if (column.comparison() == KeyColumn.Comparison.IGNORES_TRAILING_BLANKS && compared && !hexOnly) {
            problems.add(where + " compares " + values + " ignoring trailing blanks (PAD SPACE), so \"a.pdf\" and "
                    + "\"a.pdf \" would be one key" + fix);
        }
    }

    /**
     * Refuses a hash column without a CHECK constraint that keeps written hashes in lower case. One not yet validated
     * against older rows counts: this check judges what the schema enforces for writes, not the data already stored
     * (it does not scan for stored duplicates either). Rows stored before the constraint may hold upper-case hashes;
     * dedup-migration's doctor and migration report and lower-case them, and validating the constraint proves none is
     * left.
     */
    private static void requireLowerCaseCheck(List<String> problems, Connection c, SchemaCatalog catalog,
            TableSchema table, Dialect dialect) throws SQLException {
        String column = table.contentHash();
        List<String> accepted = List.of(SchemaCatalog.normalise(column + " = lower(" + column + ")"),
                SchemaCatalog.normalise("lower(" + column + ") = " + column));
        if (catalog.checkConditions(c, table, column).stream().anyMatch(accepted::contains)) {
            return;
        }
        String tableName = SqlIdentifiers.unquote(table.table()).toLowerCase(Locale.ROOT).replaceAll("\\W", "_");
        String constraint = "ck_" + tableName.substring(0, Math.min(tableName.length(),
                dialect.maxIdentifierLength() - "ck__hash_lower".length())) + "_hash_lower";
        problems.add("the content hash column " + column + " of " + table.qualifiedTable() + " has no CHECK constraint "
                + "that keeps hashes in lower case: a hash stored in upper case by other code would never be found, "
                + "and the same file would be stored again (" + catalog.lowerCaseCheckFailure(table, column, constraint)
                + "). Fix: " + catalog.lowerCaseCheckDdl(table, column, constraint));
    }

    private static String uniqueKeyDdl(TableSchema table) {
        return "ALTER TABLE " + table.qualifiedTable() + " ADD CONSTRAINT uq_"
                + SqlIdentifiers.unquote(table.table()).replaceAll("\\W", "_") + "_key UNIQUE ("
                + String.join(", ", table.keyColumns()) + ")";
    }

    /**
     * Checks that {@code c} is connected to the database {@code dialect} is for, before any SQL of that dialect runs,
     * and returns the dialect as it fits that server (see {@link Dialect#adaptTo}).
     *
     * @param c a connection to the guard's database; its metadata is read, and the server asked what it offers
     * @param dialect the dialect the guard was built with
     * @param given how the user named the database (e.g. jOOQ's {@code SQLDialect}), for the message
     * @return the dialect to render the guard's statements with
     * @throws SchemaMismatchException naming the dialect given and the database that answered
     */
    public static Dialect requireDatabase(Connection c, Dialect dialect, String given) {
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
        try {
            return dialect.adaptTo(c);
        } catch (SQLException e) {
            throw new SchemaMismatchException("cannot ask " + product + " " + version + " what it offers: "
                    + e.getMessage(), e);
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

    private static Set<String> lowerCase(List<String> names, Dialect dialect) {
        Set<String> out = new LinkedHashSet<>();
        names.forEach(n -> out.add(dialect.storedName(n).toLowerCase(Locale.ROOT)));
        return out;
    }
}
