package dev.dedupguard.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;

/** The seed's case file columns, shared by the test entities of the constrained and the unconstrained table. */
@MappedSuperclass
public abstract class CaseFileColumns {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "case_id", nullable = false)
    private Long caseId;

    @Column(name = "file_hash", nullable = false, length = 64)
    private String fileHash;

    @Column(name = "original_filename", nullable = false, length = 4096)
    private String originalFilename;

    @Column(name = "uploaded_by", length = 100)
    private String uploadedBy;

    @Column(name = "size_bytes")
    private Long sizeBytes;

    @Column(name = "status", nullable = false, length = 20)
    private String status = "received";

    protected CaseFileColumns() {
    }

    protected CaseFileColumns(long caseId, String fileHash, String originalFilename, String uploadedBy, long size) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
        this.uploadedBy = uploadedBy;
        this.sizeBytes = size;
    }

    public Long getId() {
        return id;
    }

    public Long getCaseId() {
        return caseId;
    }

    public String getFileHash() {
        return fileHash;
    }

    public String getOriginalFilename() {
        return originalFilename;
    }

    public String getUploadedBy() {
        return uploadedBy;
    }

    public String getStatus() {
        return status;
    }

    public void setStatus(String status) {
        this.status = status;
    }
}
