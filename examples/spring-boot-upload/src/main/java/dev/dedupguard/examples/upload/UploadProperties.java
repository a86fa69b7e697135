package dev.dedupguard.examples.upload;

import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The service's own settings ({@code upload.*}). The size limits of an upload are Spring Boot's multipart and
 * Tomcat settings, set in {@code application.properties}.
 *
 * @param storeDir Where uploaded bytes go: a content-addressed directory (see {@link EvidenceStore})
 * @param maxFileNameBytes Longest file name accepted, in bytes of UTF-8; longer names get a 400. 1024 fits the
 *     host table's varchar(2000) and PostgreSQL's unique index entry (2,612 bytes for the name)
 * @param embeddedDir Data directory of the embedded PostgreSQL used without spring.datasource.url; empty: a fresh
 *     temporary one
 * @param users The callers and the cases each may work on (an example of the authorisation hook's input)
 */
@ConfigurationProperties("upload")
public record UploadProperties(
        @DefaultValue("data/evidence-store") Path storeDir,
        @DefaultValue("1024") int maxFileNameBytes,
        @DefaultValue("data/pg-upload") String embeddedDir,
        Map<String, CaseAccess.User> users) {

    /**
     * Defaults for what is unset.
     *
     * @param storeDir see above
     * @param maxFileNameBytes see above
     * @param embeddedDir see above
     * @param users see above; none if unset
     */
    public UploadProperties {
        users = users == null ? Map.of() : Map.copyOf(users);
    }
}
