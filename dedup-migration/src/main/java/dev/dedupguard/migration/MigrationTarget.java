package dev.dedupguard.migration;

import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.jdbc.Dialect;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The host table as one database resolved it: its identity (schema and name as the catalog stores them, and the key
 * of the migration's lock), its columns, and every name the migration uses, each as the catalog stores it. SQL
 * always carries these names quoted ({@link #sql}), so a statement reaches the same table whatever the connection's
 * search path and however the user spelled the name.
 *
 * @param given the table's name as the user gave it, for messages
 * @param schema the table's schema (PostgreSQL) or database (MariaDB), as stored
 * @param table the table's name, as stored
 * @param lockKey what the migration's lock is keyed by: the table's identity, never its spelling
 * @param engine the storage engine (MariaDB), or {@code null} where there is none to choose
 * @param columns the table's columns by stored name, in table order
 * @param id the id column, stored
 * @param scope the scope column, stored
 * @param contentHash the content-hash column, stored
 * @param nameMatch the name-key column if mapped, else the file-name column, stored
 * @param nameKeyMapped whether {@code nameMatch} is a name-key column
 * @param fileName the file-name column, stored
 * @param oldestBy the column whose smallest value marks the kept row, stored
 * @param constraint the unique constraint (and its index) to create, stored
 * @param quarantine the quarantine table, in {@code schema}, stored
 * @param hashCheck the canonical-hash CHECK constraint to create, stored
 */
record MigrationTarget(String given, String schema, String table, Object lockKey, @Nullable String engine,
        Map<String, Column> columns, String id, String scope, String contentHash, String nameMatch,
        boolean nameKeyMapped, String fileName, String oldestBy, String constraint, String quarantine,
        String hashCheck) {

    /**
     * One column as the catalog describes it.
     *
     * @param name the stored name
     * @param type the type as the database renders it (e.g. {@code bigint}, {@code varchar(750)})
     * @param dataType the bare type name, lower case (e.g. {@code varchar}, {@code blob})
     * @param collatable whether the column has a collation (a character column)
     */
    record Column(String name, String type, String dataType, boolean collatable) {
    }

    /**
     * Resolves {@code m} on the database {@code c} is connected to: finds the table as the catalog stores it (the
     * search path or current database for an unqualified name), reads its columns and checks that every mapped one is
     * there, and that every name the migration creates fits the database's identifier limit.
     *
     * @throws SchemaMismatchException if the table or a mapped column does not exist, or the name is not a table's
     * @throws IllegalArgumentException if a name the migration creates is too long for the database
     */
    static MigrationTarget resolve(Connection c, MigrationDialect.Database db, TableMapping m) throws SQLException {
        Dialect d = db.jdbc;
        MigrationDialect.Identity id = db.identify(c, m);
        if (id == null) {
            throw new SchemaMismatchException("table " + m.table + " does not exist" + (m.schema != null ? ""
                    : db == MigrationDialect.Database.POSTGRESQL ? " (searched in the connection's search_path)"
                    : " (searched in the connection's current database)"));
        }
        if (!id.kind().equals("table")) {
            throw new SchemaMismatchException(m.table + " is a " + id.kind() + ", not a table");
        }
        Map<String, Column> columns = Catalog.columns(c, db, id.schema(), id.table());
        List<TableMapping.Part> mapped = m.nameKey == null ? List.of(m.id, m.scope, m.contentHash, m.fileName, m.oldestBy)
                : List.of(m.id, m.scope, m.contentHash, m.fileName, m.nameKey, m.oldestBy);
        for (TableMapping.Part column : mapped) {
            if (!columns.containsKey(column.stored(d))) {
                throw new SchemaMismatchException("table " + m.table + " has no column " + column.stored(d)
                        + "; its columns are " + columns.keySet());
            }
        }
        return new MigrationTarget(m.table, id.schema(), id.table(), id.lockKey(), id.engine(), columns,
                m.id.stored(d), m.scope.stored(d), m.contentHash.stored(d), m.nameMatch().stored(d), m.nameKey != null,
                m.fileName.stored(d), m.oldestBy.stored(d),
                fitting(d, "constraintName (default uq_<table>_duplicate)", m.constraint.stored(d)),
                fitting(d, "quarantineTable (default <table>_quarantine)", m.quarantine.stored(d)),
                fitting(d, "hashCheckName (default ck_<table>_hash_lower)", m.hashCheck.stored(d)));
    }

    private static String fitting(Dialect d, String field, String name) {
        if (name.getBytes(StandardCharsets.UTF_8).length > d.maxIdentifierLength()) {
            throw new IllegalArgumentException(field + " must be at most " + d.maxIdentifierLength() + " bytes on "
                    + d.displayName() + ", which would cut it; was " + name.length() + " characters: " + name);
        }
        return name;
    }

    /** {@code schema.table} as stored, for messages. */
    /** The table as the guard's schema checks name it, every identifier quoted as the catalog stores it. */
    dev.dedupguard.jdbc.TableSchema tableSchema(Dialect dialect) {
        return new dev.dedupguard.jdbc.TableSchema(dialect.quoteIdentifier(schema), dialect.quoteIdentifier(table),
                dialect.quoteIdentifier(id), dialect.quoteIdentifier(scope), dialect.quoteIdentifier(contentHash),
                dialect.quoteIdentifier(fileName), nameKeyMapped ? dialect.quoteIdentifier(nameMatch) : null);
    }

    String qualified() {
        return schema + "." + table;
    }

    /** The key columns in unique-key order: scope, content hash, name match. */
    List<String> keyColumns() {
        return List.of(scope, contentHash, nameMatch);
    }

    /** {@code name} quoted for {@code dialect}. */
    static String sql(Dialect dialect, String storedName) {
        return dialect.quoteIdentifier(storedName);
    }
}
