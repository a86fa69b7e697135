package dev.dedupguard.examples;

import dev.dedupguard.Registration;
import dev.dedupguard.jpa.EntityMapping;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.io.PrintStream;

/**
 * The host's own JPA entity, registered inside the host's own transaction: a new upload is stored and processed, a
 * re-upload is recognised as a duplicate without breaking the transaction, and an upload whose processing fails is
 * rolled back together with its registration, so that a corrected retry can store it.
 *
 * <p>Run: {@code mvn -B -ntp -q -pl examples -am package -DskipTests exec:java
 * -Dexec.mainClass=dev.dedupguard.examples.JpaHostTransactionExample} (optional argument: a {@code --db} value as for
 * {@link EvidenceIngest}).
 */
public final class JpaHostTransactionExample {
    static final long CASE_ID = 5005;

    private JpaHostTransactionExample() {
    }

    /**
     * Runs the example; exits with status 2 for bad options and 1 if the database cannot be reached.
     *
     * @param args {@code --db DIR|URL} as for {@link EvidenceIngest}, or {@code --help}
     * @throws Exception an unexpected failure (a bug or a database error during the run), with its stack trace
     */
    public static void main(String[] args) throws Exception {
        int status = ExampleDatabase.execute("JpaHostTransactionExample", args, (db, out) -> run(db, out), System.out,
                System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the scenario on {@code db}; returns the rows the case holds at the end. */
    static long run(String db, PrintStream out) throws Exception {
        try (ExampleDatabase database = ExampleDatabase.open(db, 4)) {
            CaseFiles.createIfMissing(database.dsl());
            EntityManagerFactory emf = new PersistenceConfiguration("evidence")
                    .managedClass(CaseFileEntity.class)
                    .property("hibernate.connection.datasource", database.dataSource())
                    .createEntityManagerFactory();
            try {
                JpaDuplicateGuard<CaseFileEntity> guard = JpaDuplicateGuard.forHostEntity(emf,
                        EntityMapping.of(CaseFileEntity.class).scope("caseId").contentHash("fileHash")
                                .fileName("originalFilename")).build();
                out.printf("JPA host entity example on %s, case %d%n", database.description(), CASE_ID);
                inTransaction(emf, em -> em.createQuery("delete from CaseFileEntity c where c.caseId = :c")
                        .setParameter("c", CASE_ID).executeUpdate());

                Evidence security = Evidence.of("server1_Security.evtx", "<Event>4624 logon</Event>");
                Evidence corrupt = Evidence.of("server9_Application.evtx", "MZ\u0090 not a log");
                upload(emf, guard, security, out);
                upload(emf, guard, security, out);
                upload(emf, guard, corrupt, out);
                upload(emf, guard, Evidence.of(corrupt.name(), "<Event>1000 app crash</Event>"), out);

                long rows = inTransaction(emf, em -> em.createQuery(
                        "select count(c) from CaseFileEntity c where c.caseId = :c", Long.class)
                        .setParameter("c", CASE_ID).getSingleResult());
                out.printf("case %d holds %d files%n", CASE_ID, rows);
                return rows;
            } finally {
                emf.close();
            }
        }
    }

    /** One upload, as a host's service method would handle it: register, process, commit; any failure rolls back. */
    private static void upload(EntityManagerFactory emf, JpaDuplicateGuard<CaseFileEntity> guard, Evidence file,
            PrintStream out) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            Registration<CaseFileEntity> r = guard.joining(em).register(
                    new CaseFileEntity(CASE_ID, file.sha256(), file.name(), "analyst-7", file.content().length));
            if (!r.isNew()) {
                out.printf("  %-26s duplicate of id=%d, skipped; the transaction goes on%n", file.name(), r.id());
                em.getTransaction().commit();
                return;
            }
            file.process();
            em.getTransaction().commit();
            out.printf("  %-26s stored as id=%d, processed, committed%n", file.name(), r.id());
        } catch (IllegalStateException processingFailed) {
            em.getTransaction().rollback();
            out.printf("  %-26s processing failed (%s): rolled back, registration gone%n", file.name(),
                    processingFailed.getMessage());
        } finally {
            em.close();
        }
    }

    private static <T> T inTransaction(EntityManagerFactory emf, java.util.function.Function<EntityManager, T> work) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            T result = work.apply(em);
            em.getTransaction().commit();
            return result;
        } finally {
            em.close();
        }
    }
}
