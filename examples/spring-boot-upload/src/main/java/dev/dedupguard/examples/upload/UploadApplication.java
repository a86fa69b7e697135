package dev.dedupguard.examples.upload;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small upload service: {@code POST /cases/{caseId}/files} stores each file of a case once, however many users
 * upload it at the same moment. Runs on an embedded PostgreSQL in {@code ./data/pg-upload} unless
 * {@code --db=jdbc:postgresql://...} (or {@code spring.datasource.url}) names a real one.
 */
@SpringBootApplication
public class UploadApplication {

    /**
     * Starts the service.
     *
     * @param args Spring Boot arguments, e.g. {@code --server.port=8081} or {@code --db=jdbc:postgresql://host/db}
     */
    public static void main(String[] args) {
        SpringApplication.run(UploadApplication.class, args);
    }
}
