package dev.dedupguard.examples;

// tag::imports[]
import dev.dedupguard.ContentHash;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.jpa.DedupFile;
import dev.dedupguard.jpa.EntityMapping;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.io.IOException;
import java.nio.file.Path;
import javax.sql.DataSource;
// end::imports[]

/**
 * The README's JPA quick start. The README quotes the regions between {@code tag::} and {@code end::} verbatim,
 * {@code ReadmeSnippetsTest} checks that it does, and {@code QuickStartTest} runs each method on embedded PostgreSQL:
 * the README cannot show code that does not compile or does not work.
 */
final class QuickStartJpa {

    private QuickStartJpa() {
    }

    /** Registers {@code file} with the library entity {@link DedupFile}; returns the answer. */
    static Registration<FileKey> jpaLibraryEntity(DataSource dataSource, Path file) throws IOException {
        // tag::jpa-library[]
        EntityManagerFactory emf = new PersistenceConfiguration("files")
                .managedClass(DedupFile.class)   // forLibraryEntity needs DedupFile in the persistence unit
                .property("hibernate.connection.datasource", dataSource)
                .createEntityManagerFactory();
        JpaDuplicateGuard<FileKey> guard = JpaDuplicateGuard.forLibraryEntity(emf)
                .createSchemaIfMissing(true)     // creates dedup_file and dedup_lock_stripe if absent
                .build();

        Registration<FileKey> r = guard.register(FileKey.of("case-42", ContentHash.sha256(file),
                file.getFileName().toString()));
        // end::jpa-library[]
        emf.close();
        return r;
    }

    /**
     * Registers {@code upload}, the host's own entity, inside a transaction of the caller's; {@code emf}'s persistence
     * unit holds {@link CaseFileEntity}. Returns the answer.
     */
    static Registration<CaseFileEntity> jpaHostEntity(EntityManagerFactory emf, CaseFileEntity upload) {
        // tag::jpa-host[]
        JpaDuplicateGuard<CaseFileEntity> guard = JpaDuplicateGuard.forHostEntity(emf,
                        EntityMapping.of(CaseFileEntity.class)
                                .scope("caseId").contentHash("fileHash").fileName("originalFilename"))
                .build();                                // checks the mapping and the unique constraint

        EntityManager em = emf.createEntityManager();
        Registration<CaseFileEntity> r;
        try {
            em.getTransaction().begin();
            r = guard.joining(em).register(upload);      // inserts all of the entity's columns when new
            if (r.isNew()) {
                // process the upload; if that throws, the rollback below takes the registration with it
            }
            em.getTransaction().commit();
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
        // end::jpa-host[]
        return r;
    }
}
