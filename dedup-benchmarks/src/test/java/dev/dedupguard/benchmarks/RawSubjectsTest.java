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
    void theOneRoundTripSubjectCommitsANewFileInOneExchange() {
        Subject one = Subject.create(Subject.ONE_ROUND_TRIP, null, db, db.dataSource(), null);
        one.register(Workloads.key(Workloads.freshScope(), 0, 0));
        FileKey key = Workloads.key(Workloads.freshScope(), 0, 0);

        long x0 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome stored = one.register(key);
        long x1 = ExchangeCountingSocketFactory.exchanges();
        // committed when the call returns: another connection of the pool sees it
        assertThat(one.rows(db, Long.parseLong(key.scope()))).isEqualTo(1);
        long x2 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome again = one.register(key);
        long x3 = ExchangeCountingSocketFactory.exchanges();

        assertThat(stored.isNew()).isTrue();
        assertThat(x1 - x0).isEqualTo(1);
        assertThat(again).isEqualTo(new Subject.Outcome(false, stored.id()));
        assertThat(x3 - x2).isEqualTo(2);
        assertThat(one.rows(db, Long.parseLong(key.scope()))).isEqualTo(1);
    }

    @Test
    void theBaselineTakesTwoExchangesForANewFileAndThreeForADuplicate() {
        Subject baseline = Subject.create(Subject.BASELINE, null, db, db.dataSource(), null);
        baseline.register(Workloads.key(Workloads.freshScope(), 0, 0));
        FileKey key = Workloads.key(Workloads.freshScope(), 0, 0);

        long x0 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome stored = baseline.register(key);
        long x1 = ExchangeCountingSocketFactory.exchanges();
        Subject.Outcome again = baseline.register(key);
        long x2 = ExchangeCountingSocketFactory.exchanges();

        assertThat(x1 - x0).isEqualTo(2);
        assertThat(x2 - x1).isEqualTo(3);
        assertThat(again).isEqualTo(new Subject.Outcome(false, stored.id()));
        assertThat(baseline.rows(db, Long.parseLong(key.scope()))).isEqualTo(1);
    }

    @Test
    void theTablesKeepTheirPrefilledRowsAndIndexPlansAcrossClears() {
        db.clear();
        assertThat(db.count("select count(*) from bench_file where case_id < 0")).isEqualTo(5000);
        assertThat(db.count("select count(*) from bench_file where case_id >= 0")).isZero();
        assertThat(db.planChecks()).isNotEmpty().containsOnly("index");
    }
}
