package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.CountingDataSource;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code registerAll} on MariaDB with {@code UNIQUE_CONSTRAINT}: one multi-row {@code INSERT ... RETURNING} per chunk,
 * and exact outcomes when threads race with overlapping batches on the real server.
 */
class JooqMariaDbBatchRaceTest {
    private static final TestDatabase DB = TestDatabase.MARIADB;
    private static final int THREADS = 8;
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    private final CountingDataSource counting = new CountingDataSource(DB.dataSource());

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void overlappingBatchesStoreEachKeyOnceAndAgreeOnItsId() throws Exception {
        TestTable.createAll(DB);
        TestTable.clearAll(DB);
        JooqDuplicateGuard<FileKey> guard = JooqDuplicateGuard.forLibraryTable(counting, SQLDialect.MARIADB)
                .strategy(Strategy.UNIQUE_CONSTRAINT).batchChunkSize(500).build();
        List<FileKey> keys = Keys.keys(21, 400);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<List<Registration<FileKey>>>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<FileKey> mine = keys.subList(t * 25, t * 25 + 200);
            futures.add(pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return guard.registerAll(mine);
            }));
        }
        Map<FileKey, Long> ids = new HashMap<>();
        Map<FileKey, Integer> news = new HashMap<>();
        int answers = 0;
        for (Future<List<Registration<FileKey>>> f : futures) {
            for (Registration<FileKey> r : f.get(120, TimeUnit.SECONDS)) {
                answers++;
                Long before = ids.putIfAbsent(r.key(), r.id());
                assertThat(before == null ? r.id() : before).as("every answer for %s has one id", r.key())
                        .isEqualTo(r.id());
                news.merge(r.key(), r.isNew() ? 1 : 0, Integer::sum);
            }
        }
        assertThat(answers).isEqualTo(THREADS * 200);
        int covered = (THREADS - 1) * 25 + 200;
        assertThat(ids).hasSize(covered);
        assertThat(news.values()).as("exactly one new answer per key").allMatch(n -> n == 1);
        assertThat(TestTable.LIBRARY.totalRows(DB)).isEqualTo(covered);
        for (FileKey k : keys.subList(0, covered)) {
            assertThat(TestTable.LIBRARY.rowsWith(DB, k)).as("rows for %s", k).isEqualTo(1);
        }
        assertThat(counting.roundTrips().stream().filter(sql -> sql.contains("), (")).count())
                .as("multi-row inserts sent").isPositive();
    }
}
