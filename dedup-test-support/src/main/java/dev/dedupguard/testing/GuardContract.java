package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Isolation;
import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.Registration;
import dev.dedupguard.SerializationConflictException;
import dev.dedupguard.Strategy;
import dev.dedupguard.internal.GuardFactory;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StoredKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The behaviour every backend x database x table x strategy must show. A backend's test class extends this, names
 * its {@link GuardBackend}, database, table and strategy (e.g. with {@code @ParameterizedClass}), and inherits every
 * test. What a strategy cannot do is asserted as such, not skipped: {@link Strategy#NO_LOCK} is shown to admit a
 * duplicate (or to fail on the unique constraint) under a forced interleaving.
 *
 * <p>Scopes are numeric (host tables key on a bigint case id). Each test starts from empty tables.
 *
 * @param <F> the backend's registered type
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class GuardContract<F> {
    private static final Set<TestDatabase> PREPARED = Collections.synchronizedSet(EnumSet.noneOf(TestDatabase.class));
    /** How long a call that must wait is watched before it counts as blocked. */
    protected static final Duration BLOCKED = Duration.ofMillis(400);

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final TestTable table;
    private final Strategy strategy;
    private ExecutorService pool;

    protected GuardContract(TestTable table, Strategy strategy) {
        this.table = table;
        this.strategy = strategy;
    }

    /**
     * Every table x strategy the table supports: the argument source for a subclass annotated with
     * {@code @ParameterizedClass @MethodSource("dev.dedupguard.testing.GuardContract#matrix")}.
     */
    public static Stream<Arguments> matrix() {
        return Arrays.stream(TestTable.values()).flatMap(t -> Arrays.stream(Strategy.values())
                .filter(t::supports).map(s -> Arguments.of(t, s)));
    }

    protected abstract GuardBackend<F> backend();

    protected abstract TestDatabase database();

    protected final TestTable table() {
        return table;
    }

    protected final Strategy strategy() {
        return strategy;
    }

    @BeforeEach
    void prepareTables() {
        if (PREPARED.add(database())) {
            TestTable.createAll(database());
        }
        TestTable.clearAll(database());
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void release() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("worker threads ended").isTrue();
    }

    /** Options for this test's strategy with a generous lock timeout (tests that need a short one set it). */
    protected GuardOptions.Builder options() {
        return GuardOptions.builder().strategy(strategy()).lockTimeout(Duration.ofSeconds(20));
    }

    protected DuplicateGuard<F> guard(GuardOptions options) {
        return backend().guard(database(), table(), options);
    }

    protected DuplicateGuard<F> guard() {
        return guard(options().build());
    }

    protected F file(FileKey key) {
        return backend().file(table(), key);
    }

    protected long rows(FileKey key) {
        return table().rowsWith(database(), key);
    }

    protected GuardBackend.CallerTransaction<F> begin(GuardOptions options, Isolation isolation) {
        GuardBackend.CallerTransaction<F> tx = backend().begin(database(), table(), options, isolation);
        cleanup.add(0, tx);
        return tx;
    }

    private boolean guarded() {
        return strategy() != Strategy.NO_LOCK;
    }

    /** Whether a second registration of a key waits for the first one's open transaction. */
    private boolean secondRegistrationWaits() {
        return guarded() || table().hasUniqueConstraint();
    }

    // ---------------------------------------------------------------- single registrations

    @Test
    void newFileIsStoredOnceAndItsDuplicateReportsTheSameId() {
        DuplicateGuard<F> guard = guard();
        FileKey key = Keys.key(42, 1);

        Registration<F> first = guard.register(file(key));
        Registration<F> second = guard.register(file(key));

        assertThat(first.isNew()).isTrue();
        assertThat(first).isInstanceOf(Registration.New.class);
        assertThat(second.isNew()).isFalse();
        assertThat(second).isInstanceOf(Registration.Duplicate.class);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.key()).isEqualTo(key);
        assertThat(rows(key)).isEqualTo(1);
        assertThat(guard.strategy()).isEqualTo(strategy());
    }

    @Test
    void scopeHashAndNameEachMakeADifferentFile() {
        DuplicateGuard<F> guard = guard();
        FileKey base = Keys.key(42, 1);
        FileKey otherName = FileKey.of(base.scope(), base.contentHash(), "server1_System.evtx");
        FileKey otherScope = FileKey.of("43", base.contentHash(), base.fileName());
        FileKey otherContent = FileKey.of(base.scope(), Keys.sha256("other"), base.fileName());

        List<Long> ids = new ArrayList<>();
        for (FileKey key : List.of(base, otherName, otherScope, otherContent)) {
            Registration<F> r = guard.register(file(key));
            assertThat(r.isNew()).as("%s is new", key).isTrue();
            ids.add(r.id());
        }
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(table().totalRows(database())).isEqualTo(4);
    }

    @Test
    void upperCaseHashIsTheSameFileAsLowerCase() {
        DuplicateGuard<F> guard = guard();
        FileKey lower = Keys.key(42, 7);
        FileKey upper = FileKey.of(lower.scope(), lower.contentHash().toUpperCase(), lower.fileName());

        long id = guard.register(file(lower)).id();
        Registration<F> again = guard.register(file(upper));

        assertThat(again.isNew()).isFalse();
        assertThat(again.id()).isEqualTo(id);
        assertThat(rows(lower)).isEqualTo(1);
    }

    @Test
    void namesAreStoredExactlyWithQuotesAndSqlMetacharacters() {
        DuplicateGuard<F> guard = guard();
        List<String> names = List.of("O'Brien\"; DROP TABLE case_file;--.pdf", "50%_off\\_%.xlsx",
                "\u202Egpj.exe", "e\u0301vidence.evtx", "\uD83D\uDCC1 folder/ sub\\file .txt", " leading and trailing ");
        for (String name : names) {
            FileKey key = FileKey.of("42", Keys.sha256(name), name);
            Registration<F> stored = guard.register(file(key));
            assertThat(stored.isNew()).as(name).isTrue();
            assertThat(table().storedName(database(), stored.id())).isEqualTo(name);
            Registration<F> again = guard.register(file(key));
            assertThat(again.isNew()).as(name).isFalse();
            assertThat(again.id()).isEqualTo(stored.id());
        }
        assertThat(table().totalRows(database())).isEqualTo(names.size());
    }

    @Test
    void releaseRemovesTheRegistrationSoItCanBeStoredAgain() {
        DuplicateGuard<F> guard = guard();
        FileKey key = Keys.key(42, 3);
        FileKey kept = Keys.key(42, 4);
        guard.register(file(key));
        guard.register(file(kept));

        assertThat(guard.release(file(key))).isTrue();
        assertThat(rows(key)).isZero();
        assertThat(guard.release(file(key))).isFalse();
        assertThat(guard.register(file(key)).isNew()).isTrue();
        assertThat(rows(kept)).as("other rows untouched").isEqualTo(1);
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void hashOfTheWrongAlgorithmIsRejectedBeforeAnyDatabaseWork() {
        DuplicateGuard<F> guard = guard();
        FileKey stored = Keys.key(42, 1);
        guard.register(file(stored));
        FileKey sha1 = FileKey.of("42", "a".repeat(40), "x.bin");

        assertThatThrownBy(() -> guard.register(file(sha1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contentHash").hasMessageContaining("64").hasMessageContaining("SHA_256");
        assertThatThrownBy(() -> guard.registerAll(List.of(file(Keys.key(42, 2)), file(sha1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("files[1]").hasMessageContaining("contentHash");
        assertThat(table().totalRows(database())).as("nothing stored, nothing lost").isEqualTo(1);
        assertThat(rows(stored)).isEqualTo(1);
    }

    @Test
    void nullFileIsRejected() {
        DuplicateGuard<F> guard = guard();
        assertThatThrownBy(() -> guard.register(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("file");
        assertThatThrownBy(() -> guard.registerAll(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("files");
    }

    @Test
    void longestAllowedNameIsStoredAndFoundAgain() {
        DuplicateGuard<F> guard = guard();
        int limit = table().isHost() && database() == TestDatabase.POSTGRESQL ? 2000 : FileKey.MAX_FILE_NAME_BYTES;
        // three-byte characters plus ASCII so that the byte count is exactly the limit
        String name = "\u00e9".repeat(limit / 4) + "x".repeat(limit - 2 * (limit / 4));
        assertThat(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(limit);
        String random = randomName(new Random(7), limit);
        for (String n : List.of(name, random)) {
            FileKey key = FileKey.of("42", Keys.sha256(n), n);
            Registration<F> stored = guard.register(file(key));
            assertThat(stored.isNew()).isTrue();
            assertThat(table().storedName(database(), stored.id())).isEqualTo(n);
            assertThat(guard.register(file(key)).id()).isEqualTo(stored.id());
        }

        String tooLong = name + "y";
        assertThatThrownBy(() -> guard.register(file(FileKey.of("42", Keys.sha256("t"), tooLong))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileName").hasMessageContaining(Integer.toString(limit));
        assertThat(table().totalRows(database())).isEqualTo(2);
    }

    private static String randomName(Random random, int bytes) {
        StringBuilder sb = new StringBuilder();
        int used = 0;
        while (used < bytes) {
            int cp = random.nextBoolean() ? 'a' + random.nextInt(26) : 0x4E00 + random.nextInt(0x5000);
            int size = cp < 0x80 ? 1 : 3;
            if (used + size > bytes) {
                cp = 'z';
                size = 1;
            }
            sb.appendCodePoint(cp);
            used += size;
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- concurrency

    /**
     * 16 threads register the same 120 keys; before each key all threads meet at a barrier, so every key is raced by
     * 16 registrations at the same instant.
     */
    @Test
    void sixteenThreadsRacingOnEachKeyStoreItExactlyOnce() throws Exception {
        raceAndCheck(options().build(), 16, 120);
    }

    @Test
    void raceAtRepeatableReadStoresEachKeyExactlyOnce() throws Exception {
        raceAndCheck(options().isolation(Isolation.REPEATABLE_READ).maxAttempts(20).build(), 8, 60);
    }

    @Test
    void raceAtSerializableStoresEachKeyExactlyOnce() throws Exception {
        raceAndCheck(options().isolation(Isolation.SERIALIZABLE).maxAttempts(20).build(), 8, 60);
    }

    private void raceAndCheck(GuardOptions options, int threads, int keyCount) throws Exception {
        DuplicateGuard<F> guard = guard(options);
        List<FileKey> keys = Keys.keys(77, keyCount);
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ConcurrentLinkedQueue<Registration<F>> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                for (FileKey key : keys) {
                    awaitQuietly(barrier);
                    try {
                        results.add(guard.register(file(key)));
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(100, TimeUnit.SECONDS);
        }

        Map<FileKey, List<Registration<F>>> byKey = new HashMap<>();
        results.forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
        long newCount = results.stream().filter(Registration::isNew).count();
        if (guarded()) {
            assertThat(failures).as("exceptions thrown to callers").isEmpty();
            assertThat(results).hasSize(threads * keyCount);
            for (FileKey key : keys) {
                List<Registration<F>> rs = byKey.get(key);
                assertThat(rs.stream().filter(Registration::isNew)).as("winners for %s", key).hasSize(1);
                assertThat(rs.stream().map(Registration::id).distinct()).as("ids reported for %s", key).hasSize(1);
                assertThat(rows(key)).as("rows for %s", key).isEqualTo(1);
            }
            assertThat(table().totalRows(database())).isEqualTo(keyCount);
        } else {
            // NO_LOCK: every "new" answer is a stored row; losers on a constrained table fail on the constraint.
            assertThat(table().totalRows(database())).isEqualTo(newCount);
            for (FileKey key : keys) {
                assertThat(rows(key)).as("rows for %s", key).isGreaterThanOrEqualTo(1);
            }
            assertThat(failures).allSatisfy(f -> assertThat(f).isInstanceOf(DuplicateGuardException.class)
                    .hasMessageContaining("NO_LOCK lost the check-then-insert race"));
            if (!table().hasUniqueConstraint()) {
                assertThat(failures).isEmpty();
            }
        }
    }

    /**
     * Two registrations of one new key, forced to interleave: both check before either inserts. NO_LOCK admits the
     * duplicate (or, with a unique constraint, the loser fails on it); the guarded strategies cannot be forced into
     * this interleaving at all, because the second check waits for the first transaction.
     */
    @Test
    void forcedCheckThenInsertInterleaving() throws Exception {
        GuardOptions options = options().lockTimeout(Duration.ofSeconds(10)).build();
        CyclicBarrier bothChecked = new CyclicBarrier(2);
        StorageBackend<F> storage = new DecoratedStorage<>(backend().storage(database(), table(), options),
                session -> new DecoratedStorage.Forwarding<>(session) {
                    @Override
                    public OptionalLong find(StoredKey key) {
                        OptionalLong found = session.find(key);
                        if (found.isEmpty()) {
                            awaitOther(bothChecked);
                        }
                        return found;
                    }
                });
        DuplicateGuard<F> guard = GuardFactory.create(storage, options);
        FileKey key = Keys.key(42, 9);

        Future<Registration<F>> a = pool.submit(() -> guard.register(file(key)));
        Future<Registration<F>> b = pool.submit(() -> guard.register(file(key)));
        List<Object> outcomes = new ArrayList<>();
        for (Future<Registration<F>> f : List.of(a, b)) {
            try {
                outcomes.add(f.get(60, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                outcomes.add(e.getCause());
            }
        }

        long news = outcomes.stream().filter(o -> o instanceof Registration<?> r && r.isNew()).count();
        if (strategy() == Strategy.NO_LOCK && !table().hasUniqueConstraint()) {
            assertThat(news).as("NO_LOCK admits the duplicate").isEqualTo(2);
            assertThat(rows(key)).as("two rows for one file").isEqualTo(2);
        } else if (strategy() == Strategy.NO_LOCK) {
            assertThat(news).isEqualTo(1);
            assertThat(outcomes).filteredOn(o -> o instanceof DuplicateGuardException).singleElement()
                    .satisfies(e -> assertThat((Throwable) e).hasMessageContaining("NO_LOCK lost"));
            assertThat(rows(key)).isEqualTo(1);
        } else {
            assertThat(news).isEqualTo(1);
            assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(Registration.class));
            assertThat(rows(key)).isEqualTo(1);
        }
    }

    /** Lets a find that returned "absent" wait (up to 2 s) until the other registration has checked too. */
    private static void awaitOther(CyclicBarrier bothChecked) {
        try {
            bothChecked.await(2, TimeUnit.SECONDS);
        } catch (TimeoutException | BrokenBarrierException e) {
            bothChecked.reset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- held transactions

    @Test
    void secondRegistrationWaitsForAnOpenTransactionThenGetsTheDuplicate() throws Exception {
        FileKey key = Keys.key(42, 11);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        long heldId = holder.guard().register(file(key)).id();

        DuplicateGuard<F> guard = guard();
        Future<Object> second = pool.submit(() -> outcomeOf(() -> guard.register(file(key))));

        if (secondRegistrationWaits()) {
            assertBlocked(second);
            holder.commit();
            Object outcome = second.get(30, TimeUnit.SECONDS);
            if (guarded()) {
                assertThat(outcome).isInstanceOf(Registration.Duplicate.class);
                assertThat(((Registration<?>) outcome).id()).isEqualTo(heldId);
            } else {
                assertThat(outcome).isInstanceOf(DuplicateGuardException.class);
            }
            assertThat(rows(key)).isEqualTo(1);
        } else {
            Object outcome = second.get(30, TimeUnit.SECONDS);
            assertThat(outcome).as("NO_LOCK does not see the uncommitted row").isInstanceOf(Registration.New.class);
            holder.commit();
            assertThat(rows(key)).as("NO_LOCK stored the file twice").isEqualTo(2);
        }
    }

    @Test
    void whenTheFirstRegistrationRollsBackTheWaitingOneStoresTheFile() throws Exception {
        FileKey key = Keys.key(42, 12);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        holder.guard().register(file(key));

        DuplicateGuard<F> guard = guard();
        Future<Object> second = pool.submit(() -> outcomeOf(() -> guard.register(file(key))));
        if (secondRegistrationWaits()) {
            assertBlocked(second);
        }
        holder.rollback();

        Object outcome = second.get(30, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOf(Registration.New.class);
        assertThat(rows(key)).isEqualTo(1);
        assertThat(((Registration<?>) outcome).id()).isEqualTo(guard.register(file(key)).id());
    }

    @Test
    void waitingLongerThanTheLockTimeoutEndsInLockTimeoutExceptionCarryingTheKey() throws Exception {
        FileKey key = Keys.key(42, 13);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        holder.guard().register(file(key));
        Duration timeout = Duration.ofMillis(300);
        DuplicateGuard<F> impatient = guard(options().lockTimeout(timeout).build());

        long start = System.nanoTime();
        Object outcome = pool.submit(() -> outcomeOf(() -> impatient.register(file(key)))).get(30, TimeUnit.SECONDS);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        if (secondRegistrationWaits()) {
            assertThat(outcome).isInstanceOf(LockTimeoutException.class);
            LockTimeoutException e = (LockTimeoutException) outcome;
            assertThat(e.key()).contains(key);
            assertThat(e.timeout()).isEqualTo(timeout);
            assertThat(waited).isBetween(timeout.minusMillis(50), timeout.plusSeconds(5));
        } else {
            assertThat(outcome).as("NO_LOCK never waits").isInstanceOf(Registration.New.class);
        }
        holder.rollback();
    }

    // ---------------------------------------------------------------- joined transactions

    @Test
    void joinedRegistrationRollsBackWithTheCallersTransaction() {
        FileKey key = Keys.key(42, 21);
        try (GuardBackend.CallerTransaction<F> tx = begin(options().build(), null)) {
            assertThat(tx.guard().register(file(key)).isNew()).isTrue();
            tx.rollback();
        }
        assertThat(rows(key)).isZero();
        assertThat(guard().register(file(key)).isNew()).as("a retry stores it").isTrue();
        assertThat(rows(key)).isEqualTo(1);
    }

    @Test
    void joinedDuplicateLeavesTheCallersTransactionUsableAndItsWorkIntact() {
        FileKey existing = Keys.key(42, 22);
        FileKey fresh = Keys.key(42, 23);
        long existingId = guard().register(file(existing)).id();

        try (GuardBackend.CallerTransaction<F> tx = begin(options().build(), null)) {
            tx.execute("insert into host_audit (note) values ('before')");
            Registration<F> dup = tx.guard().register(file(existing));
            assertThat(dup.isNew()).isFalse();
            assertThat(dup.id()).isEqualTo(existingId);
            tx.execute("insert into host_audit (note) values ('after')");
            assertThat(tx.guard().register(file(fresh)).isNew()).isTrue();
            tx.commit();
        }
        assertThat(database().queryLong("select count(*) from host_audit")).isEqualTo(2);
        assertThat(rows(existing)).isEqualTo(1);
        assertThat(rows(fresh)).isEqualTo(1);
    }

    @Test
    void joinedLockTimeoutLeavesTheCallersTransactionUsable() throws Exception {
        FileKey key = Keys.key(42, 24);
        FileKey other = Keys.key(42, 25);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        holder.guard().register(file(key));

        Object outcome = pool.submit(() -> {
            try (GuardBackend.CallerTransaction<F> tx = begin(options().lockTimeout(Duration.ofMillis(300)).build(),
                    null)) {
                tx.execute("insert into host_audit (note) values ('kept')");
                Object result = outcomeOf(() -> tx.guard().register(file(key)));
                tx.guard().register(file(other));
                tx.execute("insert into host_audit (note) values ('after')");
                tx.commit();
                return result;
            }
        }).get(60, TimeUnit.SECONDS);
        holder.rollback();

        if (secondRegistrationWaits()) {
            assertThat(outcome).isInstanceOf(LockTimeoutException.class);
            assertThat(rows(key)).isZero();
        } else {
            assertThat(outcome).isInstanceOf(Registration.New.class);
        }
        assertThat(database().queryLong("select count(*) from host_audit")).isEqualTo(2);
        assertThat(rows(other)).isEqualTo(1);
    }

    /**
     * A caller's REPEATABLE READ transaction takes its snapshot, another registration of the key commits, then the
     * caller registers the key: it must never get a fresh "new" (a duplicate row); it gets the duplicate if the
     * database lets it see the row, or a SerializationConflictException telling it to retry its transaction.
     */
    @Test
    void joinedRegistrationInAStaleRepeatableReadSnapshotIsNeverANewRow() {
        FileKey key = Keys.key(42, 26);
        try (GuardBackend.CallerTransaction<F> tx = begin(options().build(), Isolation.REPEATABLE_READ)) {
            tx.execute("select count(*) from " + table().table());
            long winner = guard().register(file(key)).id();
            Object outcome = outcomeOf(() -> tx.guard().register(file(key)));
            if (strategy() == Strategy.SELECT_FOR_UPDATE && database() == TestDatabase.H2) {
                assertThat(outcome).as("H2 snapshots per table: the guard refuses instead of risking a duplicate")
                        .isInstanceOf(DuplicateGuardException.class)
                        .satisfies(e -> assertThat((Throwable) e).hasMessageContaining("REPEATABLE READ"));
            } else if (guarded()) {
                assertThat(outcome).satisfiesAnyOf(
                        o -> assertThat(o).isInstanceOf(SerializationConflictException.class),
                        o -> {
                            assertThat(o).isInstanceOf(Registration.Duplicate.class);
                            assertThat(((Registration<?>) o).id()).isEqualTo(winner);
                        });
            } else {
                assertThat(outcome).as("NO_LOCK's check cannot see the row in the old snapshot")
                        .isNotInstanceOf(Registration.Duplicate.class);
            }
            tx.rollback();
        }
        assertThat(rows(key)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- batches

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
            futures.add(pool.submit(() -> {
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
            threads.add(pool.submit(() -> {
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

    // ---------------------------------------------------------------- name policies

    @Test
    void namePolicyDecidesWhichNamesAreTheSameButTheNameIsStoredAsGiven() {
        String composed = "R\u00e9sum\u00e9.PDF";
        String decomposed = "Re\u0301sume\u0301.PDF";
        String lower = "re\u0301sume\u0301.pdf";
        String hash = Keys.sha256("cv");
        Map<NamePolicy, List<Boolean>> expected = Map.of(
                NamePolicy.EXACT, List.of(true, true, true),
                NamePolicy.NFC, List.of(true, false, true),
                NamePolicy.NFC_CASE_INSENSITIVE, List.of(true, false, false));
        for (NamePolicy policy : NamePolicy.values()) {
            TestTable.clearAll(database());
            if (table().isHost() && policy != NamePolicy.EXACT) {
                assertThatThrownBy(() -> guard(options().namePolicy(policy).build()))
                        .isInstanceOf(dev.dedupguard.SchemaMismatchException.class)
                        .hasMessageContaining("name-key column");
                continue;
            }
            DuplicateGuard<F> guard = guard(options().namePolicy(policy).build());
            List<Boolean> news = new ArrayList<>();
            for (String name : List.of(composed, decomposed, lower)) {
                Registration<F> r = guard.register(file(FileKey.of("42", hash, name)));
                news.add(r.isNew());
                assertThat(table().storedName(database(), r.id())).as("stored name")
                        .isIn(composed, decomposed, lower);
                if (r.isNew()) {
                    assertThat(table().storedName(database(), r.id())).isEqualTo(name);
                }
            }
            assertThat(news).as("%s", policy).isEqualTo(expected.get(policy));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Object outcomeOf(java.util.function.Supplier<?> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static void assertBlocked(Future<?> call) throws InterruptedException {
        Thread.sleep(BLOCKED.toMillis());
        assertThat(call.isDone()).as("the second registration waits for the first transaction").isFalse();
    }

    private static void awaitQuietly(CyclicBarrier barrier) {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("race barrier broken", e);
        }
    }
}
