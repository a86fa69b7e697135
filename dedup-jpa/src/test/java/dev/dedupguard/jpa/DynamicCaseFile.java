package dev.dedupguard.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import org.hibernate.annotations.DynamicInsert;

/** The seed's table through an entity with dynamic insert, which the native insert cannot express. */
@Entity
@DynamicInsert
@Table(name = "case_file")
public class DynamicCaseFile extends CaseFileColumns {
    protected DynamicCaseFile() {
    }

    public DynamicCaseFile(long caseId, String fileHash, String originalFilename) {
        super(caseId, fileHash, originalFilename, "dynamic", 1);
    }
}
