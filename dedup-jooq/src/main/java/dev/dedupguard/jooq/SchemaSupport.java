package dev.dedupguard.jooq;

import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.LibrarySchema;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/** Creates the library-owned tables and checks, when a guard is built, that the schema fits its strategy. */
final class SchemaSupport {
    /**
     * Longest raw file name, in UTF-8 bytes, that a unique index over the raw name holds on PostgreSQL: a btree
     * entry is limited to about 2,700 bytes, and scope and hash share it.
     */
    static final int POSTGRES_RAW_NAME_INDEX_LIMIT = 2000;
    private SchemaSupport() {
    }

    /**
     * Creates what is missing of the library-owned file table and/or the stripe table (with its rows), from
     * {@link LibrarySchema}.
     */
    static void createLibrarySchema(DSLContext ctx, String fileTable, String stripeTable, int stripes,
            boolean createFileTable, boolean createStripes) {
        LibrarySchema.Database database = ctx.dialect().family() == SQLDialect.POSTGRES
                ? LibrarySchema.Database.POSTGRESQL : LibrarySchema.Database.H2;
        for (LibrarySchema.Statement statement : LibrarySchema.ddl(database, fileTable, stripeTable, stripes)) {
            if (statement.stripeTable() ? createStripes : createFileTable) {
                ctx.execute(statement.sql());
            }
        }
    }

    /**
     * Checks that the table and its key columns exist, that the strategy has what it needs (a unique constraint on
     * exactly the key columns; a filled stripe table), and that the name policy can be honoured. Returns the
     * longest file name, in UTF-8 bytes, the table can store and index.
     */
    static int validate(DSLContext ctx, TableModel<?> model, GuardOptions options, String stripeTable) {
        String table = model.table.getName();
        List<Field<?>> columns = new ArrayList<>(List.of(model.id, model.scope, model.contentHash, model.fileName));
        if (model.nameKey != null) {
            columns.add(model.nameKey);
        }
        try {
            ctx.select(columns).from(model.table).where(DSL.falseCondition()).fetch();
        } catch (DataAccessException e) {
            throw new SchemaMismatchException("table " + table + " with columns " + names(columns)
                    + " cannot be read: create it first (see schema-*.sql in dedup-jooq, or createSchemaIfMissing(true) "
                    + "for the library-owned table). Database said: " + e.getMessage(), e);
        }
        if (model.nameKey == null && options.namePolicy() != NamePolicy.EXACT) {
            throw new SchemaMismatchException("name policy " + options.namePolicy() + " needs a name-key column on "
                    + table + " (HostTable.Builder.nameKey): without one, sameness is judged on the raw name, which "
                    + "only EXACT allows");
        }
        if (options.strategy() == Strategy.UNIQUE_CONSTRAINT) {
            Set<String> key = new LinkedHashSet<>();
            for (Field<?> f : model.keyColumns()) {
                key.add(f.getName().toLowerCase(Locale.ROOT));
            }
            if (!hasUniqueIndexOn(ctx, model, key)) {
                throw new SchemaMismatchException("strategy UNIQUE_CONSTRAINT needs a unique constraint on exactly "
                        + key + " of table " + table + ", and there is none. Add one (e.g. ALTER TABLE " + table
                        + " ADD CONSTRAINT uq_" + table + "_key UNIQUE (" + String.join(", ", key)
                        + ")) or use SELECT_FOR_UPDATE");
            }
        }
        if (options.strategy() == Strategy.SELECT_FOR_UPDATE) {
            validateStripes(ctx, stripeTable, options.lockStripes());
        }
        int limit = FileKey.MAX_FILE_NAME_BYTES;
        if (model.nameKey == null && ctx.dialect().family() == SQLDialect.POSTGRES) {
            limit = POSTGRES_RAW_NAME_INDEX_LIMIT;
        }
        Integer size = columnSize(ctx, model, model.fileName.getName());
        return size == null ? limit : Math.min(limit, size);
    }

    private static void validateStripes(DSLContext ctx, String stripeTable, int stripes) {
        int present;
        try {
            present = ctx.fetchCount(DSL.table(DSL.name(stripeTable.split("\\."))),
                    DSL.field(DSL.name("stripe"), Integer.class).between(0, stripes - 1));
        } catch (DataAccessException e) {
            throw new SchemaMismatchException("strategy SELECT_FOR_UPDATE needs the stripe table " + stripeTable
                    + "(stripe integer primary key, registrations bigint not null default 0) with rows 0.." + (stripes - 1)
                    + "; it cannot be read. Create it (see schema-*.sql) or use createSchemaIfMissing(true). "
                    + "Database said: " + e.getMessage(), e);
        }
        if (present != stripes) {
            throw new SchemaMismatchException("strategy SELECT_FOR_UPDATE with lockStripes=" + stripes
                    + " needs rows 0.." + (stripes - 1) + " in " + stripeTable + ", found " + present
                    + ". Insert the missing rows (see schema-*.sql) or set lockStripes to match the table");
        }
    }

    private static boolean hasUniqueIndexOn(DSLContext ctx, TableModel<?> model, Set<String> key) {
        return ctx.connectionResult(c -> {
            for (String candidate : caseVariants(model.table.getName())) {
                Map<String, Set<String>> indexes = new HashMap<>();
                try (ResultSet rs = c.getMetaData().getIndexInfo(null, schemaOf(c, model), candidate, true, true)) {
                    while (rs.next()) {
                        String index = rs.getString("INDEX_NAME");
                        String column = rs.getString("COLUMN_NAME");
                        if (index != null && column != null) {
                            indexes.computeIfAbsent(index, i -> new LinkedHashSet<>()).add(column.toLowerCase(Locale.ROOT));
                        }
                    }
                }
                if (indexes.values().stream().anyMatch(key::equals)) {
                    return true;
                }
            }
            return false;
        });
    }

    private static Integer columnSize(DSLContext ctx, TableModel<?> model, String column) {
        return ctx.connectionResult(c -> {
            DatabaseMetaData meta = c.getMetaData();
            for (String table : caseVariants(model.table.getName())) {
                for (String col : caseVariants(column)) {
                    try (ResultSet rs = meta.getColumns(null, schemaOf(c, model), table, col)) {
                        if (rs.next()) {
                            int type = rs.getInt("DATA_TYPE");
                            int size = rs.getInt("COLUMN_SIZE");
                            boolean bounded = (type == Types.VARCHAR || type == Types.CHAR || type == Types.NVARCHAR)
                                    && size > 0 && size < FileKey.MAX_FILE_NAME_BYTES;
                            return bounded ? size : null;
                        }
                    }
                }
            }
            return null;
        });
    }

    private static String schemaOf(Connection c, TableModel<?> model) throws SQLException {
        if (model.table.getSchema() != null) {
            return model.table.getSchema().getName();
        }
        String qualified = model.table.getQualifiedName().toString();
        return c.getSchema() != null && !qualified.contains(".") ? c.getSchema() : null;
    }

    private static Set<String> caseVariants(String name) {
        Set<String> variants = new LinkedHashSet<>();
        variants.add(name);
        variants.add(name.toLowerCase(Locale.ROOT));
        variants.add(name.toUpperCase(Locale.ROOT));
        return variants;
    }

    private static String names(List<Field<?>> fields) {
        List<String> names = new ArrayList<>();
        fields.forEach(f -> names.add(f.getName()));
        return names.toString();
    }
}
