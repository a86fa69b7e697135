package dev.dedupguard.jpa;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.ManyProcessesContract;
import dev.dedupguard.testing.ProcessGuardFactory;
import dev.dedupguard.testing.TestTable;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import javax.sql.DataSource;

/** Separate JVMs racing on the same keys, on the JPA backend. */
class JpaManyProcessesTest extends ManyProcessesContract {
    @Override
    protected Class<? extends ProcessGuardFactory> factory() {
        return Factory.class;
    }

    /** Builds the JPA guard in a child process, on a persistence unit of its own. */
    public static final class Factory implements ProcessGuardFactory {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public DuplicateGuard<Object> guard(DataSource ds, Strategy strategy, TestTable table) {
            EntityManagerFactory emf = new PersistenceConfiguration("worker").managedClass(CaseFile.class)
                    .managedClass(LegacyCaseFile.class).property("hibernate.connection.datasource", ds)
                    .property("hibernate.cache.use_second_level_cache", "false")
                    .property("hibernate.cache.region.factory_class",
                            "org.hibernate.cache.internal.NoCachingRegionFactory")
                    .createEntityManagerFactory();
            return (DuplicateGuard) (table == TestTable.HOST ? build(emf, CaseFile.class, strategy)
                    : build(emf, LegacyCaseFile.class, strategy));
        }

        private static <E extends CaseFileColumns> JpaDuplicateGuard<E> build(EntityManagerFactory emf, Class<E> type,
                Strategy strategy) {
            return JpaDuplicateGuard.forHostEntity(emf, JpaBackend.mapping(type)).strategy(strategy).build();
        }

        @Override
        public Object file(TestTable table, FileKey key) {
            return JpaBackend.INSTANCE.file(table, key);
        }
    }
}
