package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What only a JPA host sees: its EntityManager, its entity's state, @Version, the second-level cache, bootstrap checks. */
class JpaHostEntityTest {

    @BeforeEach
    void clean() {
        for (TestDatabase db : TestDatabase.defaults()) {
            JpaBackend.INSTANCE.emf(db);
            TestTable.clearAll(db);
            db.execute("delete from case_file_versioned");
            JpaBackend.INSTANCE.emf(db).getCache().evictAll();
        }
    }

    private static JpaDuplicateGuard<CaseFile> caseFiles(TestDatabase db, Strategy strategy) {
        return JpaDuplicateGuard.forHostEntity(JpaBackend.INSTANCE.emf(db), JpaBackend.mapping(CaseFile.class))
                .strategy(strategy).build();
    }

    private static CaseFile caseFile(FileKey key) {
        return new CaseFile(Long.parseLong(key.scope()), key.contentHash(), key.fileName(), "analyst-7", 99);
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aDuplicateLeavesTheEntityManagersPendingAndManagedChangesIntact(TestDatabase db) {
        EntityManagerFactory emf = JpaBackend.INSTANCE.emf(db);
        for (Strategy strategy : Strategy.values()) {
            TestTable.clearAll(db);
            JpaDuplicateGuard<CaseFile> guard = caseFiles(db, strategy);
            FileKey existing = Keys.key(5, 1);
            long existingId = guard.register(caseFile(existing)).id();

            EntityManager em = emf.createEntityManager();
            try {
                em.getTransaction().begin();
                CaseFile managed = em.find(CaseFile.class, existingId);
                managed.setStatus("analysed");
                em.persist(new HostAudit("pending before"));
                Registration<CaseFile> dup = guard.joining(em).register(caseFile(existing));
                em.persist(new HostAudit("pending after"));
                Registration<CaseFile> fresh = guard.joining(em).register(caseFile(Keys.key(5, 2)));
                em.getTransaction().commit();

                assertThat(dup.isNew()).as(strategy.name()).isFalse();
                assertThat(dup.id()).isEqualTo(existingId);
                assertThat(fresh.isNew()).isTrue();
            } finally {
                em.close();
            }
            assertThat(db.queryLong("select count(*) from host_audit")).as(strategy.name()).isEqualTo(2);
            assertThat(db.queryString("select status from case_file where id = ?", existingId)).isEqualTo("analysed");
            assertThat(db.queryLong("select count(*) from case_file")).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aNewEntityGetsItsIdAndAllItsColumnsButIsNotManagedADuplicateIsLeftAlone(TestDatabase db) {
        EntityManagerFactory emf = JpaBackend.INSTANCE.emf(db);
        JpaDuplicateGuard<CaseFile> guard = caseFiles(db, Strategy.UNIQUE_CONSTRAINT);
        FileKey key = Keys.key(6, 1);
        FileKey upper = FileKey.of(key.scope(), key.contentHash().toUpperCase(), key.fileName());
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            CaseFile entity = new CaseFile(6, upper.contentHash(), key.fileName(), "analyst-9", 4242);
            Registration<CaseFile> r = guard.joining(em).register(entity);
            assertThat(r.isNew()).isTrue();
            assertThat(r.file()).isSameAs(entity);
            assertThat(entity.getId()).isEqualTo(r.id());
            assertThat(entity.getFileHash()).as("hash normalised on the entity").isEqualTo(key.contentHash());
            assertThat(em.contains(entity)).isFalse();
            CaseFile loaded = em.find(CaseFile.class, r.id());
            assertThat(loaded.getUploadedBy()).isEqualTo("analyst-9");
            assertThat(loaded.getStatus()).isEqualTo("received");

            CaseFile again = caseFile(key);
            Registration<CaseFile> dup = guard.joining(em).register(again);
            assertThat(dup.isNew()).isFalse();
            assertThat(dup.id()).isEqualTo(r.id());
            assertThat(again.getId()).as("a duplicate's entity is not stored").isNull();
            em.getTransaction().commit();
        } finally {
            em.close();
        }
        assertThat(db.queryLong("select size_bytes from case_file where id = (select max(id) from case_file)"))
                .isEqualTo(4242);
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void versionedCachedEntityIsSeededUpdatableAndEvictedOnRelease(TestDatabase db) {
        EntityManagerFactory emf = JpaBackend.INSTANCE.emf(db);
        JpaDuplicateGuard<VersionedCaseFile> guard = JpaDuplicateGuard.forHostEntity(emf,
                EntityMapping.of(VersionedCaseFile.class).scope("caseId").contentHash("fileHash")
                        .fileName("originalFilename")).build();
        String hash = Keys.sha256("versioned");
        VersionedCaseFile entity = new VersionedCaseFile(8, hash, "v.evtx");
        Registration<VersionedCaseFile> r = guard.register(entity);
        assertThat(r.isNew()).isTrue();
        assertThat(entity.getVersion()).as("version seeded by Hibernate").isZero();

        EntityManager em = emf.createEntityManager();
        em.getTransaction().begin();
        em.find(VersionedCaseFile.class, r.id()).setNote("reviewed");
        em.getTransaction().commit();
        em.close();
        assertThat(emf.getCache().contains(VersionedCaseFile.class, r.id())).as("cached after the update").isTrue();
        assertThat(db.queryLong("select version from case_file_versioned where id = ?", r.id())).isEqualTo(1);

        assertThat(guard.register(new VersionedCaseFile(8, hash, "v.evtx")).isNew()).isFalse();
        assertThat(guard.release(new VersionedCaseFile(8, hash, "v.evtx"))).isTrue();
        assertThat(emf.getCache().contains(VersionedCaseFile.class, r.id())).as("evicted on release").isFalse();
        EntityManager after = emf.createEntityManager();
        assertThat(after.find(VersionedCaseFile.class, r.id())).isNull();
        after.close();
        assertThat(guard.register(new VersionedCaseFile(8, hash, "v.evtx")).isNew()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void bootstrapRejectsMappingsAndSchemasThatDoNotFit(TestDatabase db) {
        EntityManagerFactory emf = JpaBackend.INSTANCE.emf(db);
        assertThatThrownBy(() -> JpaDuplicateGuard.forHostEntity(emf, JpaBackend.mapping(LegacyCaseFile.class))
                .strategy(Strategy.UNIQUE_CONSTRAINT).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("UNIQUE_CONSTRAINT needs a unique constraint on exactly [case_id, file_hash, "
                        + "original_filename] of table case_file_legacy");
        assertThatThrownBy(() -> JpaDuplicateGuard.forHostEntity(emf, EntityMapping.of(CaseFile.class)
                        .scope("caseNumber").contentHash("fileHash").fileName("originalFilename")).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("CaseFile has no attribute 'caseNumber'").hasMessageContaining("caseId");
        assertThatThrownBy(() -> JpaDuplicateGuard.forHostEntity(emf, EntityMapping.of(CaseFile.class)
                        .scope("caseId").contentHash("sizeBytes").fileName("originalFilename")).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("CaseFile.sizeBytes is a java.lang.Long; a key attribute must be one of [String]");
        assertThatThrownBy(() -> JpaDuplicateGuard.forHostEntity(emf, EntityMapping.of(String.class)
                        .scope("a").contentHash("b").fileName("c")).build())
                .isInstanceOf(SchemaMismatchException.class).hasMessageContaining("java.lang.String is not an entity");
        assertThatThrownBy(() -> JpaDuplicateGuard.forHostEntity(emf, EntityMapping.of(CaseFile.class)
                        .contentHash("fileHash").fileName("originalFilename")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs the scope attribute");
        assertThatThrownBy(() -> JpaDuplicateGuard.forHostEntity(emf, JpaBackend.mapping(CaseFile.class))
                .namePolicy(dev.dedupguard.NamePolicy.NFC).build())
                .isInstanceOf(SchemaMismatchException.class).hasMessageContaining("needs a name-key column");
        assertThatThrownBy(() -> JpaDuplicateGuard.forLibraryEntity(emf).strategy(Strategy.SELECT_FOR_UPDATE)
                .lockStripes(2048).build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("needs rows 0..2047 in dedup_lock_stripe, found 1024");
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void joiningAnEntityManagerWithoutATransactionFailsClearlyAndWrongTypesAreNamed(TestDatabase db) {
        EntityManagerFactory emf = JpaBackend.INSTANCE.emf(db);
        JpaDuplicateGuard<CaseFile> guard = caseFiles(db, Strategy.UNIQUE_CONSTRAINT);
        EntityManager em = emf.createEntityManager();
        try {
            DuplicateGuard<CaseFile> joined = guard.joining(em);
            assertThatThrownBy(() -> joined.register(caseFile(Keys.key(1, 1))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no transaction to join");
        } finally {
            em.close();
        }
        CaseFile noHash = new CaseFile(1, null, "x", "a", 1);
        assertThatThrownBy(() -> guard.register(noHash)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CaseFile (attributes caseId, fileHash, originalFilename)")
                .hasMessageContaining("contentHash must not be null");
        assertThat(db.queryLong("select count(*) from case_file")).isZero();
    }
}
