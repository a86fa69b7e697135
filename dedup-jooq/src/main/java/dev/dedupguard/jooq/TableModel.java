package dev.dedupguard.jooq;

import static org.jooq.impl.DSL.unquotedName;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.SqlIdentifiers;
import dev.dedupguard.jdbc.TableSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * How the guard reads and writes one table: its key columns, and the values of a row to insert.
 *
 * <p>Names go into SQL as the host's {@link Name} states them: each part quoted where it was created quoted
 * ({@link DSL#quotedName}), unquoted where it was created unquoted ({@link DSL#unquotedName}); a part of jOOQ's
 * default kind ({@link DSL#name}) is unquoted if it is a plain identifier in one case ({@code case_file},
 * {@code CASE_FILE}), so that the database folds it as it folded the table's DDL, and quoted otherwise
 * ({@code "Case Files"}, {@code "CaseFiles"}), as jOOQ's own default rendering quotes it.
 */
abstract class TableModel<F> {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    final Table<?> table;
    /** The table's name with every part explicitly quoted or unquoted (see the class comment). */
    final Name tableName;
    /** The key columns by their explicit unqualified names, for the SQL jOOQ renders. */
    final Field<? extends Number> idColumn;
    private final Field<?> scopeColumn;
    private final Field<String> contentHashColumn;
    private final Field<String> nameMatchColumn;
    final Field<? extends Number> id;
    final Field<?> scope;
    final Field<String> contentHash;
    final Field<String> fileName;
    /** {@code null}: sameness is judged on the raw name. */
    final @Nullable Field<String> nameKey;

    TableModel(Table<?> table, Field<? extends Number> id, Field<?> scope, Field<String> contentHash,
            Field<String> fileName, @Nullable Field<String> nameKey) {
        this.table = table;
        this.id = id;
        this.scope = scope;
        this.contentHash = contentHash;
        this.fileName = fileName;
        this.nameKey = nameKey;
        this.tableName = explicit("table name", table.getQualifiedName());
        this.idColumn = column("id", id);
        this.scopeColumn = column("scope", scope);
        this.contentHashColumn = column("contentHash", contentHash);
        this.nameMatchColumn = column(nameKey != null ? "nameKey" : "fileName", nameMatch());
        column("fileName", fileName);
    }

    /**
     * {@code name} with each part explicitly quoted or unquoted, as the class comment says.
     *
     * @throws IllegalArgumentException naming {@code what} if a part is empty or has a NUL, or an explicitly unquoted
     *     part is not a plain identifier
     */
    static Name explicit(String what, Name name) {
        Name[] parts = name.parts();
        String label = what + " " + name.toString().replace("\0", "\\0");
        if (parts.length == 0) {
            SqlIdentifiers.requireValidPart(label, "");
        }
        List<Name> out = new ArrayList<>(parts.length);
        for (Name part : parts) {
            String text = SqlIdentifiers.requireValidPart(label, part.last());
            out.add(quoted(part) ? DSL.quotedName(text) : DSL.unquotedName(text));
        }
        return DSL.name(out.toArray(new Name[0]));
    }

    private static boolean quoted(Name part) {
        String text = part.last();
        boolean plain = PLAIN.matcher(text).matches();
        return switch (part.quoted()) {
            case QUOTED -> true;
            case UNQUOTED -> {
                if (!plain) {
                    throw new IllegalArgumentException("the unquoted name " + text + " is not a plain identifier "
                            + "(letters, digits, underscore): create it with DSL.quotedName or DSL.name instead");
                }
                yield false;
            }
            default -> !plain || !(text.equals(text.toLowerCase(java.util.Locale.ROOT))
                    || text.equals(text.toUpperCase(java.util.Locale.ROOT)));
        };
    }

    /** {@code field} as an unqualified column of its explicit name, of the same data type. */
    @SuppressWarnings("unchecked")
    private static <T> Field<T> column(String what, Field<T> field) {
        return (Field<T>) DSL.field(explicit("HostTable " + what + " column name", field.getUnqualifiedName()),
                field.getDataType());
    }

    /** {@code field} of a host record as the column the inserts name. */
    static Field<?> insertColumn(Field<?> field) {
        return DSL.field(explicit("column name", field.getUnqualifiedName()), field.getDataType());
    }

    /** One part of an explicit name as it goes into the SQL of {@code dialect}. */
    private static String sql(Dialect dialect, Name part) {
        return part.quoted() == Name.Quoted.QUOTED ? dialect.quoteIdentifier(part.last()) : part.last();
    }

    abstract FileKey keyOf(F file);

    /** The column values of the row that registers {@code file}. */
    abstract Map<Field<?>, Object> insertValues(F file, StoredKey key);

    /** The column that, with scope and content hash, makes the unique key. */
    Field<String> nameMatch() {
        return nameKey != null ? nameKey : fileName;
    }

    Object scopeValue(StoredKey key) {
        return scope.getDataType().convert(key.file().scope());
    }

    /** The same columns as SQL identifiers of {@code dialect}, for the shared schema checks and plain statements. */
    TableSchema schema(Dialect dialect) {
        Name[] parts = tableName.parts();
        String schema = parts.length > 1 ? sql(dialect, parts[parts.length - 2]) : null;
        return new TableSchema(schema, sql(dialect, parts[parts.length - 1]), sql(dialect, idColumn.getUnqualifiedName()),
                sql(dialect, scopeColumn.getUnqualifiedName()), sql(dialect, contentHashColumn.getUnqualifiedName()),
                sql(dialect, column("fileName", fileName).getUnqualifiedName()),
                nameKey == null ? null : sql(dialect, nameMatchColumn.getUnqualifiedName()));
    }

    /** The key columns in constraint order, by their explicit names: scope, content hash, name (or name key). */
    Field<?>[] keyColumns() {
        return new Field<?>[] {scopeColumn, contentHashColumn, nameMatchColumn};
    }

    /** The columns a batch insert returns: id and the key columns, by their explicit names. */
    Field<?>[] returnedColumns() {
        return new Field<?>[] {idColumn, scopeColumn, contentHashColumn, nameMatchColumn};
    }

    /** The library-owned table {@code dedup_file} (name configurable). */
    static final class Library extends TableModel<FileKey> {
        Library(String tableName) {
            this(DSL.table(unquotedName(tableName.split("\\."))));
        }

        private Library(Table<Record> t) {
            super(t, DSL.field(unquotedName("id"), SQLDataType.BIGINT),
                    DSL.field(unquotedName("scope"), SQLDataType.VARCHAR),
                    DSL.field(unquotedName("content_hash"), SQLDataType.VARCHAR),
                    DSL.field(unquotedName("file_name"), SQLDataType.VARCHAR),
                    DSL.field(unquotedName("name_key"), SQLDataType.VARCHAR));
        }

        @Override
        FileKey keyOf(FileKey file) {
            return file;
        }

        @Override
        Map<Field<?>, Object> insertValues(FileKey file, StoredKey key) {
            Map<Field<?>, Object> values = new LinkedHashMap<>();
            values.put(scope, key.file().scope());
            values.put(contentHash, key.file().contentHash());
            values.put(fileName, key.file().fileName());
            values.put(nameKey, key.nameDigest());
            return values;
        }

    }

    /** The host's own table, mapped by a {@link HostTable}. */
    static final class Host<R extends Record> extends TableModel<R> {
        private final HostTable<R> mapping;

        Host(HostTable<R> mapping) {
            super(mapping.table(), mapping.id(), mapping.scope(), mapping.contentHash(), mapping.fileName(),
                    mapping.nameKey());
            this.mapping = mapping;
        }

        @Override
        FileKey keyOf(R record) {
            return mapping.keyOf(record);
        }

        /**
         * Every column the host set on the record (jOOQ's changed flags), except a null id, plus the key columns: the
         * content hash in its normalised lower-case form, and the name key if mapped.
         */
        @Override
        Map<Field<?>, Object> insertValues(R record, StoredKey key) {
            Map<String, Field<?>> columns = new LinkedHashMap<>();
            Map<String, Object> values = new LinkedHashMap<>();
            for (Field<?> f : record.fields()) {
                boolean isId = f.getName().equals(id.getName());
                if (record.changed(f) && !(isId && record.get(f) == null)) {
                    columns.put(f.getName(), f);
                    values.put(f.getName(), record.get(f));
                }
            }
            put(columns, values, scope, record.get(scope));
            put(columns, values, contentHash, key.file().contentHash());
            put(columns, values, fileName, record.get(fileName));
            if (nameKey != null) {
                put(columns, values, nameKey, key.nameDigest());
            }
            Map<Field<?>, Object> row = new LinkedHashMap<>();
            columns.forEach((columnName, field) -> row.put(insertColumn(field), values.get(columnName)));
            return row;
        }

        private static void put(Map<String, Field<?>> columns, Map<String, Object> values, Field<?> field, Object value) {
            columns.put(field.getName(), field);
            values.put(field.getName(), value);
        }

    }
}
