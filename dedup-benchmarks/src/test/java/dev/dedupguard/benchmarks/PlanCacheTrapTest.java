package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The plan-cache trap is real on the embedded PostgreSQL, so {@link PlanCacheTrap} can show whether a subject falls
 * into it: a lookup warmed on a table analyzed while empty keeps a sequential-scan plan after the table filled up,
 * while a fresh connection plans an index scan.
 */
class PlanCacheTrapTest {

    @Test
    void aLookupWarmedOnAnEmptyAnalyzedTableKeepsScanningItAfterItFilledUp() throws Exception {
        try (BenchDatabase db = BenchDatabase.open("postgres", 0)) {
            PlanCacheTrap.Raw r = PlanCacheTrap.raw(db, 20_000);

            assertThat(r.warmGenericPlans()).isPositive();
            assertThat(r.warmPlan()).startsWith("Seq Scan on bench_file");
            assertThat(r.freshPlan()).contains("Index").doesNotContain("Seq Scan");
            assertThat(r.warmMicros()).isGreaterThan(2 * r.freshMicros());
        } finally {
            // leave the tables as the report expects them: prefilled and analyzed
            try (BenchDatabase db = BenchDatabase.open("postgres", 10)) {
                db.clear();
            }
        }
    }
}
