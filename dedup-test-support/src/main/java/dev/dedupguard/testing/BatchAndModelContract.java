package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Batches and sequences: {@code registerAll} with duplicates inside the batch and against stored rows, concurrent
 * overlapping batches, and seeded random sequences of register, registerAll and release checked against a model, on
 * one thread and on four.
 *
 * @param <F> the backend's registered type
 */
public abstract class BatchAndModelContract<F> extends ContractBase<F> {

    /** A part that runs on {@code setup}. */
    protected BatchAndModelContract(Setup<F> setup) {
        super(setup);
    }

    @Test
    void batchHandlesDuplicatesInsideTheBatchAndAgainstStoredRowsInInputOrder() {
        DuplicateGuard<F> guard = guard(options().batchChunkSize(3).build());
        FileKey a = Keys.key(42, 31);
        FileKey b = Keys.key(42, 32);
        FileKey c = Keys.key(42, 33);
        FileKey d = Keys.key(42, 34);
        FileKey bUpper = FileKey.of(b.scope(), b.contentHash().toUpperCase(), b.fileName());
        long bId = guard.register(file(b)).id();

        List<F> input = List.of(file(a), file(b), file(a), file(c), file(bUpper), file(d), file(c));
        List<Registration<F>> results = guard.registerAll(input);

        assertThat(results).hasSize(input.size());
        assertThat(results).extracting(Registration::isNew).containsExactly(true, false, false, true, false, true, false);
        for (int i = 0; i < input.size(); i++) {
            assertThat(results.get(i).file()).isSameAs(input.get(i));
        }
        assertThat(results.get(1).id()).isEqualTo(bId);
        assertThat(results.get(4).id()).isEqualTo(bId);
        assertThat(results.get(2).id()).isEqualTo(results.get(0).id());
        assertThat(results.get(6).id()).isEqualTo(results.get(3).id());
        for (FileKey k : List.of(a, b, c, d)) {
            assertThat(rows(k)).isEqualTo(1);
        }
        assertThat(guard.registerAll(List.of())).isEmpty();
    }

    @Test
    void concurrentOverlappingBatchesStoreEachKeyOnce() throws Exception {
        DuplicateGuard<F> guard = guard(options().batchChunkSize(50).build());
        List<FileKey> keys = Keys.keys(88, 150);
        int threads = 6;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<List<Registration<F>>>> futures = new ArrayList<>();
        AtomicInteger seed = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            futures.add(pool().submit(() -> {
                List<FileKey> mine = new ArrayList<>(keys);
                Collections.shuffle(mine, new Random(seed.incrementAndGet()));
                List<F> files = new ArrayList<>();
                mine.subList(0, 120).forEach(k -> files.add(file(k)));
                awaitQuietly(start);
                return guard.registerAll(files);
            }));
        }
        List<Registration<F>> all = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (Future<List<Registration<F>>> f : futures) {
            try {
                all.addAll(f.get(100, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(e.getCause());
            }
        }
        long stored = keys.stream().filter(k -> rows(k) > 0).count();
        if (guarded()) {
            assertThat(failures).isEmpty();
            assertThat(all).hasSize(threads * 120);
            assertThat(all.stream().filter(Registration::isNew).count()).isEqualTo(stored);
            for (FileKey k : keys) {
                assertThat(rows(k)).as("rows for %s", k).isLessThanOrEqualTo(1);
            }
            assertThat(all.stream().filter(Registration::isNew).map(Registration::key).distinct().count())
                    .isEqualTo(stored);
        } else {
            long news = all.stream().filter(Registration::isNew).count();
            assertThat(table().totalRows(database())).isGreaterThanOrEqualTo(news);
        }
    }

    // ---------------------------------------------------------------- random sequences against a model

    /**
     * A seeded random sequence of register, registerAll (with repeats) and release on 12 keys, checked after every step
     * against a model of what must be stored: each answer, each id, and the rows in the table.
     */
    @Test
    void randomSequenceOfOperationsMatchesTheModel() {
        DuplicateGuard<F> guard = guard(options().batchChunkSize(3).build());
        List<FileKey> universe = Keys.keys(61, 12);
        Map<FileKey, Long> model = new HashMap<>();
        Random random = new Random(Objects.hash(table(), strategy()));
        for (int step = 0; step < 150; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                FileKey k = universe.get(random.nextInt(universe.size()));
                expect(step, k, guard.register(file(k)), model);
            } else if (op < 8) {
                List<FileKey> batch = new ArrayList<>();
                for (int n = 1 + random.nextInt(5); n > 0; n--) {
                    batch.add(universe.get(random.nextInt(universe.size())));
                }
                List<F> files = new ArrayList<>();
                batch.forEach(k -> files.add(file(k)));
                List<Registration<F>> results = guard.registerAll(files);
                for (int i = 0; i < batch.size(); i++) {
                    expect(step, batch.get(i), results.get(i), model);
                }
            } else {
                FileKey k = universe.get(random.nextInt(universe.size()));
                assertThat(guard.release(file(k))).as("step %d release %s", step, k)
                        .isEqualTo(model.remove(k) != null);
            }
            if (step % 10 == 9) {
                for (FileKey k : universe) {
                    assertThat(rows(k)).as("step %d rows of %s", step, k).isEqualTo(model.containsKey(k) ? 1 : 0);
                }
            }
        }
    }

    private static <F> void expect(int step, FileKey key, Registration<F> r, Map<FileKey, Long> model) {
        Long stored = model.get(key);
        if (stored == null) {
            assertThat(r.isNew()).as("step %d: %s is not stored, so it is new", step, key).isTrue();
            assertThat(model.containsValue(r.id())).as("step %d: fresh id", step).isFalse();
            model.put(key, r.id());
        } else {
            assertThat(r.isNew()).as("step %d: %s is stored, so it is a duplicate", step, key).isFalse();
            assertThat(r.id()).as("step %d: id of %s", step, key).isEqualTo(stored);
        }
    }

    /**
     * 4 threads run random register / registerAll / release sequences on 10 shared keys. The guarded strategies never
     * store a key twice and never throw; afterwards every key answers consistently with the table.
     */
    @Test
    void concurrentRandomSequencesNeverStoreAKeyTwice() throws Exception {
        DuplicateGuard<F> guard = guard(options().batchChunkSize(2).build());
        List<FileKey> universe = Keys.keys(62, 10);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger maxRows = new AtomicInteger();
        List<Future<?>> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Random random = new Random(Objects.hash(table(), strategy(), t));
            threads.add(pool().submit(() -> {
                for (int step = 0; step < 60; step++) {
                    FileKey k = universe.get(random.nextInt(universe.size()));
                    try {
                        int op = random.nextInt(10);
                        if (op < 5) {
                            guard.register(file(k));
                        } else if (op < 8) {
                            guard.registerAll(List.of(file(k), file(universe.get(random.nextInt(universe.size())))));
                        } else {
                            guard.release(file(k));
                        }
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                    maxRows.accumulateAndGet((int) rows(k), Math::max);
                }
                return null;
            }));
        }
        for (Future<?> f : threads) {
            f.get(100, TimeUnit.SECONDS);
        }
        if (guarded()) {
            assertThat(failures).as("exceptions thrown to callers").isEmpty();
            assertThat(maxRows.get()).as("most rows ever seen for one key").isLessThanOrEqualTo(1);
            for (FileKey k : universe) {
                long rows = rows(k);
                Registration<F> r = guard.register(file(k));
                assertThat(r.isNew()).as("%s answers as the table says", k).isEqualTo(rows == 0);
                assertThat(rows(k)).isEqualTo(1);
            }
        } else {
            assertThat(failures).allSatisfy(f -> assertThat(f).hasMessageContaining("NO_LOCK lost"));
        }
    }
}
