package dev.dedupguard.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

/** The seed's host entity, with its unique constraint. */
@Entity
@Table(name = "case_file", uniqueConstraints = @UniqueConstraint(name = "uq_case_file_duplicate",
        columnNames = {"case_id", "file_hash", "original_filename"}))
public class CaseFile extends CaseFileColumns {
    protected CaseFile() {
    }

    public CaseFile(long caseId, String fileHash, String originalFilename, String uploadedBy, long size) {
        super(caseId, fileHash, originalFilename, uploadedBy, size);
    }
}
