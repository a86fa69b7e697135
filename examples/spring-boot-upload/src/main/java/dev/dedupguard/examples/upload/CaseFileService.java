package dev.dedupguard.examples.upload;

import dev.dedupguard.AttemptContext;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.Registration;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Registers the stored content of an upload as a file of a case, in a short transaction the guard joins. With the
 * attempt log on ({@code dedup-guard.attempt-log.enabled}), the same transaction records the attempt: who uploaded
 * which file under which upload id, and whether it was new or a duplicate.
 */
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
     * Registers content already in the store. The transaction starts only now: the upload's bytes were streamed and
     * hashed before, without holding a database connection.
     *
     * @param caseId the case, a positive number
     * @param fileName the name as the client sent it
     * @param stored the stored content
     * @param uploadedBy the authenticated user, the attempt's actor
     * @param uploadId the upload's id, the attempt's reference
     * @return new, or a duplicate with the id stored earlier
     */
    @Transactional
    public Registration<CaseFile> register(long caseId, String fileName, EvidenceStore.Stored stored,
            String uploadedBy, String uploadId) {
        return guard.register(new CaseFile(caseId, stored.sha256(), fileName, stored.size(), uploadedBy),
                AttemptContext.of(uploadedBy, uploadId));
    }
}
