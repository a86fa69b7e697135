package dev.dedupguard.jdbc;

import dev.dedupguard.AttemptLog;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one {@code build()} sequence of every JDBC backend: one connection, on which the database is checked against the
 * dialect the backend was given (and the dialect fitted to the server's version), the library's tables are created if
 * asked for, and the schema is validated ({@link SchemaValidator}); then the storage is made. One set of exceptions for
 * every backend: {@link DuplicateGuardException} when the database cannot be reached, {@link SchemaMismatchException}
 * for everything the schema check (or the creation of the library's tables) finds.
 */
public final class JdbcGuards {
    private JdbcGuards() {
    }

    /**
     * What a backend's builder hands over.
     *
     * @param connections where the guard's own transactions take their connections
     * @param dialect the database, as the backend maps its own notion of it (jOOQ's {@code SQLDialect}, Hibernate's
     *     dialect)
     * @param given how the user named the database, for messages (e.g. {@code POSTGRES})
     * @param table the guard's table and columns
     * @param options the guard's settings
     * @param stripeTable the stripe table, a plain identifier
     * @param libraryTable the library table to create if absent ({@code createSchemaIfMissing}), or {@code null} for a
     *     host table, which is never created
     * @param createSchemaIfMissing whether to create the library's tables (the stripe table for
     *     {@code SELECT_FOR_UPDATE} also for a host table) if absent
     */
    public record Build(Connections connections, Dialect dialect, String given, TableSchema table, GuardOptions options,
            String stripeTable, @Nullable String libraryTable, boolean createSchemaIfMissing) {
        /**
         * Checks that the required parts are given.
         *
         * @param connections see {@link #connections()}
         * @param dialect see {@link #dialect()}
         * @param given see {@link #given()}
         * @param table see {@link #table()}
         * @param options see {@link #options()}
         * @param stripeTable see {@link #stripeTable()}
         * @param libraryTable see {@link #libraryTable()}
         * @param createSchemaIfMissing see {@link #createSchemaIfMissing()}
         * @throws NullPointerException if a part other than {@code libraryTable} is {@code null}
         */
        public Build {
            Objects.requireNonNull(connections, "connections");
            Objects.requireNonNull(dialect, "dialect");
            Objects.requireNonNull(given, "given");
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(stripeTable, "stripeTable");
        }
    }

    /**
     * Checks the schema as the class javadoc says and returns the storage for the backend's rows.
     *
     * @param <F> the registered type
     * @param build what the backend's builder hands over
     * @param rows the backend's rows
     * @return the storage, in own-transaction mode
     * @throws DuplicateGuardException if no connection to the database can be had
     * @throws SchemaMismatchException if the database or the schema does not fit, saying how to fix it
     */
    public static <F> JdbcStorage<F> storage(Build build, HostRows<F> rows) {
        try {
            return build.connections().withConnection(c -> {
                Dialect server = SchemaValidator.requireDatabase(c, build.dialect(), build.given());
                if (build.createSchemaIfMissing()) {
                    createLibraryTables(c, server, build);
                }
                TableLimits limits = SchemaValidator.validate(c, build.table(), build.options(), build.stripeTable(),
                        server);
                Statements statements = new Statements(server, build.table(), build.stripeTable(), limits.scopeForm());
                if (limits.keyColumnTypes() != null) {
                    statements.knowKeyColumnTypes(limits.keyColumnTypes());
                }
                AttemptLogStatements attempts = attemptLog(c, server, build);
                return new JdbcStorage<>(statements, limits, rows, build.connections(), rows.insertsItself(), attempts);
            });
        } catch (SQLException | RuntimeException e) {
            if (e instanceof DuplicateGuardException guard) {
                throw guard;
            }
            throw new DuplicateGuardException("cannot check the schema: no connection to the database ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * The attempt log's statements, if the guard keeps one: its table created if absent and asked for, then checked for
     * every column the guard writes and reads.
     */
    private static @Nullable AttemptLogStatements attemptLog(Connection c, Dialect dialect, Build build) {
        AttemptLog log = build.options().attemptLog();
        if (!log.isEnabled()) {
            return null;
        }
        AttemptLogStatements statements = new AttemptLogStatements(dialect, log.table());
        if (build.createSchemaIfMissing()) {
            try {
                inTransaction(c, () -> LibrarySchema.createAttemptLog(c, dialect.ddl(), log.table()),
                        "cannot create the attempt log table " + log.table() + " (createSchemaIfMissing): ");
            } catch (SchemaMismatchException e) {
                throw new SchemaMismatchException(e.getMessage(), log.table(), e.getCause());
            }
        }
        try {
            inTransaction(c, () -> {
                try (java.sql.Statement probe = c.createStatement()) {
                    probe.executeQuery(statements.probeSql()).close();
                }
            }, "");
        } catch (SchemaMismatchException e) {
            throw new SchemaMismatchException("the attempt log table " + log.table() + " is missing or lacks a column"
                    + " the guard writes (" + e.getMessage() + "). Create it with:\n"
                    + String.join(";\n", LibrarySchema.attemptLogDdl(dialect.ddl(), log.table())) + ";", log.table(), e);
        }
        return statements;
    }

    /** SQL work that may throw. */
    @FunctionalInterface
    private interface SqlWork {
        void run() throws SQLException;
    }

    /** Runs {@code work} in a transaction of its own on {@code c}; a failure is a schema mismatch. */
    private static void inTransaction(Connection c, SqlWork work, String failure) {
        try {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                work.run();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new SchemaMismatchException(failure + e.getMessage(), e);
        }
    }

    /** The library's tables, created if absent, in a transaction of their own. */
    private static void createLibraryTables(Connection c, Dialect dialect, Build build) {
        boolean fileTable = build.libraryTable() != null;
        boolean stripes = fileTable || build.options().strategy() == Strategy.SELECT_FOR_UPDATE;
        inTransaction(c, () -> LibrarySchema.create(c, dialect.ddl(), fileTable ? build.libraryTable()
                : LibrarySchema.DEFAULT_FILE_TABLE, build.stripeTable(), build.options().lockStripes(), fileTable,
                stripes), "cannot create the library's tables (createSchemaIfMissing): ");
    }
}
