package dev.dedupguard.examples.upload;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** The host's row per uploaded file of a case: the shipped host table plus who uploaded it. */
@Entity
@Table(name = "case_file")
public class CaseFile {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "case_id", nullable = false)
    private long caseId;

    @Column(name = "file_hash", nullable = false, length = 64)
    private String fileHash;

    @Column(name = "original_filename", nullable = false, length = 2000)
    private String originalFilename;

    @Column(name = "size_bytes")
    private Long sizeBytes;

    @Column(name = "uploaded_at", nullable = false)
    private Instant uploadedAt;

    @Column(name = "uploaded_by", nullable = false, length = 100)
    private String uploadedBy;

    /** For JPA. */
    protected CaseFile() {
    }

    /**
     * A file about to be registered.
     *
     * @param caseId the case the file belongs to
     * @param fileHash SHA-256 of the content, hex
     * @param originalFilename the name the client sent, as sent
     * @param sizeBytes the content's length
     * @param uploadedBy the authenticated user
     */
    public CaseFile(long caseId, String fileHash, String originalFilename, long sizeBytes, String uploadedBy) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
        this.sizeBytes = sizeBytes;
        this.uploadedBy = uploadedBy;
        this.uploadedAt = Instant.now();
    }

    /**
     * The row's id.
     *
     * @return the id, once stored; {@code null} before
     */
    public Long getId() {
        return id;
    }

    /**
     * The case.
     *
     * @return the case id
     */
    public long getCaseId() {
        return caseId;
    }

    /**
     * The content's hash.
     *
     * @return SHA-256, lower-case hex
     */
    public String getFileHash() {
        return fileHash;
    }

    /**
     * The name as the client sent it.
     *
     * @return the stored name, never used as a path
     */
    public String getOriginalFilename() {
        return originalFilename;
    }

    /**
     * The content's length.
     *
     * @return bytes
     */
    public Long getSizeBytes() {
        return sizeBytes;
    }

    /**
     * When the row was stored.
     *
     * @return the instant
     */
    public Instant getUploadedAt() {
        return uploadedAt;
    }

    /**
     * Who uploaded the file first.
     *
     * @return the user name
     */
    public String getUploadedBy() {
        return uploadedBy;
    }
}
