package dev.dedupguard.jpa;

import jakarta.persistence.Cacheable;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;
import jakarta.persistence.Version;

/** A host entity with optimistic locking and the second-level cache. */
@Entity
@Cacheable
@Table(name = "case_file_versioned", uniqueConstraints = @UniqueConstraint(name = "uq_case_file_versioned",
        columnNames = {"case_id", "file_hash", "original_filename"}))
public class VersionedCaseFile {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Version
    private Long version;

    @Column(name = "case_id", nullable = false)
    private Long caseId;

    @Column(name = "file_hash", nullable = false, length = 64)
    private String fileHash;

    @Column(name = "original_filename", nullable = false)
    private String originalFilename;

    @Column(name = "note")
    private String note;

    protected VersionedCaseFile() {
    }

    public VersionedCaseFile(long caseId, String fileHash, String originalFilename) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
    }

    public Long getId() {
        return id;
    }

    public Long getVersion() {
        return version;
    }

    public String getNote() {
        return note;
    }

    public void setNote(String note) {
        this.note = note;
    }
}
