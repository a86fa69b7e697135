package dev.dedupguard.migration;

import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which host table a {@link DedupMigration} cleans up and constrains, and the names it uses. Immutable and
 * thread-safe; every name is checked when {@link Builder#build()} runs, before any database work.
 *
 * <p>Names are plain SQL identifiers ({@code [A-Za-z_][A-Za-z0-9_]*}, at most 63 characters, the table optionally
 * {@code schema.table}). Like unquoted names in PostgreSQL they are case-insensitive: they are folded to lower case
 * and always quoted in the SQL the migration runs, so a column called {@code order} works too. Tables created with
 * quoted mixed-case names are not supported.
 *
 * <p>Defaults, shown for the seed's table {@code case_file}:
 * <ul>
 *   <li>id column {@code id} (an integer column: {@code smallint}, {@code integer} or {@code bigint});</li>
 *   <li>the "oldest" row of a duplicate group is the one with the smallest {@link Builder#oldestBy ordering
 *       column} (default: the id column), ties broken by the smaller id;</li>
 *   <li>unique constraint {@code uq_<table>_duplicate}, so {@code uq_case_file_duplicate} as in the seed note; the
 *       unique index built for it has the same name;</li>
 *   <li>quarantine table {@code <table>_quarantine} in the table's schema, so {@code case_file_quarantine}.</li>
 * </ul>
 *
 * <pre>{@code
 * MigrationTable caseFile = MigrationTable.of("case_file")
 *         .scope("case_id").contentHash("file_hash").fileName("original_filename")
 *         .oldestBy("uploaded_at")
 *         .build();
 * }</pre>
 */
public final class MigrationTable {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_IDENTIFIER_LENGTH = 63;

    private final String schema;
    private final String table;
    private final String id;
    private final String scope;
    private final String contentHash;
    private final String fileName;
    private final String oldestBy;
    private final String constraintName;
    private final String quarantineTable;

    private MigrationTable(Builder b) {
        String[] parts = splitTable(b.table);
        this.schema = parts[0];
        this.table = parts[1];
        this.id = identifier("id", b.id);
        this.scope = identifier("scope", required("scope", b.scope));
        this.contentHash = identifier("contentHash", required("contentHash", b.contentHash));
        this.fileName = identifier("fileName", required("fileName", b.fileName));
        this.oldestBy = b.oldestBy == null ? id : identifier("oldestBy", b.oldestBy);
        this.constraintName = b.constraintName == null
                ? identifier("constraintName (default uq_<table>_duplicate)", "uq_" + table + "_duplicate")
                : identifier("constraintName", b.constraintName);
        this.quarantineTable = b.quarantineTable == null
                ? identifier("quarantineTable (default <table>_quarantine)", table + "_quarantine")
                : identifier("quarantineTable", b.quarantineTable);
        Set<String> keyColumns = new HashSet<>();
        for (String column : new String[] {id, scope, contentHash, fileName}) {
            if (!keyColumns.add(column)) {
                throw new IllegalArgumentException("id, scope, contentHash and fileName must be four different "
                        + "columns, but " + column + " is used twice");
            }
        }
        if (quarantineTable.equals(table)) {
            throw new IllegalArgumentException("quarantineTable must differ from the table itself, was "
                    + quarantineTable);
        }
    }

    /**
     * Starts a mapping of {@code table} ({@code name} or {@code schema.name}); {@link Builder#scope},
     * {@link Builder#contentHash} and {@link Builder#fileName} must be set before {@link Builder#build()}.
     *
     * @param table the host table's name, optionally schema-qualified
     * @return a builder with the defaults described on {@link MigrationTable}
     */
    public static Builder of(String table) {
        return new Builder(table);
    }

    /**
     * The seed's {@code case_file(id, case_id, file_hash, original_filename, ...)} with
     * {@code uq_case_file_duplicate} and quarantine table {@code case_file_quarantine}.
     *
     * @param table the table name to use instead of {@code case_file} (same columns), e.g. a copy for a trial run
     * @return the mapping, oldest row by id
     */
    public static MigrationTable caseFile(String table) {
        return of(table).scope("case_id").contentHash("file_hash").fileName("original_filename")
                .constraintName("uq_case_file_duplicate").build();
    }

    private static String required(String field, String value) {
        if (value == null) {
            throw new IllegalArgumentException("MigrationTable needs the " + field + " column; call ." + field
                    + "(column)");
        }
        return value;
    }

    private static String[] splitTable(String qualified) {
        if (qualified == null) {
            throw new IllegalArgumentException("table must not be null");
        }
        int dot = qualified.indexOf('.');
        if (dot < 0) {
            return new String[] {null, identifier("table", qualified)};
        }
        if (qualified.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("table must be name or schema.name, was '" + qualified + "'");
        }
        return new String[] {identifier("table (schema part)", qualified.substring(0, dot)),
                identifier("table", qualified.substring(dot + 1))};
    }

    private static String identifier(String field, String value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (!IDENTIFIER.matcher(value).matches() || value.length() > MAX_IDENTIFIER_LENGTH) {
            throw new IllegalArgumentException(field + " must be an SQL identifier: a letter or '_', then letters, "
                    + "digits or '_', at most " + MAX_IDENTIFIER_LENGTH + " characters; was '" + value + "'");
        }
        return value.toLowerCase(Locale.ROOT);
    }

    /** @return the schema, or {@code null} for the connection's current schema */
    public String schema() {
        return schema;
    }

    /** @return the table name without schema, lower case */
    public String table() {
        return table;
    }

    /** @return the id column */
    public String id() {
        return id;
    }

    /** @return the scope column (the seed's {@code case_id}) */
    public String scope() {
        return scope;
    }

    /** @return the content-hash column (the seed's {@code file_hash}) */
    public String contentHash() {
        return contentHash;
    }

    /** @return the file-name column (the seed's {@code original_filename}) */
    public String fileName() {
        return fileName;
    }

    /** @return the column whose smallest value marks the row kept in each duplicate group */
    public String oldestBy() {
        return oldestBy;
    }

    /** @return the unique constraint's name, which the unique index also carries */
    public String constraintName() {
        return constraintName;
    }

    /** @return the quarantine table's name (in the host table's schema) */
    public String quarantineTable() {
        return quarantineTable;
    }

    /** @return {@code table} or {@code schema.table}, as given (lower case) */
    public String qualifiedName() {
        return schema == null ? table : schema + "." + table;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MigrationTable t && Objects.equals(schema, t.schema) && table.equals(t.table)
                && id.equals(t.id) && scope.equals(t.scope) && contentHash.equals(t.contentHash)
                && fileName.equals(t.fileName) && oldestBy.equals(t.oldestBy)
                && constraintName.equals(t.constraintName) && quarantineTable.equals(t.quarantineTable);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schema, table, id, scope, contentHash, fileName, oldestBy, constraintName,
                quarantineTable);
    }

    @Override
    public String toString() {
        return qualifiedName() + "(" + id + "; key " + scope + ", " + contentHash + ", " + fileName + "; oldest by "
                + oldestBy + "; constraint " + constraintName + "; quarantine " + quarantineTable + ")";
    }

    /** Collects the names; not thread-safe, {@link #build()} checks them all. */
    public static final class Builder {
        private final String table;
        private String id = "id";
        private String scope;
        private String contentHash;
        private String fileName;
        private String oldestBy;
        private String constraintName;
        private String quarantineTable;

        private Builder(String table) {
            this.table = table;
        }

        /**
         * @param column the id column, an integer primary key (default {@code id})
         * @return this builder
         */
        public Builder id(String column) {
            this.id = column;
            return this;
        }

        /**
         * @param column the scope column (the seed's {@code case_id})
         * @return this builder
         */
        public Builder scope(String column) {
            this.scope = column;
            return this;
        }

        /**
         * @param column the content-hash column (the seed's {@code file_hash})
         * @return this builder
         */
        public Builder contentHash(String column) {
            this.contentHash = column;
            return this;
        }

        /**
         * @param column the file-name column (the seed's {@code original_filename})
         * @return this builder
         */
        public Builder fileName(String column) {
            this.fileName = column;
            return this;
        }

        /**
         * @param column the column that orders a duplicate group, smallest first (e.g. an upload timestamp); rows
         *     where it is null count as newest; default: the id column
         * @return this builder
         */
        public Builder oldestBy(String column) {
            this.oldestBy = column;
            return this;
        }

        /**
         * @param name the unique constraint to create (default {@code uq_<table>_duplicate})
         * @return this builder
         */
        public Builder constraintName(String name) {
            this.constraintName = name;
            return this;
        }

        /**
         * @param name the quarantine table, created in the host table's schema (default {@code <table>_quarantine})
         * @return this builder
         */
        public Builder quarantineTable(String name) {
            this.quarantineTable = name;
            return this;
        }

        /**
         * @return the mapping
         * @throws IllegalArgumentException naming the field and the value, for a missing or malformed name
         */
        public MigrationTable build() {
            return new MigrationTable(this);
        }
    }
}
