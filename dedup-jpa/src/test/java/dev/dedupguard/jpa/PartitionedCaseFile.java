package dev.dedupguard.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The seed's columns in a PostgreSQL table partitioned by hash of the case id, unique on the key. */
@Entity
@Table(name = "case_file_part")
public class PartitionedCaseFile extends CaseFileColumns {
    protected PartitionedCaseFile() {
    }

    public PartitionedCaseFile(long caseId, String fileHash, String originalFilename, String uploadedBy, long size) {
        super(caseId, fileHash, originalFilename, uploadedBy, size);
    }
}
