package dev.dedupguard.jooq;

import static org.jooq.impl.DSL.unquotedName;

import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.jdbc.HostRows;
import dev.dedupguard.jdbc.SqlIdentifiers;
import dev.dedupguard.jdbc.TableSchema;
import dev.dedupguard.spi.StoredKey;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.jooq.Converter;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * The jOOQ side of a guard's rows: the key of a {@link FileKey} or of a host record, and the row that registers it --
 * its columns rendered once per column set, its values bound after the fields' converters. A value only jOOQ's own
 * binding can bind (JSON, arrays, enums, ...) makes the row one that jOOQ inserts itself.
 *
 * <p>Names go into SQL as the host's {@link Name} states them: each part quoted where it was created quoted
 * ({@link DSL#quotedName}), unquoted where it was created unquoted ({@link DSL#unquotedName}); a part of jOOQ's default
 * kind ({@link DSL#name}) is unquoted if it is a plain identifier in one case ({@code case_file}, {@code CASE_FILE}), so
 * that the database folds it as it folded the table's DDL, and quoted otherwise ({@code "Case Files"}, {@code
 * "CaseFiles"}), as jOOQ's own default rendering quotes it. Immutable and thread-safe.
 */
abstract class JooqRows<F> implements HostRows<F> {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Value types that JDBC's {@code setObject} binds exactly as jOOQ would. */
    private static final Set<Class<?>> PLAIN_TYPES = Set.of(String.class, Long.class, Integer.class, Short.class,
            BigDecimal.class, Boolean.class, Double.class, Float.class, UUID.class, LocalDate.class, LocalDateTime.class,
            LocalTime.class, OffsetDateTime.class, byte[].class);
    private static final int MAX_COLUMN_SETS = 64;

    final SQLDialect sqlDialect;
    final Settings settings;
    /** The table's name with every part explicitly quoted or unquoted. */
    final Name tableName;
    final Field<? extends Number> idColumn;
    private final Field<?> scopeColumn;
    private final Field<String> contentHashColumn;
    private final Field<String> fileNameColumn;
    private final @Nullable Field<String> nameKeyColumn;
    private final TableSchema schema;
    /** Each column set's rendered columns, by the fields' names. */
    private final ConcurrentMap<List<String>, Columns> columnSets = new ConcurrentHashMap<>();
    /** Each column by its field's name: its explicit name as rendered, once. */
    private final ConcurrentMap<String, String> renderedColumns = new ConcurrentHashMap<>();
    /** The fields of the last column set looked up and its columns, so that a repeated set costs no lookup key. */
    private volatile @Nullable LastColumns lastColumns;

    JooqRows(SQLDialect sqlDialect, Dialect dialect, Table<?> table, Field<? extends Number> id, Field<?> scope,
            Field<String> contentHash, Field<String> fileName, @Nullable Field<String> nameKey) {
        this.sqlDialect = sqlDialect;
        this.settings = renderSettings();
        this.tableName = explicit("table name", table.getQualifiedName());
        this.idColumn = column("id", id);
        this.scopeColumn = column("scope", scope);
        this.contentHashColumn = column("contentHash", contentHash);
        this.fileNameColumn = column("fileName", fileName);
        this.nameKeyColumn = nameKey == null ? null : column("nameKey", nameKey);
        Name[] parts = tableName.parts();
        this.schema = new TableSchema(parts.length > 1 ? sql(dialect, parts[parts.length - 2]) : null,
                sql(dialect, parts[parts.length - 1]), sql(dialect, idColumn.getUnqualifiedName()),
                sql(dialect, scopeColumn.getUnqualifiedName()), sql(dialect, contentHashColumn.getUnqualifiedName()),
                sql(dialect, fileNameColumn.getUnqualifiedName()),
                nameKeyColumn == null ? null : sql(dialect, nameKeyColumn.getUnqualifiedName()));
    }

    /**
     * Names quoted exactly where the mapping made them quoted; the others unquoted, so that H2's default upper-casing
     * and PostgreSQL's lower-casing both find the tables.
     */
    static Settings renderSettings() {
        return new Settings().withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_UNQUOTED)
                .withExecuteLogging(false);
    }

    /** The table's columns as SQL identifiers of the guard's dialect, for the schema checks and the statements. */
    TableSchema schema() {
        return schema;
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
            default -> !plain || !(text.equals(text.toLowerCase(Locale.ROOT))
                    || text.equals(text.toUpperCase(Locale.ROOT)));
        };
    }

    /** {@code field} as an unqualified column of its explicit name, of the same data type. */
    private static <T> Field<T> column(String what, Field<T> field) {
        return DSL.field(explicit("HostTable " + what + " column name", field.getUnqualifiedName()),
                field.getDataType());
    }

    /** One part of an explicit name as it goes into the SQL of {@code dialect}. */
    private static String sql(Dialect dialect, Name part) {
        return part.quoted() == Name.Quoted.QUOTED ? dialect.quoteIdentifier(part.last()) : part.last();
    }

    /** The fields and values of the row that registers {@code file}, in insert order. */
    abstract void values(F file, StoredKey key, List<Field<?>> fields, List<Object> values);

    /**
     * The row as a value: its rendered columns and its values after the fields' converters, or, if a value is of a type
     * only jOOQ's own binding binds, jOOQ's own insert on the transaction's connection.
     */
    @Override
    public Row row(Transaction transaction, F file, StoredKey key) {
        List<Field<?>> fields = new ArrayList<>(8);
        List<Object> values = new ArrayList<>(8);
        values(file, key, fields, values);
        Object[] bound = plainValues(fields, values);
        if (bound != null) {
            return Row.of(columnsOf(fields), bound);
        }
        return Row.insertedBy(() -> {
            List<Field<?>> columns = new ArrayList<>(fields.size());
            List<Field<?>> row = new ArrayList<>(fields.size());
            for (int i = 0; i < fields.size(); i++) {
                Field<?> f = fields.get(i);
                columns.add(DSL.field(explicit("column name", f.getUnqualifiedName()), f.getDataType()));
                row.add(DSL.val(values.get(i), f.getDataType()));
            }
            return DSL.using(transaction.connection(), sqlDialect, settings).insertInto(DSL.table(tableName), columns)
                    .values(row).returningResult(idColumn).fetchOne(idColumn).longValue();
        });
    }

    /** The rendered columns of a column set, once per set of field names. */
    private Columns columnsOf(List<Field<?>> fields) {
        LastColumns last = lastColumns;
        if (last != null && last.sameFields(fields)) {
            return last.columns();
        }
        Columns found = columnsByName(fields);
        lastColumns = new LastColumns(fields.toArray(new Field<?>[0]), found);
        return found;
    }

    /** A column set's fields (compared by identity: the record's own field objects) and its rendered columns. */
    private record LastColumns(Field<?>[] fields, Columns columns) {
        boolean sameFields(List<Field<?>> others) {
            if (others.size() != fields.length) {
                return false;
            }
            for (int i = 0; i < fields.length; i++) {
                if (others.get(i) != fields[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    private Columns columnsByName(List<Field<?>> fields) {
        List<String> names = new ArrayList<>(fields.size());
        fields.forEach(f -> names.add(f.getName()));
        Columns columns = columnSets.get(names);
        if (columns == null) {
            List<String> rendered = new ArrayList<>(fields.size());
            for (Field<?> f : fields) {
                rendered.add(renderedColumns.computeIfAbsent(f.getName(), n -> DSL.using(sqlDialect, settings)
                        .render(explicit("column name", f.getUnqualifiedName()))));
            }
            columns = Columns.of(rendered);
            if (columnSets.size() < MAX_COLUMN_SETS) {
                columnSets.putIfAbsent(List.copyOf(names), columns);
            }
        }
        return columns;
    }

    /**
     * The values as JDBC binds them (after the fields' converters), or {@code null} if one is of a type that only
     * jOOQ's own binding handles.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object @Nullable [] plainValues(List<Field<?>> fields, List<Object> values) {
        Object[] out = new Object[values.size()];
        for (int i = 0; i < out.length; i++) {
            Object value = values.get(i);
            Object converted = value == null ? null : ((Converter) fields.get(i).getConverter()).to(value);
            if (converted != null && !PLAIN_TYPES.contains(converted.getClass())) {
                return null;
            }
            out[i] = converted;
        }
        return out;
    }

    /** The library-owned table {@code dedup_file} (name configurable). */
    static final class Library extends JooqRows<FileKey> {
        private static final Field<String> SCOPE = DSL.field(unquotedName("scope"), SQLDataType.VARCHAR);
        private static final Field<String> CONTENT_HASH = DSL.field(unquotedName("content_hash"), SQLDataType.VARCHAR);
        private static final Field<String> FILE_NAME = DSL.field(unquotedName("file_name"), SQLDataType.VARCHAR);
        private static final Field<String> NAME_KEY = DSL.field(unquotedName("name_key"), SQLDataType.VARCHAR);

        Library(SQLDialect sqlDialect, Dialect dialect, String tableName) {
            super(sqlDialect, dialect, DSL.table(unquotedName(tableName.split("\\."))),
                    DSL.field(unquotedName("id"), SQLDataType.BIGINT), SCOPE, CONTENT_HASH, FILE_NAME, NAME_KEY);
        }

        @Override
        public FileKey keyOf(FileKey file) {
            return file;
        }

        @Override
        void values(FileKey file, StoredKey key, List<Field<?>> fields, List<Object> values) {
            fields.addAll(List.of(SCOPE, CONTENT_HASH, FILE_NAME, NAME_KEY));
            values.addAll(List.of(key.file().scope(), key.file().contentHash(), key.file().fileName(),
                    key.nameDigest()));
        }
    }

    /** The host's own table, mapped by a {@link HostTable}. */
    static final class Host<R extends Record> extends JooqRows<R> {
        private final HostTable<R> mapping;
        private final String idName;
        private final String scopeName;
        private final String hashName;
        private final String fileNameName;
        private final @Nullable String nameKeyName;

        Host(SQLDialect sqlDialect, Dialect dialect, HostTable<R> mapping) {
            super(sqlDialect, dialect, mapping.table(), mapping.id(), mapping.scope(), mapping.contentHash(),
                    mapping.fileName(), mapping.nameKey());
            this.mapping = mapping;
            this.idName = mapping.id().getName();
            this.scopeName = mapping.scope().getName();
            this.hashName = mapping.contentHash().getName();
            this.fileNameName = mapping.fileName().getName();
            this.nameKeyName = mapping.nameKey() == null ? null : mapping.nameKey().getName();
        }

        @Override
        public FileKey keyOf(R record) {
            return mapping.keyOf(record);
        }

        /**
         * Every column the host set on the record (jOOQ's changed flags), except a null id, plus the key columns: the
         * content hash in its normalised lower-case form, and the name key if mapped.
         */
        @Override
        void values(R record, StoredKey key, List<Field<?>> fields, List<Object> values) {
            boolean scope = false;
            boolean hash = false;
            boolean fileName = false;
            boolean nameKey = false;
            for (Field<?> f : record.fields()) {
                String name = f.getName();
                Object value = record.get(f);
                if (!record.changed(f) || name.equals(idName) && value == null) {
                    continue;
                }
                if (name.equals(hashName)) {
                    value = key.file().contentHash();
                    hash = true;
                } else if (name.equals(nameKeyName)) {
                    value = key.nameDigest();
                    nameKey = true;
                }
                scope |= name.equals(scopeName);
                fileName |= name.equals(fileNameName);
                fields.add(f);
                values.add(value);
            }
            add(!scope, mapping.scope(), record.get(mapping.scope()), fields, values);
            add(!hash, mapping.contentHash(), key.file().contentHash(), fields, values);
            add(!fileName, mapping.fileName(), record.get(mapping.fileName()), fields, values);
            if (nameKeyName != null && !nameKey) {
                fields.add(mapping.nameKey());
                values.add(key.nameDigest());
            }
        }

        private static void add(boolean missing, Field<?> field, Object value, List<Field<?>> fields,
                List<Object> values) {
            if (missing) {
                fields.add(field);
                values.add(value);
            }
        }
    }
}
