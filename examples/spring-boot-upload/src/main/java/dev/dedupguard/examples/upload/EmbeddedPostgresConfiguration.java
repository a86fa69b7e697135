package dev.dedupguard.examples.upload;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Without {@code spring.datasource.url} (or {@code --db}), the service runs on an embedded PostgreSQL (the real
 * server binary): its data directory is {@code upload.embedded-dir} (default {@code data/pg-upload}, kept between
 * runs), or a fresh temporary one if that property is empty.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
public class EmbeddedPostgresConfiguration {

    /** Created by Spring. */
    public EmbeddedPostgresConfiguration() {
    }

    /**
     * Starts the embedded server; stopped when the application stops.
     *
     * @param dir the data directory, or empty for a temporary one
     * @return the running server
     * @throws IOException if it cannot start
     */
    @Bean(destroyMethod = "close")
    public EmbeddedPostgres embeddedPostgres(@Value("${upload.embedded-dir:}") String dir) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (!dir.isBlank()) {
            Path path = Path.of(dir).toAbsolutePath();
            Files.createDirectories(path);
            builder.setDataDirectory(path).setCleanDataDirectory(false);
        }
        return builder.start();
    }

    /**
     * A pool on the embedded server.
     *
     * @param postgres the server
     * @return the application's only DataSource
     */
    @Bean(destroyMethod = "close")
    public HikariDataSource dataSource(EmbeddedPostgres postgres) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setUsername("postgres");
        config.setMaximumPoolSize(16);
        config.setPoolName("upload");
        return new HikariDataSource(config);
    }
}
