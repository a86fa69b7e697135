package dev.dedupguard.examples.upload;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * An evidence-upload service: {@code POST /cases/{caseId}/files} stores each file of a case once, however many users
 * upload it at the same moment, streaming it into a content-addressed store; {@code GET} lists a case's files, and
 * {@code GET /cases/{caseId}/history} shows who tried to upload what and what each was answered (the guard's attempt
 * log). Callers authenticate (HTTP Basic) and need access to the case. Runs on an embedded PostgreSQL in
 * {@code ./data/pg-upload} unless {@code --db=jdbc:postgresql://...} (or {@code spring.datasource.url}) names a real one.
 */
@SpringBootApplication
@EnableConfigurationProperties(UploadProperties.class)
public class UploadApplication {
    static final String USAGE = """
            usage: UploadApplication [--option=value ...]   (Spring Boot options; every property can be one)
              --db=jdbc:postgresql://host:5432/db   a PostgreSQL of yours, with --spring.datasource.username=...
                                                  and --spring.datasource.password=...; default: embedded
                                                  PostgreSQL in --upload.embedded-dir (data/pg-upload)
              --server.port=8080                    the HTTP port
              --upload.store-dir=data/evidence-store  where uploaded bytes go (content-addressed by SHA-256)
              --upload.max-file-name-bytes=1024     longest file name, in bytes of UTF-8
              --spring.servlet.multipart.max-file-size=20GB and --spring.servlet.multipart.max-request-size=20GB
                                                  the largest upload
              --upload.users.NAME.password={noop}SECRET --upload.users.NAME.cases=42,4711
                                                  a user and the cases it may work on
              --help                                this text
            """;

    /** Created by Spring. */
    public UploadApplication() {
    }

    /**
     * The content-addressed store.
     *
     * @param properties where it is
     * @return the store
     * @throws IOException if its directory cannot be created
     */
    @Bean
    public EvidenceStore evidenceStore(UploadProperties properties) throws IOException {
        return new EvidenceStore(properties.storeDir());
    }

    /**
     * Starts the service, or prints the options for {@code --help}.
     *
     * @param args Spring Boot arguments, e.g. {@code --server.port=8081} or {@code --db=jdbc:postgresql://host/db}
     */
    public static void main(String[] args) {
        if (!help(args, System.out)) {
            SpringApplication.run(UploadApplication.class, args);
        }
    }

    /** Prints {@link #USAGE} for {@code --help} or {@code -h}, and says whether it did. */
    static boolean help(String[] args, PrintStream out) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            out.print(USAGE);
            return true;
        }
        return false;
    }
}
