package dev.dedupguard.jooq;

import dev.dedupguard.FileKey;
import java.util.Objects;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/**
 * Maps the host's own table to a guard's key: which columns hold the id, the scope, the content hash and the file
 * name, e.g. the seed's {@code case_file(id, case_id, file_hash, original_filename, ...)}. Immutable.
 *
 * <p>Optionally a <em>name-key</em> column ({@code char(64)}): the guard then writes the SHA-256 of the
 * policy-normalised name into it and judges sameness on it instead of the raw name. That is needed for a
 * {@link dev.dedupguard.NamePolicy} other than {@code EXACT}, and for long names on PostgreSQL: scope, hash and raw
 * name share one btree index entry of at most 2,704 bytes (with a {@code bigint} scope, names up to 2,612 bytes).
 *
 * <p>The table's and the columns' names go into SQL as their jOOQ {@link org.jooq.Name}s state them, schema-qualified
 * where the table's name is: a part made with {@link org.jooq.impl.DSL#quotedName} is quoted (in the database's own
 * quote character), one made with {@link org.jooq.impl.DSL#unquotedName} is not, and one made with
 * {@link org.jooq.impl.DSL#name} is unquoted if it is a plain identifier in one case ({@code case_file},
 * {@code CASE_FILE}) and quoted otherwise ({@code "Case Files"}, {@code "CaseFiles"}). A name with no part or a part
 * with a NUL character, or an unquoted part that is not a plain identifier, is refused by the guard's {@code build()}
 * with an {@link IllegalArgumentException}.
 *
 * @param <R> the record type of the host's table
 */
public final class HostTable<R extends Record> {
    private final Table<R> table;
    private final Field<? extends Number> id;
    private final Field<?> scope;
    private final Field<String> contentHash;
    private final Field<String> fileName;
    private final Field<String> nameKey;

    private HostTable(Builder<R> b) {
        this.table = b.table;
        this.id = require(b.id, "id");
        this.scope = require(b.scope, "scope");
        this.contentHash = require(b.contentHash, "contentHash");
        this.fileName = require(b.fileName, "fileName");
        this.nameKey = b.nameKey;
    }

    private static <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException("HostTable needs the " + what + " column; call ." + what + "(field)");
        }
        return value;
    }

    /**
     * Starts a mapping of {@code table}; each key column must be set before {@link Builder#build()}.
     *
     * @param <R> the record type of the host's table
     * @param table the host's table, e.g. a generated {@code Tables.CASE_FILE}; not {@code null}
     * @return a new builder with no column set
     * @throws NullPointerException if {@code table} is {@code null}
     */
    public static <R extends Record> Builder<R> of(Table<R> table) {
        return new Builder<>(Objects.requireNonNull(table, "table must not be null"));
    }

    /**
     * The host's table.
     *
     * @return the table given to {@link #of}
     */
    public Table<R> table() {
        return table;
    }

    /**
     * The generated integer primary key column, whose value a {@link dev.dedupguard.Registration} reports.
     *
     * @return the id column; never {@code null}
     */
    public Field<? extends Number> id() {
        return id;
    }

    /**
     * The column that scopes uniqueness; its values' string form is {@link FileKey#scope()}.
     *
     * @return the scope column; never {@code null}
     */
    public Field<?> scope() {
        return scope;
    }

    /**
     * The hex content hash column, {@link FileKey#contentHash()}.
     *
     * @return the content hash column; never {@code null}
     */
    public Field<String> contentHash() {
        return contentHash;
    }

    /**
     * The original file name column, {@link FileKey#fileName()}, stored exactly as given.
     *
     * @return the file name column; never {@code null}
     */
    public Field<String> fileName() {
        return fileName;
    }

    /**
     * The name-key column, or {@code null} if sameness is judged on the raw file name.
     *
     * @return the {@code char(64)} name-key column, or {@code null} if none is mapped
     */
    public Field<String> nameKey() {
        return nameKey;
    }

    /**
     * The key of a host record. Raises {@link IllegalArgumentException} naming the column and the key field when a
     * value is missing or invalid.
     */
    FileKey keyOf(R record) {
        Object scopeValue = record.get(scope);
        try {
            return new FileKey(scopeValue == null ? null : String.valueOf(scopeValue), record.get(contentHash),
                    record.get(fileName));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(table.getName() + " record (columns " + scope.getName() + ", "
                    + contentHash.getName() + ", " + fileName.getName() + "): " + e.getMessage(), e);
        }
    }

    /**
     * Builder of a {@link HostTable}. Not thread-safe; {@link #build()} may be called more than once.
     *
     * @param <R> the record type of the host's table
     */
    public static final class Builder<R extends Record> {
        private final Table<R> table;
        private Field<? extends Number> id;
        private Field<?> scope;
        private Field<String> contentHash;
        private Field<String> fileName;
        private Field<String> nameKey;

        private Builder(Table<R> table) {
            this.table = table;
        }

        /**
         * The generated integer primary key (e.g. {@code bigint generated by default as identity}). Required.
         *
         * @param id a column of the mapped table
         * @return this builder
         */
        public Builder<R> id(Field<? extends Number> id) {
            this.id = id;
            return this;
        }

        /**
         * The column that scopes uniqueness, e.g. {@code case_id}; any type whose string form round-trips. Required.
         *
         * @param scope a column of the mapped table
         * @return this builder
         */
        public Builder<R> scope(Field<?> scope) {
            this.scope = scope;
            return this;
        }

        /**
         * The hex content hash column, e.g. {@code file_hash}. Required.
         *
         * @param contentHash a character column of the mapped table, wide enough for the configured digest
         * @return this builder
         */
        public Builder<R> contentHash(Field<String> contentHash) {
            this.contentHash = contentHash;
            return this;
        }

        /**
         * The original file name column, stored exactly as given. Required.
         *
         * @param fileName a character column of the mapped table
         * @return this builder
         */
        public Builder<R> fileName(Field<String> fileName) {
            this.fileName = fileName;
            return this;
        }

        /**
         * Optional {@code char(64)} column for the SHA-256 of the normalised name; see {@link HostTable}.
         *
         * @param nameKey a {@code char(64)} column of the mapped table, or {@code null} to judge on the raw name
         * @return this builder
         */
        public Builder<R> nameKey(Field<String> nameKey) {
            this.nameKey = nameKey;
            return this;
        }

        /**
         * The mapping as set so far; the columns are checked against the database only when a guard is built.
         *
         * @return a new immutable mapping
         * @throws IllegalArgumentException naming the missing column, if id, scope, content hash or file name is
         *     not set
         */
        public HostTable<R> build() {
            return new HostTable<>(this);
        }
    }
}
