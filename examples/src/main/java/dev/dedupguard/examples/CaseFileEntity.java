package dev.dedupguard.examples;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

/**
 * The design note's {@code CaseFile}, as a host application maps it: one row per evidence file of a case. The README's
 * JPA quick start quotes it.
 */
// tag::jpa-entity[]
@Entity
@Table(name = "case_file", uniqueConstraints = @UniqueConstraint(name = "uq_case_file_duplicate",
        columnNames = {"case_id", "file_hash", "original_filename"}))
public class CaseFileEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "case_id", nullable = false)
    private Long caseId;

    @Column(name = "file_hash", nullable = false, length = 64)
    private String fileHash;

    @Column(name = "original_filename", nullable = false, length = 2000)
    private String originalFilename;

    @Column(name = "uploaded_by", length = 100)
    private String uploadedBy;

    @Column(name = "size_bytes")
    private Long sizeBytes;
    // end::jpa-entity[]

    /** For Hibernate. */
    protected CaseFileEntity() {
    }

    /**
     * A new upload to a case, not yet registered (no id).
     *
     * @param caseId the case (the guard's scope)
     * @param fileHash the SHA-256 of the content, hex
     * @param originalFilename the file name as uploaded
     * @param uploadedBy who uploaded it
     * @param sizeBytes the content's size
     */
    public CaseFileEntity(long caseId, String fileHash, String originalFilename, String uploadedBy, long sizeBytes) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
        this.uploadedBy = uploadedBy;
        this.sizeBytes = sizeBytes;
    }

    /** {@return the row's id: set by the guard when it stores the upload, {@code null} before and for a duplicate} */
    public Long getId() {
        return id;
    }

    /** {@return the file name as uploaded} */
    public String getOriginalFilename() {
        return originalFilename;
    }
}
