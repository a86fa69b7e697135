package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw subjects on embedded PostgreSQL: the baseline costs 2 round trips for a new file and 3 for a duplicate, the
 * one-round-trip subject 1 and 2, as the driver's socket counts them; both store one committed row per key.
 */
class RawSubjectsTest {
    private static BenchDatabase db;

    @BeforeAll
    static void open() {
        db = BenchDatabase.open("postgres", 5000);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void theRawBatchStoresEachNewFileOnceAndSkipsThemWhenSentAgain() {
        assertRawBatchStoresEachFileOnce(db);
    }

    /**
     * W5's physical limit ({@link Workloads#rawBatch}): 1,200 new files (more than one chunk of 500 where it sends
     * chunks) are stored and committed, one row each; sent again, none is stored and no row is added.
     */
    static void assertRawBatchStoresEachFileOnce(BenchDatabase db) {
        long scope = Workloads.freshScope();
        java.util.List<FileKey> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            keys.add(Workloads.key(scope, 3, i));
        }
        assertThat(Workloads.rawBatch(db, keys)).isEqualTo(1200);
        assertThat(db.count("select count(*) from bench_file where case_id = " + scope)).isEqualTo(1200);
        assertThat(Workloads.rawBatch(db, keys)).isZero();
        assertThat(db.count("select count(*) from bench_file where case_id = " + scope)).isEqualTo(1200);
    }

    @Test
    void theOneRoundTripSubjectCommitsANewFileInOneExchange() {
        assertNewAndDuplicateExchanges(db, Subject.ONE_ROUND_TRIP, 1, 2);
    }

    @Test
    void theBaselineTakesTwoExchangesForANewFileAndThreeForADuplicate() {
        assertNewAndDuplicateExchanges(db, Subject.BASELINE, 2, 3);
    }

    /**
     * Registers a new file and then the same again with the raw subject {@code backend}: the driver's exchanges for
     * each are as expected, the file is committed when the first call returns (another connection of the pool sees
     * it), and the duplicate answers with the stored id.
     */
    static void assertNewAndDuplicateExchanges(BenchDatabase db, String backend, int newFile, int duplicate) {
        Subject subject = Subject.create(backend, null, db, db.dataSource(), null);
        subject.register(Workloads.key(Workloads.freshScope(), 0, 0));
        FileKey key = Workloads.key(Workloads.freshScope(), 0, 0);

        long x0 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome stored = subject.register(key);
        long x1 = ExchangeCountingSocketFactory.exchanges();
        assertThat(subject.rows(db, Long.parseLong(key.scope()))).isEqualTo(1);
        long x2 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome again = subject.register(key);
        long x3 = ExchangeCountingSocketFactory.exchanges();

        assertThat(stored.isNew()).isTrue();
        assertThat(x1 - x0).isEqualTo(newFile);
        assertThat(again).isEqualTo(new Subject.Outcome(false, stored.id()));
        assertThat(x3 - x2).isEqualTo(duplicate);
        assertThat(subject.rows(db, Long.parseLong(key.scope()))).isEqualTo(1);
    }

    @Test
    void theTablesKeepTheirPrefilledRowsAndIndexPlansAcrossClears() {
        db.clear();
        assertThat(db.count("select count(*) from bench_file where case_id < 0")).isEqualTo(5000);
        assertThat(db.count("select count(*) from bench_file where case_id >= 0")).isZero();
        assertThat(db.planChecks()).isNotEmpty().containsOnly("index");
    }
}
