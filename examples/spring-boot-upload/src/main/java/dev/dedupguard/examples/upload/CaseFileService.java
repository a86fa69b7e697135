package dev.dedupguard.examples.upload;

import dev.dedupguard.ContentHash;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.Registration;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Registers uploaded files of a case, in the caller's transaction (the guard joins it). */
@Service
public class CaseFileService {
    private final DuplicateGuard<CaseFile> guard;

    /**
     * The service over the starter's guard bean.
     *
     * @param guard the auto-configured guard on {@link CaseFile}
     */
    public CaseFileService(DuplicateGuard<CaseFile> guard) {
        this.guard = guard;
    }

    /**
     * Hashes {@code content} in constant memory and registers the file in case {@code caseId}.
     *
     * @param caseId the case, a positive number
     * @param fileName the name the client sent
     * @param size the content's length in bytes
     * @param content the upload's bytes, read to the end
     * @return the registration: new, or a duplicate with the id stored earlier
     * @throws IllegalArgumentException for a case id below 1 or a name the guard rejects (blank, control characters)
     * @throws IOException if reading {@code content} fails
     */
    @Transactional
    public Registration<CaseFile> upload(long caseId, String fileName, long size, InputStream content)
            throws IOException {
        if (caseId < 1) {
            throw new IllegalArgumentException("caseId must be a positive number, was " + caseId);
        }
        String sha256 = ContentHash.sha256(content);
        return guard.register(new CaseFile(caseId, sha256, fileName == null ? "" : fileName, size));
    }
}
