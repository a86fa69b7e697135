package dev.dedupguard.examples.upload;

import dev.dedupguard.Registration;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * The files of a case. Only callers with access to the case get here ({@link SecurityConfiguration}).
 *
 * <ul>
 *   <li>{@code POST /cases/{caseId}/files}, a multipart part {@code file}: {@code 201 Created} with the new row and
 *       a {@code Location} of {@code GET /cases/{caseId}/files/{id}}, or {@code 200 OK} with the row stored
 *       earlier; either with an {@code Upload-Id} header, the upload's id, which the attempt log records as the
 *       attempt's reference ({@link CaseHistoryController});</li>
 *   <li>{@code GET /cases/{caseId}/files}: the case's files; {@code GET /cases/{caseId}/files/{id}}: one.</li>
 * </ul>
 * Bad requests get a problem detail with a fixed text ({@link UploadProblems}).
 */
@RestController
@RequestMapping("/cases/{caseId}/files")
public class CaseFileController {
    /** The response header with the upload's id, the reference of its logged attempt. */
    public static final String UPLOAD_ID = "Upload-Id";

    private final CaseFileService files;
    private final CaseFileRepository rows;
    private final EvidenceStore store;
    private final UploadProperties properties;

    /**
     * The controller.
     *
     * @param files registers uploads
     * @param rows reads the case's files
     * @param store where the bytes go
     * @param properties the service's limits
     */
    public CaseFileController(CaseFileService files, CaseFileRepository rows, EvidenceStore store,
            UploadProperties properties) {
        this.files = files;
        this.rows = rows;
        this.store = store;
        this.properties = properties;
    }

    /**
     * A file of a case as the API shows it.
     *
     * @param id the row of the file in the case
     * @param caseId the case
     * @param fileName the name exactly as stored (JSON-escaped, nothing else)
     * @param displayName the name with invisible and direction-changing characters escaped, for showing to people
     * @param sha256 the content's hash
     * @param sizeBytes the content's length
     * @param uploadedBy who stored it first
     * @param uploadedAt when
     * @param duplicate in an upload's answer: whether an earlier upload stored it
     */
    public record FileView(long id, long caseId, String fileName, String displayName, String sha256, Long sizeBytes,
            String uploadedBy, Instant uploadedAt, boolean duplicate) {
        static FileView of(CaseFile f, boolean duplicate) {
            return new FileView(f.getId(), f.getCaseId(), f.getOriginalFilename(),
                    UploadNames.display(f.getOriginalFilename()), f.getFileHash(), f.getSizeBytes(), f.getUploadedBy(),
                    f.getUploadedAt(), duplicate);
        }
    }

    /**
     * Streams one uploaded file into the store while hashing it, then registers it.
     *
     * @param caseId the case, a positive number
     * @param file the multipart part {@code file}
     * @param caller the authenticated user
     * @return 201 with a Location for a new file, 200 for a duplicate; both with the {@code Upload-Id} header
     * @throws IOException if reading the upload or writing the store fails
     */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<FileView> upload(@PathVariable("caseId") long caseId,
            @RequestParam("file") MultipartFile file, Authentication caller) throws IOException {
        UploadProblems.requirePositive(caseId, "case id");
        String problem = UploadNames.problem(file.getOriginalFilename(), properties.maxFileNameBytes());
        if (problem != null) {
            throw new UploadProblems.BadUpload(problem);
        }
        EvidenceStore.Stored stored;
        try (InputStream in = file.getInputStream()) {
            stored = store.store(in);
        }
        String uploadId = UUID.randomUUID().toString();
        Registration<CaseFile> r = files.register(caseId, file.getOriginalFilename(), stored, caller.getName(),
                uploadId);
        CaseFile row = r.isNew() ? r.file() : rows.findById(r.id()).orElseThrow();
        FileView body = FileView.of(row, !r.isNew());
        return (r.isNew() ? ResponseEntity.created(URI.create("/cases/" + caseId + "/files/" + r.id()))
                : ResponseEntity.ok()).header(UPLOAD_ID, uploadId).body(body);
    }

    /**
     * The files of a case.
     *
     * @param caseId the case
     * @return its files, oldest first
     */
    @GetMapping
    public List<FileView> list(@PathVariable("caseId") long caseId) {
        UploadProblems.requirePositive(caseId, "case id");
        return rows.findByCaseIdOrderById(caseId).stream().map(f -> FileView.of(f, false)).toList();
    }

    /**
     * One file of a case.
     *
     * @param caseId the case
     * @param id the file's id
     * @return the file, or 404 if the case has no such file
     */
    @GetMapping("/{id}")
    public FileView one(@PathVariable("caseId") long caseId, @PathVariable("id") long id) {
        UploadProblems.requirePositive(caseId, "case id");
        return rows.findByIdAndCaseId(id, caseId).map(f -> FileView.of(f, false))
                .orElseThrow(UploadProblems.NoSuchFile::new);
    }
}
