package dev.dedupguard.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The same columns in a table that cannot carry a unique constraint. */
@Entity
@Table(name = "case_file_legacy")
public class LegacyCaseFile extends CaseFileColumns {
    protected LegacyCaseFile() {
    }

    public LegacyCaseFile(long caseId, String fileHash, String originalFilename, String uploadedBy, long size) {
        super(caseId, fileHash, originalFilename, uploadedBy, size);
    }
}
