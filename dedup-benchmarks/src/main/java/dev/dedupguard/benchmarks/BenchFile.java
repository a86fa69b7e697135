package dev.dedupguard.benchmarks;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

/** The host entity the JPA subjects register: the design note's key columns, with or without the unique constraint. */
@MappedSuperclass
public abstract class BenchFile {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "case_id", nullable = false)
    private Long caseId;

    @Column(name = "file_hash", nullable = false, length = 64)
    private String fileHash;

    @Column(name = "original_filename", nullable = false, length = 2000)
    private String originalFilename;

    /** For Hibernate. */
    protected BenchFile() {
    }

    /**
     * A new file of case {@code caseId}, not yet registered.
     *
     * @param caseId the case (the guard's scope)
     * @param fileHash the SHA-256 of the content, hex
     * @param originalFilename the file name as uploaded
     */
    protected BenchFile(long caseId, String fileHash, String originalFilename) {
        this.caseId = caseId;
        this.fileHash = fileHash;
        this.originalFilename = originalFilename;
    }

    /** {@code bench_file}, unique on the key. */
    @Entity
    @Table(name = "bench_file", uniqueConstraints = @UniqueConstraint(name = "uq_bench_file",
            columnNames = {"case_id", "file_hash", "original_filename"}))
    public static class Unique extends BenchFile {
        /** For Hibernate. */
        protected Unique() {
        }

        /**
         * A new file of case {@code caseId}, not yet registered.
         *
         * @param caseId the case (the guard's scope)
         * @param fileHash the SHA-256 of the content, hex
         * @param originalFilename the file name as uploaded
         */
        public Unique(long caseId, String fileHash, String originalFilename) {
            super(caseId, fileHash, originalFilename);
        }
    }

    /** {@code bench_file_nouniq}, without a unique constraint. */
    @Entity
    @Table(name = "bench_file_nouniq")
    public static class NoUnique extends BenchFile {
        /** For Hibernate. */
        protected NoUnique() {
        }

        /**
         * A new file of case {@code caseId}, not yet registered.
         *
         * @param caseId the case (the guard's scope)
         * @param fileHash the SHA-256 of the content, hex
         * @param originalFilename the file name as uploaded
         */
        public NoUnique(long caseId, String fileHash, String originalFilename) {
            super(caseId, fileHash, originalFilename);
        }
    }
}
