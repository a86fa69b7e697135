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

    protected CaseFileEntity() {
    }

    public CaseFileEntity(long caseId, String fileHash, String originalFilename, String uploadedBy, long sizeBytes) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
        this.uploadedBy = uploadedBy;
        this.sizeBytes = sizeBytes;
    }

    public Long getId() {
        return id;
    }

    public String getOriginalFilename() {
        return originalFilename;
    }
}
