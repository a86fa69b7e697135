package dev.dedupguard.spring.boot.jpa;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

/** A host entity with the seed's unique constraint. */
@Entity
@Table(name = "sb_case_file", uniqueConstraints = @UniqueConstraint(name = "uq_sb_case_file",
        columnNames = {"case_id", "file_hash", "original_filename"}))
public class CaseFileEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "case_id", nullable = false)
    private long caseId;

    @Column(name = "file_hash", nullable = false, length = 64)
    private String fileHash;

    @Column(name = "original_filename", nullable = false, length = 2000)
    private String originalFilename;

    protected CaseFileEntity() {
    }

    public CaseFileEntity(long caseId, String fileHash, String originalFilename) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
    }

    public Long getId() {
        return id;
    }
}
