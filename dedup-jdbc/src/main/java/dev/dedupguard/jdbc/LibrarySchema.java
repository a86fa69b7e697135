package dev.dedupguard.jdbc;

import dev.dedupguard.AttemptLog;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Strategy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DDL of the library-owned tables, for migration tools and for backends that create them on request.
 *
 * <p>{@code dedup_file(id, scope, content_hash, file_name, name_key, registered_at)} holds one row per registered
 * file, unique on {@code (scope, content_hash, name_key)}; {@code name_key} is the SHA-256 of the policy-normalised
 * name, fixed width so that names of up to 4096 bytes stay indexable on every database. {@code dedup_lock_stripe}
 * holds the stripe rows that {@link Strategy#SELECT_FOR_UPDATE} locks. The same text is on the classpath as
 * {@code dev/dedupguard/schema/postgresql.sql}, {@code h2.sql} and {@code mariadb.sql}, with the default names and
 * 1024 stripes. Beside them, {@code dev/dedupguard/schema/host/*.sql} hold a host table the guard accepts, the design
 * note's {@code case_file} ({@link Database#hostTableResource()}), for applications to copy into their migrations.
 */
public final class LibrarySchema {
    /** Default name of the file table. */
    public static final String DEFAULT_FILE_TABLE = "dedup_file";
    /** Default name of the stripe table. */
    public static final String DEFAULT_STRIPE_TABLE = "dedup_lock_stripe";
    /**
     * How many characters the names the DDL derives from the file table's name add to it ({@code ck_<table>_hash_lower},
     * {@code uq_<table>_key}): a database that truncates identifiers needs the table's name that much shorter.
     */
    public static final int DERIVED_NAME_CHARS = "ck__hash_lower".length();

    /** The databases the shipped DDL is written for. */
    public enum Database {
        /** PostgreSQL 12 and later: {@code dev/dedupguard/schema/postgresql.sql}. */
        POSTGRESQL("postgresql.sql"),
        /** H2 2.x: {@code dev/dedupguard/schema/h2.sql}. */
        H2("h2.sql"),
        /** MariaDB 11.4 (InnoDB, utf8mb4): {@code dev/dedupguard/schema/mariadb.sql}. */
        MARIADB("mariadb.sql");

        private final String resource;

        Database(String resource) {
            this.resource = resource;
        }

        /**
         * Where the library's own tables' DDL is on the class path.
         *
         * @return e.g. {@code dev/dedupguard/schema/postgresql.sql}
         */
        public String libraryTablesResource() {
            return "dev/dedupguard/schema/" + resource;
        }

        /**
         * Where the attempt log's DDL ({@link LibrarySchema#attemptLogDdl}, default names) is on the class path.
         *
         * @return e.g. {@code dev/dedupguard/schema/attempt/postgresql.sql}
         */
        public String attemptLogResource() {
            return "dev/dedupguard/schema/attempt/" + resource;
        }

        /**
         * Where the DDL of a host table the guard accepts ({@code case_file}, with its unique constraint, the CHECK
         * that keeps hashes lower case and byte-wise collations) is on the class path, to copy into migrations.
         *
         * @return e.g. {@code dev/dedupguard/schema/host/postgresql.sql}
         */
        public String hostTableResource() {
            return "dev/dedupguard/schema/host/" + resource;
        }
    }

    /**
     * One CREATE or INSERT statement, and whether it belongs to the stripe table (else to the file table).
     *
     * @param sql the statement, without a trailing semicolon
     * @param stripeTable whether it creates or fills the stripe table
     */
    public record Statement(String sql, boolean stripeTable) {
    }

    private LibrarySchema() {
    }

    /**
     * The statements that create the two tables if absent and fill the missing stripe rows 0..{@code lockStripes}-1,
     * in order, without trailing semicolons.
     *
     * @param database the database whose dialect the statements are written in; not {@code null}
     * @param fileTable name of the file table: an unquoted SQL identifier, optionally schema-qualified
     * @param stripeTable name of the stripe table: an unquoted SQL identifier, optionally schema-qualified
     * @param lockStripes how many stripe rows to fill, at least 1; should equal {@link GuardOptions#lockStripes()}
     * @return the statements, in the order they must run; each says which table it belongs to
     * @throws NullPointerException if {@code database} is {@code null}
     * @throws IllegalArgumentException if a name is not an unquoted identifier or {@code lockStripes} is not positive
     */
    public static List<Statement> ddl(Database database, String fileTable, String stripeTable, int lockStripes) {
        Objects.requireNonNull(database, "database must not be null");
        SqlIdentifiers.requirePlain("fileTable", fileTable);
        SqlIdentifiers.requirePlain("stripeTable", stripeTable);
        if (lockStripes < 1) {
            throw new IllegalArgumentException("lockStripes must be at least 1, was " + lockStripes);
        }
        String unqualified = fileTable.substring(fileTable.lastIndexOf('.') + 1);
        String sql = read(database.resource)
                .replace("uq_" + DEFAULT_FILE_TABLE + "_key", "uq_" + unqualified + "_key")
                .replace("ck_" + DEFAULT_FILE_TABLE + "_hash_lower", "ck_" + unqualified + "_hash_lower")
                .replaceAll("\\b" + DEFAULT_FILE_TABLE + "\\b", Matcher.quoteReplacement(fileTable))
                .replaceAll("\\b" + DEFAULT_STRIPE_TABLE + "\\b", Matcher.quoteReplacement(stripeTable))
                .replace("(0, 1023)", "(0, " + (lockStripes - 1) + ")");
        Pattern stripeName = Pattern.compile("\\b" + Pattern.quote(stripeTable) + "\\b");
        List<Statement> statements = new ArrayList<>();
        for (String text : split(sql)) {
            statements.add(new Statement(text, stripeName.matcher(text).find()));
        }
        return statements;
    }

    /**
     * The statements that create the attempt log ({@link dev.dedupguard.AttemptLog}) if absent, with its indexes and
     * the triggers that make it append-only, in order, without trailing semicolons: the text of
     * {@code dev/dedupguard/schema/attempt/<database>.sql} with the table's name (and the names derived from it) put in.
     * Its comments say which grants to give the application.
     *
     * @param database the database whose dialect the statements are written in; not {@code null}
     * @param table name of the log table: an unquoted SQL identifier, optionally schema-qualified
     * @return the statements, in the order they must run
     * @throws NullPointerException if {@code database} is {@code null}
     * @throws IllegalArgumentException if {@code table} is not an unquoted identifier
     */
    public static List<String> attemptLogDdl(Database database, String table) {
        Objects.requireNonNull(database, "database must not be null");
        SqlIdentifiers.requirePlain("attemptLog table", table);
        String unqualified = table.substring(table.lastIndexOf('.') + 1);
        String sql = Pattern.compile("\\b" + AttemptLog.DEFAULT_TABLE + "_(\\w+)").matcher(read("attempt/"
                + database.resource)).replaceAll(m -> {
                    boolean qualified = switch (database) {
                        case POSTGRESQL -> m.group(1).equals("append_only");
                        case MARIADB -> m.group(1).startsWith("no_");
                        case H2 -> true;
                    };
                    return Matcher.quoteReplacement((qualified ? table : unqualified) + "_" + m.group(1));
                });
        return split(sql.replaceAll("\\b" + AttemptLog.DEFAULT_TABLE + "\\b", Matcher.quoteReplacement(table)));
    }

    /**
     * Runs the statements of {@link #attemptLogDdl} on {@code connection} (in its current transaction, if any).
     * Idempotent.
     *
     * @param connection where to run the statements; not committed or closed by this method
     * @param database the database {@code connection} is connected to
     * @param table name of the log table: an unquoted SQL identifier, optionally schema-qualified
     * @throws SQLException if a statement fails
     * @throws IllegalArgumentException if {@code table} is not an unquoted identifier (before any statement runs)
     */
    public static void createAttemptLog(Connection connection, Database database, String table) throws SQLException {
        for (String sql : attemptLogDdl(database, table)) {
            try (java.sql.Statement jdbc = connection.createStatement()) {
                jdbc.execute(sql);
            }
        }
    }

    /** The statements of a script: comment lines dropped, split after each line that ends in a semicolon. */
    private static List<String> split(String sql) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (line.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.stripTrailing().endsWith(";")) {
                String text = current.toString().strip();
                statements.add(text.substring(0, text.length() - 1));
                current.setLength(0);
            }
        }
        return statements;
    }

    /**
     * Runs the statements of {@link #ddl} on {@code connection} (in its current transaction, if any): the file table's
     * if {@code fileTable} is true, the stripe table's if {@code stripeTable} is true. Idempotent.
     *
     * @param connection where to run the statements; not committed or closed by this method
     * @param database the database {@code connection} is connected to
     * @param fileTableName name of the file table: an unquoted SQL identifier, optionally schema-qualified
     * @param stripeTableName name of the stripe table: an unquoted SQL identifier, optionally schema-qualified
     * @param lockStripes how many stripe rows the stripe table must hold, at least 1
     * @param fileTable whether to create the file table
     * @param stripeTable whether to create and fill the stripe table
     * @throws SQLException if a statement fails; the statements run before it are not undone by this method
     * @throws IllegalArgumentException if a name is not an unquoted identifier or {@code lockStripes} is not
     *     positive (before any statement runs)
     */
    public static void create(Connection connection, Database database, String fileTableName, String stripeTableName,
            int lockStripes, boolean fileTable, boolean stripeTable) throws SQLException {
        for (Statement s : ddl(database, fileTableName, stripeTableName, lockStripes)) {
            if (s.stripeTable() ? stripeTable : fileTable) {
                try (java.sql.Statement jdbc = connection.createStatement()) {
                    jdbc.execute(s.sql());
                }
            }
        }
    }

    private static String read(String resource) {
        try (InputStream in = LibrarySchema.class.getResourceAsStream("/dev/dedupguard/schema/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("dev/dedupguard/schema/" + resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dev/dedupguard/schema/" + resource, e);
        }
    }
}
