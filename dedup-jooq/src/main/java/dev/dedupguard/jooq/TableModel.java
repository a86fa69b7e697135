package dev.dedupguard.jooq;

import static org.jooq.impl.DSL.name;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.jdbc.TableSchema;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/** How the guard reads and writes one table: its key columns, and the values of a row to insert. */
abstract class TableModel<F> {
    final Table<?> table;
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

    /** The same columns as SQL identifiers, for the shared schema checks. */
    TableSchema schema() {
        Name qualified = table.getQualifiedName();
        String schema = qualified.qualified() ? qualified.first() : null;
        return new TableSchema(schema, table.getName(), id.getName(), scope.getName(), contentHash.getName(),
                fileName.getName(), nameKey == null ? null : nameKey.getName());
    }

    /** The key columns in constraint order: scope, content hash, name (or name key). */
    Field<?>[] keyColumns() {
        return new Field<?>[] {scope, contentHash, nameMatch()};
    }

    /** The library-owned table {@code dedup_file} (name configurable). */
    static final class Library extends TableModel<FileKey> {
        Library(String tableName) {
            this(DSL.table(name(tableName.split("\\."))));
        }

        private Library(Table<Record> t) {
            super(t, DSL.field(name("id"), SQLDataType.BIGINT), DSL.field(name("scope"), SQLDataType.VARCHAR),
                    DSL.field(name("content_hash"), SQLDataType.VARCHAR), DSL.field(name("file_name"), SQLDataType.VARCHAR),
                    DSL.field(name("name_key"), SQLDataType.VARCHAR));
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
            columns.forEach((columnName, field) -> row.put(DSL.field(name(columnName), field.getDataType()),
                    values.get(columnName)));
            return row;
        }

        private static void put(Map<String, Field<?>> columns, Map<String, Object> values, Field<?> field, Object value) {
            columns.put(field.getName(), field);
            values.put(field.getName(), value);
        }

    }
}
