package dev.dedupguard.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
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

    /**
     * Opens {@code db}: a {@code jdbc:postgresql:} or {@code jdbc:h2:} URL, or a folder for an embedded PostgreSQL
     * (created on first use, kept afterwards).
     */
    static ExampleDatabase open(String db, int poolSize) throws IOException {
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(poolSize);
        if (db.startsWith("jdbc:postgresql:") || db.startsWith("jdbc:h2:")) {
            config.setJdbcUrl(db);
            boolean h2 = db.startsWith("jdbc:h2:");
            if (h2) {
                config.setUsername("sa");
            }
            return new ExampleDatabase(null, new HikariDataSource(config), h2 ? SQLDialect.H2 : SQLDialect.POSTGRES,
                    (h2 ? "H2 " : "PostgreSQL ") + db);
        }
        if (db.startsWith("jdbc:")) {
            throw new IllegalArgumentException("--db must be a folder, a jdbc:postgresql: URL or a jdbc:h2: URL, was "
                    + db);
        }
        Path dir = Path.of(db).toAbsolutePath();
        Files.createDirectories(dir);
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).start();
        config.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        HikariDataSource ds = new HikariDataSource(config);
        String version;
        try (Connection c = ds.getConnection()) {
            version = c.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            throw new IOException("embedded PostgreSQL started but cannot be queried", e);
        }
        return new ExampleDatabase(pg, ds, SQLDialect.POSTGRES,
                "embedded PostgreSQL " + version + " in " + Path.of(db) + " (kept between runs)");
    }

    DataSource dataSource() {
        return dataSource;
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
