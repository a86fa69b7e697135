package dev.dedupguard.examples.upload;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

/** The host's row per uploaded file of a case, with the seed's unique constraint. */
@Entity
@Table(name = "case_file", uniqueConstraints = @UniqueConstraint(name = "uq_case_file_duplicate",
        columnNames = {"case_id", "file_hash", "original_filename"}))
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

    @Column(name = "size_bytes", nullable = false)
    private long sizeBytes;

    /** For JPA. */
    protected CaseFile() {
    }

    /**
     * A file about to be registered.
     *
     * @param caseId the case the file belongs to
     * @param fileHash SHA-256 of the content, hex
     * @param originalFilename the name the client sent
     * @param sizeBytes the content's length
     */
    public CaseFile(long caseId, String fileHash, String originalFilename, long sizeBytes) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
        this.sizeBytes = sizeBytes;
    }

    /**
     * The row's id.
     *
     * @return the id, once stored; {@code null} before
     */
    public Long getId() {
        return id;
    }
}
