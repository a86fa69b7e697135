package dev.dedupguard.migration;

import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.SqlIdentifiers;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The names a migration was given, parsed but not yet resolved against a database: each part of a name either
 * unquoted (a plain identifier, folded by the database as its DDL was) or quoted ({@code "Case Files"}, or MariaDB's
 * backticks), as the guard's mappings state them. Quoting is dedup-jdbc's ({@link SqlIdentifiers}, {@link Dialect});
 * this class only checks that an unquoted part cannot carry SQL of its own.
 */
final class TableMapping {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

    /** One part of a name: its text without quotes, and whether it was quoted. */
    record Part(String text, boolean quoted) {
        /** The part as the catalog stores it: quoted exactly, unquoted folded as {@code dialect} folds it. */
        String stored(Dialect dialect) {
            return quoted ? text : dialect.storedName(text);
        }

        /** A derived name ({@code uq_<table>_duplicate}), quoted when this part was. */
        Part derived(String prefix, String suffix) {
            return new Part(prefix + text + suffix, quoted);
        }
    }

    final String table;
    final @Nullable Part schema;
    final Part name;
    final Part id;
    final Part scope;
    final Part contentHash;
    final Part fileName;
    final @Nullable Part nameKey;
    final Part oldestBy;
    final Part constraint;
    final Part quarantine;
    final Part hashCheck;

    TableMapping(String table, String id, @Nullable String scope, @Nullable String contentHash,
            @Nullable String fileName, @Nullable String nameKey, @Nullable String oldestBy,
            @Nullable String constraint, @Nullable String quarantine, @Nullable String hashCheck) {
        if (table == null) {
            throw new IllegalArgumentException("table must not be null");
        }
        List<String> parts = split("table", table);
        if (parts.size() > 2) {
            throw new IllegalArgumentException("table must be name or schema.name, was '" + table + "'");
        }
        this.table = table;
        this.schema = parts.size() == 2 ? part("table (schema part)", parts.get(0)) : null;
        this.name = part("table", parts.get(parts.size() - 1));
        this.id = column("id", id);
        this.scope = column("scope", required("scope", scope));
        this.contentHash = column("contentHash", required("contentHash", contentHash));
        this.fileName = column("fileName", required("fileName", fileName));
        this.nameKey = nameKey == null ? null : column("nameKey", nameKey);
        this.oldestBy = oldestBy == null ? this.id : column("oldestBy", oldestBy);
        this.constraint = constraint == null ? name.derived("uq_", "_duplicate") : column("constraintName", constraint);
        this.quarantine = quarantine == null ? name.derived("", "_quarantine")
                : column("quarantineTable", quarantine);
        this.hashCheck = hashCheck == null ? name.derived("ck_", "_hash_lower") : column("hashCheckName", hashCheck);
        Set<String> keyColumns = new HashSet<>();
        for (Part column : nameKey == null ? List.of(this.id, this.scope, this.contentHash, this.fileName)
                : List.of(this.id, this.scope, this.contentHash, this.fileName, this.nameKey)) {
            if (!keyColumns.add(column.text())) {
                throw new IllegalArgumentException("id, scope, contentHash, fileName and nameKey must be different "
                        + "columns, but " + column.text() + " is used twice");
            }
        }
        if (this.quarantine.equals(this.name)) {
            throw new IllegalArgumentException("quarantineTable must differ from the table itself, was "
                    + quarantine);
        }
    }

    /** The column that, with scope and hash, makes the unique key: the name key if mapped, else the file name. */
    Part nameMatch() {
        return nameKey != null ? nameKey : fileName;
    }

    private static String required(String field, @Nullable String value) {
        if (value == null) {
            throw new IllegalArgumentException("the migration needs the " + field + " column; call ." + field
                    + "(column)");
        }
        return value;
    }

    private static List<String> split(String field, String value) {
        try {
            return SqlIdentifiers.split(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private static Part column(String field, String value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        List<String> parts = split(field, value);
        if (parts.size() != 1) {
            throw new IllegalArgumentException(field + " must be one name without a schema, was '" + value + "'");
        }
        return part(field, parts.get(0));
    }

    private static Part part(String field, String sql) {
        if (SqlIdentifiers.isQuoted(sql)) {
            return new Part(SqlIdentifiers.requireValidPart(field + " " + sql, SqlIdentifiers.unquote(sql)), true);
        }
        if (!PLAIN.matcher(sql).matches()) {
            throw new IllegalArgumentException(field + " must be a plain SQL identifier (a letter or '_', then "
                    + "letters, digits, '_' or '$') or a quoted one (\"Case Files\"), was '" + sql + "'");
        }
        return new Part(sql, false);
    }
}
