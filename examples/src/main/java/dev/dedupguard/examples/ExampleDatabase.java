package dev.dedupguard.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Properties;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * The database an example runs on: an embedded PostgreSQL whose data directory is kept in a local folder (so that a
 * second run sees the first run's files), or any PostgreSQL or H2 JDBC URL.
 */
final class ExampleDatabase implements AutoCloseable {
    /** Default {@code --db}: the embedded PostgreSQL's data directory. */
    static final String DEFAULT_LOCATION = Path.of("data", "pg").toString();

    /** A URL scheme such as {@code postgresql:}; a Windows drive letter ({@code C:}) has one letter only. */
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*");

    private final EmbeddedPostgres embedded;
    private final HikariDataSource dataSource;
    private final SQLDialect dialect;
    private final String description;

    private ExampleDatabase(EmbeddedPostgres embedded, HikariDataSource dataSource, SQLDialect dialect,
            String description) {
        this.embedded = embedded;
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.description = description;
    }

    /** The database could not be reached or started; the message is one line that says which and why. */
    static final class UnavailableException extends Exception {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** An example program that runs on the database a {@code --db} value names. */
    interface Program {
        /** Runs on {@code db}, printing to {@code out}. */
        void run(String db, PrintStream out) throws Exception;
    }

    /**
     * Runs {@code program} with the command line of an example whose only option is {@code --db}: 0 when done (or
     * after {@code --help}), 2 for bad options, 1 if the database cannot be reached or started. Errors are one line
     * on {@code err}, never a stack trace.
     */
    static int execute(String name, String[] args, Program program, PrintStream out, PrintStream err)
            throws Exception {
        String usage = "usage: " + name + " [--db DIR|URL]\n"
                + "  --db DIR|URL   embedded PostgreSQL kept in DIR (default ./data/pg), or a jdbc:postgresql: or\n"
                + "                 jdbc:h2: URL (user and password as URL parameters)\n";
        String db = DEFAULT_LOCATION;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--help", "-h" -> {
                        out.print(usage);
                        return 0;
                    }
                    case "--db" -> {
                        if (++i >= args.length) {
                            throw new IllegalArgumentException("--db needs a value");
                        }
                        db = checkLocation(args[i]);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + " (--help lists the options)");
            return 2;
        }
        try {
            program.run(db, out);
            return 0;
        } catch (UnavailableException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** An example program run with its whole command line. */
    interface CommandLine {
        /** Runs with {@code args}, printing to {@code out}; {@link IllegalArgumentException} for a bad option. */
        void run(String[] args, PrintStream out) throws Exception;
    }

    /**
     * Runs {@code program} with {@code args}: {@code usage} on {@code out} and 0 after {@code --help}; 0 when done, 2
     * for bad options, 1 if the database cannot be reached or started. Errors are one line on {@code err}.
     */
    static int executeCommandLine(String usage, String[] args, CommandLine program, PrintStream out,
            PrintStream err) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(usage);
            return 0;
        }
        try {
            program.run(args, out);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + " (--help lists the options)");
            return 2;
        } catch (UnavailableException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Checks a {@code --db} value without touching any database: a {@code jdbc:postgresql:} or {@code jdbc:h2:} URL,
     * or a folder name.
     *
     * @throws IllegalArgumentException for another JDBC URL, or a URL without its {@code jdbc:} prefix (which would
     *     otherwise become a folder named after the URL's scheme)
     */
    static String checkLocation(String db) {
        if (db.startsWith("jdbc:postgresql:") || db.startsWith("jdbc:h2:")) {
            return db;
        }
        if (db.startsWith("jdbc:")) {
            throw new IllegalArgumentException("--db must be a folder, a jdbc:postgresql: URL or a jdbc:h2: URL, was "
                    + db);
        }
        if (SCHEME.matcher(db).matches()) {
            throw new IllegalArgumentException("--db " + db + " is neither a folder nor a JDBC URL; a JDBC URL starts "
                    + "with jdbc:, e.g. jdbc:" + db);
        }
        return db;
    }

    /**
     * Opens {@code db}: a {@code jdbc:postgresql:} or {@code jdbc:h2:} URL, or a folder for an embedded PostgreSQL
     * (created on first use, kept afterwards).
     *
     * @throws IllegalArgumentException if {@code db} is not a valid location (see {@link #checkLocation})
     * @throws UnavailableException if the server refuses the connection or the embedded server cannot start
     */
    static ExampleDatabase open(String db, int poolSize) throws UnavailableException {
        checkLocation(db);
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(poolSize);
        if (db.startsWith("jdbc:")) {
            boolean h2 = db.startsWith("jdbc:h2:");
            String user = h2 ? "sa" : null;
            probe(db, user);
            config.setJdbcUrl(db);
            config.setUsername(user);
            return new ExampleDatabase(null, new HikariDataSource(config), h2 ? SQLDialect.H2 : SQLDialect.POSTGRES,
                    (h2 ? "H2 " : "PostgreSQL ") + masked(db));
        }
        Path dir = Path.of(db).toAbsolutePath();
        EmbeddedPostgres pg;
        try {
            Files.createDirectories(dir);
            pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).start();
        } catch (IOException | RuntimeException e) {
            throw new UnavailableException("cannot start an embedded PostgreSQL in " + dir + ": " + oneLine(e), e);
        }
        config.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        HikariDataSource ds = new HikariDataSource(config);
        String version;
        try (Connection c = ds.getConnection()) {
            version = c.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            ds.close();
            closeQuietly(pg);
            throw new UnavailableException("embedded PostgreSQL started in " + dir + " but cannot be queried: "
                    + oneLine(e), e);
        }
        return new ExampleDatabase(pg, ds, SQLDialect.POSTGRES,
                "embedded PostgreSQL " + version + " in " + Path.of(db) + " (kept between runs)");
    }

    /** Connects once without a pool, so that a refused connection is one message instead of a pool's stack trace. */
    private static void probe(String url, String user) throws UnavailableException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        try (Connection c = DriverManager.getConnection(url, props)) {
            c.getMetaData();
        } catch (SQLException e) {
            throw new UnavailableException("cannot connect to " + masked(url) + ": " + oneLine(e), e);
        }
    }

    private static String masked(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException ignored) {
            // the server is being abandoned after a failure that is already being reported
        }
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** The JDBC URL the pool connects to (for the embedded server: its port, user {@code postgres}). */
    String jdbcUrl() {
        return dataSource.getJdbcUrl();
    }

    /**
     * A jOOQ context on this database that renders names unquoted, so that the same table objects work on PostgreSQL
     * (which folds unquoted names to lower case) and on H2 in its default mode (upper case).
     */
    DSLContext dsl() {
        return DSL.using(dataSource, dialect, new Settings().withRenderQuotedNames(RenderQuotedNames.NEVER));
    }

    SQLDialect dialect() {
        return dialect;
    }

    String description() {
        return description;
    }

    @Override
    public void close() throws IOException {
        dataSource.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
