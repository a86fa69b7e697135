package dev.dedupguard.examples.upload;

import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.Registration;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /cases/{caseId}/files} with a multipart part {@code file}: {@code 201 Created} with the new row's id,
 * {@code 200 OK} with the existing id for a duplicate, {@code 400} with a problem detail for bad input, {@code 503}
 * when another upload of the same file holds its lock longer than the lock timeout.
 */
@RestController
public class CaseFileController {
    private final CaseFileService files;

    /**
     * The controller over the service.
     *
     * @param files registers the uploads
     */
    public CaseFileController(CaseFileService files) {
        this.files = files;
    }

    /**
     * The answer to an upload.
     *
     * @param id the row of the file in the case
     * @param caseId the case
     * @param fileName the name as stored
     * @param sha256 the content's hash
     * @param duplicate whether the file was stored by an earlier upload
     */
    public record Uploaded(long id, long caseId, String fileName, String sha256, boolean duplicate) {
    }

    /**
     * Registers one uploaded file.
     *
     * @param caseId the case, a positive number
     * @param file the multipart part {@code file}
     * @return 201 with a Location for a new file, 200 for a duplicate
     * @throws IOException if reading the upload fails
     */
    @PostMapping("/cases/{caseId}/files")
    public ResponseEntity<Uploaded> upload(@PathVariable("caseId") long caseId, @RequestParam("file") MultipartFile file)
            throws IOException {
        Registration<CaseFile> r;
        try (InputStream in = file.getInputStream()) {
            r = files.upload(caseId, file.getOriginalFilename(), file.getSize(), in);
        }
        Uploaded body = new Uploaded(r.id(), caseId, r.key().fileName(), r.key().contentHash(), !r.isNew());
        return r.isNew()
                ? ResponseEntity.created(URI.create("/cases/" + caseId + "/files/" + r.id())).body(body)
                : ResponseEntity.ok(body);
    }

    /**
     * Bad input: the guard's or the service's message, which names the field and the value.
     *
     * @param e the rejection
     * @return a 400 problem detail
     */
    @ExceptionHandler(IllegalArgumentException.class)
    public ProblemDetail badInput(IllegalArgumentException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Invalid upload");
        return problem;
    }

    /**
     * Another upload of the same file held its lock too long.
     *
     * @param e the timeout
     * @return a 503 problem detail: retry later
     */
    @ExceptionHandler(LockTimeoutException.class)
    public ProblemDetail busy(LockTimeoutException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "another upload of the same file is still in progress; retry");
        problem.setTitle("Upload busy");
        return problem;
    }
}
