package dev.dedupguard.jpa;

import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.util.ArrayList;
import java.util.List;

/**
 * A timing harness, not a test: JPA on embedded PostgreSQL, {@code registerAll} of 1,000 new host entities against
 * 1,000 single {@code register} calls, and {@code registerAll} of 100,000, per strategy. Run with the test classpath:
 * {@code java -cp <test classpath> dev.dedupguard.jpa.RegisterAllTiming [rounds]}.
 */
public final class RegisterAllTiming {
    private RegisterAllTiming() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        TestTable.createAll(TestDatabase.POSTGRESQL);
        EntityManagerFactory emf = new PersistenceConfiguration("dedup-timing").managedClass(CaseFile.class)
                .managedClass(LegacyCaseFile.class)
                .property("hibernate.connection.datasource", TestDatabase.POSTGRESQL.dataSource())
                .property("hibernate.cache.use_second_level_cache", "false")
                .property("hibernate.cache.region.factory_class", "org.hibernate.cache.internal.NoCachingRegionFactory")
                .createEntityManagerFactory();
        try {
            for (Strategy strategy : List.of(Strategy.UNIQUE_CONSTRAINT, Strategy.SELECT_FOR_UPDATE)) {
                JpaDuplicateGuard<CaseFile> guard = JpaDuplicateGuard.forHostEntity(emf,
                        JpaBackend.mapping(CaseFile.class)).strategy(strategy).build();
                long scope = strategy.ordinal() * 1_000_000L;
                double bestSingles = Double.MAX_VALUE;
                double bestBatch = Double.MAX_VALUE;
                for (int round = 0; round < rounds; round++) {
                    List<CaseFile> singles = files(++scope, 1000);
                    long t0 = System.nanoTime();
                    for (CaseFile f : singles) {
                        guard.register(f);
                    }
                    bestSingles = Math.min(bestSingles, (System.nanoTime() - t0) / 1e6);
                    List<CaseFile> batch = files(++scope, 1000);
                    t0 = System.nanoTime();
                    List<Registration<CaseFile>> rs = guard.registerAll(batch);
                    bestBatch = Math.min(bestBatch, (System.nanoTime() - t0) / 1e6);
                    require(rs.stream().allMatch(Registration::isNew), "all new");
                }
                System.out.printf("JPA %s: 1000 x register %.1f ms, registerAll(1000) %.1f ms: %.1fx (best of %d)%n",
                        strategy, bestSingles, bestBatch, bestSingles / bestBatch, rounds);
                List<CaseFile> big = files(++scope, 100_000);
                long t0 = System.nanoTime();
                List<Registration<CaseFile>> rs = guard.registerAll(big);
                double bigMs = (System.nanoTime() - t0) / 1e6;
                require(rs.stream().allMatch(Registration::isNew), "all new");
                List<CaseFile> again = files(scope, 100_000);
                t0 = System.nanoTime();
                rs = guard.registerAll(again);
                double againMs = (System.nanoTime() - t0) / 1e6;
                require(rs.stream().noneMatch(Registration::isNew), "all duplicates");
                System.out.printf("JPA %s: registerAll(100000) new %.0f ms, the same 100000 again (duplicates) %.0f ms%n",
                        strategy, bigMs, againMs);
                TestTable.clearAll(TestDatabase.POSTGRESQL);
            }
        } finally {
            emf.close();
        }
        System.exit(0);
    }

    private static List<CaseFile> files(long scope, int count) {
        List<CaseFile> files = new ArrayList<>(count);
        for (FileKey key : Keys.keys(scope, count)) {
            files.add(new CaseFile(scope, key.contentHash(), key.fileName(), "timing", 1));
        }
        return files;
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("expected " + what);
        }
    }
}
