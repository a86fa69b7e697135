package dev.dedupguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.dedupguard.ContentHash;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.HashAlgorithm;
import dev.dedupguard.Isolation;
import dev.dedupguard.KeyCollisionException;
import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.Registration;
import dev.dedupguard.SerializationConflictException;
import dev.dedupguard.Strategy;
import dev.dedupguard.internal.InMemoryStorage.CallerTransaction;
import dev.dedupguard.internal.InMemoryStorage.Primitive;
import dev.dedupguard.spi.StorageBackend.TransactionSpec;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageException.Kind;
import dev.dedupguard.spi.StoredKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's own rules on {@link InMemoryStorage}, without a database: validation before any storage call, retries
 * of serialization failures, the mapping of storage failures to the public exceptions, batch chunking and order, and
 * races with real threads. Each strategy runs on a table with a unique constraint and, where it can be built there,
 * on one without.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuardEngineTest {
    private static final Duration SHORT = Duration.ofMillis(50);

    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** A strategy on a table with or without a unique constraint on the key. */
    record Setup(Strategy strategy, boolean constrained) {
        InMemoryStorage storage() {
            return new InMemoryStorage(constrained);
        }

        GuardOptions.Builder options() {
            return GuardOptions.builder().strategy(strategy).lockTimeout(Duration.ofSeconds(5));
        }

        boolean guarded() {
            return strategy != Strategy.NO_LOCK;
        }

        @Override
        public String toString() {
            return strategy + (constrained ? " with a unique constraint" : " without a unique constraint");
        }
    }

    static Stream<Setup> setups() {
        return Stream.of(new Setup(Strategy.NO_LOCK, false), new Setup(Strategy.NO_LOCK, true),
                new Setup(Strategy.SELECT_FOR_UPDATE, false), new Setup(Strategy.SELECT_FOR_UPDATE, true),
                new Setup(Strategy.UNIQUE_CONSTRAINT, true));
    }

    static Stream<Setup> waitingSetups() {
        return setups().filter(s -> s.guarded() || s.constrained());
    }

    @AfterEach
    void stopWorkers() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("worker threads ended").isTrue();
    }

    private static FileKey key(int i) {
        return FileKey.of("42", ContentHash.of(HashAlgorithm.SHA_256, ("content-" + i).getBytes(StandardCharsets.UTF_8)),
                "server" + i + "_Security.evtx");
    }

    private static List<FileKey> keys(int from, int count) {
        List<FileKey> keys = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            keys.add(key(i));
        }
        return keys;
    }

    // ---------------------------------------------------------------- registrations

    @ParameterizedTest
    @MethodSource("setups")
    void newKeyIsStoredOnceAndItsDuplicateReportsTheSameIdInOneTransactionEach(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().build());
        FileKey key = key(1);
        FileKey upper = FileKey.of(key.scope(), key.contentHash().toUpperCase(), key.fileName());

        Registration<FileKey> first = guard.register(key);
        Registration<FileKey> second = guard.register(upper);

        assertThat(first).isInstanceOf(Registration.New.class);
        assertThat(second).isInstanceOf(Registration.Duplicate.class);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.file()).isSameAs(upper);
        assertThat(second.key()).isEqualTo(key);
        assertThat(storage.rows(key)).isEqualTo(1);
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(2);
        assertThat(guard.strategy()).isEqualTo(setup.strategy());
    }

    // ---------------------------------------------------------------- the guard's equality, not the database's

    /** A database that matches names case-insensitively, as a {@code _ci} or nondeterministic collation does. */
    private static InMemoryStorage caseInsensitive(Setup setup) {
        return new InMemoryStorage(setup.constrained(), FileKey.MAX_FILE_NAME_BYTES, k -> StoredKey.of(FileKey.of(
                k.file().scope(), k.file().contentHash(), k.file().fileName().toLowerCase(java.util.Locale.ROOT)),
                NamePolicy.EXACT));
    }

    @ParameterizedTest
    @MethodSource("setups")
    void aRowTheDatabaseCallsEqualButTheGuardDoesNotIsNeverADuplicate(Setup setup) {
        InMemoryStorage storage = caseInsensitive(setup);
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().build());
        FileKey stored = FileKey.of("42", key(1).contentHash(), "Report.pdf");
        FileKey other = FileKey.of("42", key(1).contentHash(), "report.pdf");
        long id = guard.register(stored).id();

        KeyCollisionException single = catchThrowableOfType(KeyCollisionException.class, () -> guard.register(other));
        KeyCollisionException batch = catchThrowableOfType(KeyCollisionException.class,
                () -> guard.registerAll(List.of(key(2), other)));
        KeyCollisionException release = catchThrowableOfType(KeyCollisionException.class, () -> guard.release(other));

        for (KeyCollisionException e : List.of(single, batch, release)) {
            assertThat(e.key()).contains(other);
            assertThat(e.field()).contains("fileName");
            assertThat(e.stored()).hasValueSatisfying(row -> {
                assertThat(row.id()).isEqualTo(id);
                assertThat(row.fileName()).isEqualTo("Report.pdf");
            });
            assertThat(e).hasMessageContaining("\"report.pdf\"").hasMessageContaining("\"Report.pdf\"")
                    .hasMessageContaining("NamePolicy.EXACT").hasMessageContaining("Nothing was registered");
        }
        assertThat(storage.rows(stored)).as("the stored row survives the refused release").isEqualTo(1);
        assertThat(storage.rows(key(2))).as("the batch's chunk rolled back with the collision").isZero();
        assertThat(storage.totalRows()).isEqualTo(1);
        assertThat(guard.register(stored)).isInstanceOf(Registration.Duplicate.class);
    }

    @Test
    void aNameKeyWrittenUnderAnotherPolicyIsNotADuplicateOfTheExactName() {
        InMemoryStorage storage = new InMemoryStorage(true);
        DuplicateGuard<FileKey> caseInsensitive = new GuardEngine<>(storage, GuardOptions.builder()
                .namePolicy(NamePolicy.NFC_CASE_INSENSITIVE).build());
        DuplicateGuard<FileKey> exact = new GuardEngine<>(storage, GuardOptions.builder().build());
        caseInsensitive.register(FileKey.of("42", key(1).contentHash(), "Report.pdf"));

        assertThatThrownBy(() -> exact.register(FileKey.of("42", key(1).contentHash(), "REPORT.PDF")))
                .isInstanceOf(KeyCollisionException.class).hasMessageContaining("another name policy");
    }

    @ParameterizedTest
    @MethodSource("setups")
    void releaseRemovesTheRowSoTheKeyIsNewAgain(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().build());
        guard.register(key(1));
        guard.register(key(2));

        assertThat(guard.release(key(1))).isTrue();
        assertThat(storage.rows(key(1))).isZero();
        assertThat(guard.release(key(1))).isFalse();
        assertThat(guard.register(key(1)).isNew()).isTrue();
        assertThat(storage.rows(key(2))).isEqualTo(1);
    }

    @Test
    void ownTransactionsRunWithTheGuardsIsolationAndLockTimeout() {
        InMemoryStorage storage = new InMemoryStorage(true);
        Duration timeout = Duration.ofMillis(123);
        new GuardEngine<>(storage, GuardOptions.builder().isolation(Isolation.SERIALIZABLE).lockTimeout(timeout)
                .build()).register(key(1));
        new GuardEngine<>(storage, GuardOptions.builder().build()).register(key(2));

        assertThat(storage.specs()).containsExactly(new TransactionSpec(Isolation.SERIALIZABLE, timeout),
                new TransactionSpec(null, GuardOptions.DEFAULT_LOCK_TIMEOUT));
    }

    // ---------------------------------------------------------------- bad input

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void badInputIsRejectedBeforeAnyStorageCall(Strategy strategy) {
        InMemoryStorage storage = new InMemoryStorage(true, 100);
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, GuardOptions.builder().strategy(strategy).build());
        FileKey sha1 = FileKey.of("42", "a".repeat(40), "x.bin");
        FileKey longName = FileKey.of("42", key(1).contentHash(), "\u00e9".repeat(50) + "x");

        assertThatThrownBy(() -> guard.register(sha1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contentHash").hasMessageContaining("64").hasMessageContaining("SHA_256")
                .hasMessageContaining("40");
        assertThatThrownBy(() -> guard.register(longName)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileName").hasMessageContaining("at most 100 bytes")
                .hasMessageContaining("was 101 bytes");
        assertThatThrownBy(() -> guard.register(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("file must not be null");
        assertThatThrownBy(() -> guard.release(sha1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contentHash");
        assertThatThrownBy(() -> guard.registerAll(List.of(key(1), key(2), sha1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("files[2]: contentHash");
        assertThatThrownBy(() -> guard.registerAll(Arrays.asList(key(1), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("files[1]: file must not be null");
        assertThatThrownBy(() -> guard.registerAll(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("files");
        assertThat(guard.registerAll(List.of())).isEmpty();

        assertThat(storage.totalCalls()).as("calls that reached the storage").isZero();
        assertThat(storage.totalRows()).isZero();
    }

    @Test
    void theNameLimitIsTheBackendsAndANameAtTheLimitIsStored() {
        InMemoryStorage storage = new InMemoryStorage(true, 100);
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, GuardOptions.builder().build());
        FileKey atLimit = FileKey.of("42", key(1).contentHash(), "\u00e9".repeat(49) + "xx");

        assertThat(guard.register(atLimit).isNew()).isTrue();
        assertThat(storage.rows(atLimit)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- serialization failures

    @ParameterizedTest
    @MethodSource("setups")
    void serializationFailuresAreRetriedInOwnTransactionsUntilOneSucceeds(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().maxAttempts(4).build());
        storage.fail(null, Kind.SERIALIZATION_FAILURE, 3);

        Registration<FileKey> r = guard.register(key(1));

        assertThat(r.isNew()).isTrue();
        assertThat(storage.calls(Primitive.TRANSACTION)).as("attempts").isEqualTo(4);
        assertThat(storage.rows(key(1))).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("setups")
    void serializationFailuresInEveryAttemptEndInSerializationConflictException(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().maxAttempts(3).build());
        storage.failAfter(null, 1, Kind.SERIALIZATION_FAILURE);
        storage.failAfter(null, 1, Kind.SERIALIZATION_FAILURE);
        storage.failAfter(null, 1, Kind.SERIALIZATION_FAILURE);

        Throwable thrown = catchThrowable(() -> guard.register(key(1)));

        assertThat(thrown).isExactlyInstanceOf(SerializationConflictException.class)
                .hasMessageContaining("3 times in a row").hasCauseInstanceOf(StorageException.class);
        assertThat(((SerializationConflictException) thrown).key()).contains(key(1));
        assertThat(storage.calls(Primitive.TRANSACTION)).as("attempts").isEqualTo(3);
        assertThat(storage.rows(key(1))).as("nothing stored").isZero();
        assertThat(guard.register(key(1)).isNew()).as("no lock left behind").isTrue();
    }

    @ParameterizedTest
    @MethodSource("setups")
    void joinedModeNeverRetriesAndLeavesTheCallersTransactionUsable(Setup setup) {
        InMemoryStorage storage = setup.storage();
        CallerTransaction caller = storage.beginCaller(Duration.ofSeconds(5));
        long callersOwn = caller.insert(key(9));
        DuplicateGuard<FileKey> joined = new GuardEngine<>(caller, setup.options().maxAttempts(5).build());
        storage.failAfter(null, 1, Kind.SERIALIZATION_FAILURE);

        Throwable thrown = catchThrowable(() -> joined.register(key(1)));
        Registration<FileKey> after = joined.register(key(2));
        caller.commit();

        assertThat(thrown).isExactlyInstanceOf(SerializationConflictException.class)
                .hasMessageContaining("roll back and retry the transaction");
        assertThat(((SerializationConflictException) thrown).key()).contains(key(1));
        assertThat(storage.calls(Primitive.TRANSACTION)).as("savepoints: one per call, no retry").isEqualTo(2);
        assertThat(after.isNew()).isTrue();
        assertThat(storage.rows(key(1))).isZero();
        assertThat(storage.rows(key(2))).isEqualTo(1);
        assertThat(storage.rows(key(9))).as("the caller's own work").isEqualTo(1);
        assertThat(callersOwn).isPositive();
    }

    @Test
    void joinedFailureAfterTheStripeWriteUndoesOnlyTheGuardsWork() {
        InMemoryStorage storage = new InMemoryStorage(false);
        CallerTransaction caller = storage.beginCaller(Duration.ofSeconds(5));
        caller.insert(key(9));
        DuplicateGuard<FileKey> joined = new GuardEngine<>(caller, GuardOptions.builder()
                .strategy(Strategy.SELECT_FOR_UPDATE).build());
        storage.fail(Primitive.INSERT, Kind.OTHER, 1);

        assertThatThrownBy(() -> joined.register(key(1))).isExactlyInstanceOf(DuplicateGuardException.class)
                .hasMessageContaining("failed");
        assertThat(joined.register(key(2)).isNew()).isTrue();
        caller.commit();

        assertThat(storage.calls(Primitive.TOUCH_STRIPES)).as("the failed call had written its stripe").isEqualTo(2);
        assertThat(storage.rows(key(1))).isZero();
        assertThat(storage.rows(key(2))).isEqualTo(1);
        assertThat(storage.rows(key(9))).isEqualTo(1);
    }

    @Test
    void uniqueConstraintRetriesWhenTheConflictingRowIsGoneBeforeItIsRead() {
        InMemoryStorage storage = new InMemoryStorage(true);
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, GuardOptions.builder().build());
        storage.commitElsewhere(key(1));
        storage.beforeNext(Primitive.FIND, () -> storage.releaseElsewhere(key(1)));

        Registration<FileKey> r = guard.register(key(1));

        assertThat(r.isNew()).as("the retry stores it").isTrue();
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(2);
        assertThat(storage.rows(key(1))).isEqualTo(1);
    }

    // ---------------------------------------------------------------- lock timeouts

    @ParameterizedTest
    @MethodSource("waitingSetups")
    void waitingLongerThanTheLockTimeoutEndsInLockTimeoutExceptionCarryingKeyAndTimeout(Setup setup) {
        InMemoryStorage storage = setup.storage();
        CallerTransaction holder = storage.beginCaller(Duration.ofSeconds(5));
        new GuardEngine<>(holder, setup.options().build()).register(key(1));
        int before = storage.calls(Primitive.TRANSACTION);
        DuplicateGuard<FileKey> impatient = new GuardEngine<>(storage, setup.options().lockTimeout(SHORT).build());

        long start = System.nanoTime();
        Throwable thrown = catchThrowable(() -> impatient.register(key(1)));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(thrown).isExactlyInstanceOf(LockTimeoutException.class);
        LockTimeoutException e = (LockTimeoutException) thrown;
        assertThat(e.key()).contains(key(1));
        assertThat(e.timeout()).isEqualTo(SHORT);
        assertThat(waited).isBetween(SHORT, SHORT.plusSeconds(2));
        assertThat(storage.calls(Primitive.TRANSACTION) - before).as("not retried").isEqualTo(1);

        holder.rollback();
        assertThat(impatient.register(key(1)).isNew()).as("the holder rolled back").isTrue();
    }

    @Test
    void noLockWithoutAConstraintDoesNotWaitAndStoresTheKeyTwice() {
        InMemoryStorage storage = new InMemoryStorage(false);
        GuardOptions options = GuardOptions.builder().strategy(Strategy.NO_LOCK).lockTimeout(SHORT).build();
        CallerTransaction holder = storage.beginCaller(Duration.ofSeconds(5));
        new GuardEngine<>(holder, options).register(key(1));

        assertThat(new GuardEngine<>(storage, options).register(key(1)).isNew()).isTrue();
        holder.commit();
        assertThat(storage.rows(key(1))).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("setups")
    void lockTimeoutsAreNeverRetriedAndBatchesReportTheChunksFirstKey(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().lockTimeout(SHORT).build());
        storage.failAfter(null, 1, Kind.LOCK_TIMEOUT);
        storage.failAfter(null, 1, Kind.LOCK_TIMEOUT);

        Throwable single = catchThrowable(() -> guard.register(key(1)));
        Throwable batch = catchThrowable(() -> guard.registerAll(keys(1, 3)));

        assertThat(single).isExactlyInstanceOf(LockTimeoutException.class);
        assertThat(((LockTimeoutException) single).key()).contains(key(1));
        assertThat(batch).isExactlyInstanceOf(LockTimeoutException.class);
        assertThat(((LockTimeoutException) batch).key()).contains(sortedByStoredKey(keys(1, 3)).get(0));
        assertThat(((LockTimeoutException) batch).timeout()).isEqualTo(SHORT);
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(2);
        assertThat(storage.totalRows()).isZero();
    }

    // ---------------------------------------------------------------- unique violations and other failures

    @Test
    void noLockLosingTheRaceOnAConstraintGetsTheNoLockMessageWithoutRetry() {
        InMemoryStorage storage = new InMemoryStorage(true);
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, GuardOptions.builder().strategy(Strategy.NO_LOCK)
                .build());
        storage.beforeNext(Primitive.INSERT, () -> storage.commitElsewhere(key(1)));

        Throwable thrown = catchThrowable(() -> guard.register(key(1)));

        assertThat(thrown).isExactlyInstanceOf(DuplicateGuardException.class)
                .hasMessageContaining("NO_LOCK lost the check-then-insert race for " + key(1))
                .hasMessageContaining("Use SELECT_FOR_UPDATE or UNIQUE_CONSTRAINT")
                .hasCauseInstanceOf(StorageException.class);
        assertThat(((StorageException) thrown.getCause()).kind()).isEqualTo(Kind.UNIQUE_VIOLATION);
        assertThat(((DuplicateGuardException) thrown).key()).contains(key(1));
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(1);
        assertThat(storage.rows(key(1))).isEqualTo(1);
    }

    @Test
    void selectForUpdateRetriesAUniqueViolationAndFindsTheDuplicate() {
        InMemoryStorage storage = new InMemoryStorage(true);
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, GuardOptions.builder()
                .strategy(Strategy.SELECT_FOR_UPDATE).build());
        long[] other = new long[1];
        storage.beforeNext(Primitive.INSERT, () -> other[0] = storage.commitElsewhere(key(1)));

        Registration<FileKey> r = guard.register(key(1));

        assertThat(r).isInstanceOf(Registration.Duplicate.class);
        assertThat(r.id()).isEqualTo(other[0]);
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(2);
        assertThat(storage.rows(key(1))).isEqualTo(1);
    }

    @Test
    void uniqueConstraintReportsAViolationOfAnotherConstraintWithoutRetry() {
        InMemoryStorage storage = new InMemoryStorage(true);
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, GuardOptions.builder().build());
        storage.fail(Primitive.INSERT_IF_ABSENT, Kind.UNIQUE_VIOLATION, 1);

        assertThatThrownBy(() -> guard.register(key(1))).isExactlyInstanceOf(DuplicateGuardException.class)
                .hasMessageContaining("violated a unique constraint that is not the key's");
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("setups")
    void otherFailuresAreReportedOnceWithTheKey(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().build());
        storage.failAfter(null, 1, Kind.OTHER);

        Throwable thrown = catchThrowable(() -> guard.release(key(1)));

        assertThat(thrown).isExactlyInstanceOf(DuplicateGuardException.class)
                .hasMessageContaining("registering " + key(1) + " failed: injected OTHER");
        assertThat(((DuplicateGuardException) thrown).key()).contains(key(1));
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- batches

    @ParameterizedTest
    @MethodSource("setups")
    void batchAnswersInInputOrderWithInBatchDuplicatesInOneTransactionPerChunk(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().batchChunkSize(3).lockStripes(4)
                .build());
        FileKey a = key(31);
        FileKey b = key(32);
        FileKey c = key(33);
        FileKey d = key(34);
        FileKey bUpper = FileKey.of(b.scope(), b.contentHash().toUpperCase(), b.fileName());
        long bId = guard.register(b).id();
        int before = storage.calls(Primitive.TRANSACTION);

        List<FileKey> input = List.of(a, b, a, c, bUpper, d, c);
        List<Registration<FileKey>> results = guard.registerAll(input);

        assertThat(storage.calls(Primitive.TRANSACTION) - before).as("4 distinct keys in chunks of 3").isEqualTo(2);
        assertThat(results).extracting(Registration::isNew).containsExactly(true, false, false, true, false, true, false);
        for (int i = 0; i < input.size(); i++) {
            assertThat(results.get(i).file()).isSameAs(input.get(i));
        }
        assertThat(results.get(1).id()).isEqualTo(bId);
        assertThat(results.get(4).id()).isEqualTo(bId);
        assertThat(results.get(2).id()).isEqualTo(results.get(0).id());
        assertThat(results.get(6).id()).isEqualTo(results.get(3).id());
        for (FileKey k : List.of(a, b, c, d)) {
            assertThat(storage.rows(k)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("setups")
    void aFailedChunkKeepsTheEarlierChunksCommittedAndReportsItsFirstKey(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().batchChunkSize(3).build());
        List<FileKey> input = keys(40, 7);
        List<FileKey> sorted = sortedByStoredKey(input);
        storage.failAfter(Primitive.TRANSACTION, 1, Kind.OTHER);

        Throwable thrown = catchThrowable(() -> guard.registerAll(input));

        assertThat(thrown).isExactlyInstanceOf(DuplicateGuardException.class);
        assertThat(((DuplicateGuardException) thrown).key()).contains(sorted.get(3));
        for (int i = 0; i < sorted.size(); i++) {
            assertThat(storage.rows(sorted.get(i))).as("rows of sorted key %d", i).isEqualTo(i < 3 ? 1 : 0);
        }
        assertThat(storage.calls(Primitive.TRANSACTION)).as("the third chunk never ran").isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("setups")
    void randomSequenceOfOperationsMatchesTheModel(Setup setup) {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().batchChunkSize(3).lockStripes(8)
                .build());
        List<FileKey> universe = keys(60, 12);
        Map<FileKey, Long> model = new HashMap<>();
        Random random = new Random(setup.toString().hashCode());
        for (int step = 0; step < 1000; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                FileKey k = universe.get(random.nextInt(universe.size()));
                expect(step, k, guard.register(k), model);
            } else if (op < 8) {
                List<FileKey> batch = new ArrayList<>();
                for (int n = 1 + random.nextInt(5); n > 0; n--) {
                    batch.add(universe.get(random.nextInt(universe.size())));
                }
                List<Registration<FileKey>> results = guard.registerAll(batch);
                for (int i = 0; i < batch.size(); i++) {
                    expect(step, batch.get(i), results.get(i), model);
                }
            } else {
                FileKey k = universe.get(random.nextInt(universe.size()));
                assertThat(guard.release(k)).as("step %d release %s", step, k).isEqualTo(model.remove(k) != null);
            }
            for (FileKey k : universe) {
                assertThat(storage.rows(k)).as("step %d rows of %s", step, k).isEqualTo(model.containsKey(k) ? 1 : 0);
            }
        }
    }

    private static void expect(int step, FileKey key, Registration<FileKey> r, Map<FileKey, Long> model) {
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

    // ---------------------------------------------------------------- races with real threads

    @ParameterizedTest
    @MethodSource("setups")
    void sixteenThreadsRacingOnEachKeyStoreItExactlyOnceUnlessNoLock(Setup setup) throws Exception {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().lockStripes(16).build());
        int threads = 16;
        List<FileKey> keys = keys(100, 60);
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ConcurrentLinkedQueue<Registration<FileKey>> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                for (FileKey key : keys) {
                    barrier.await(10, TimeUnit.SECONDS);
                    try {
                        results.add(guard.register(key));
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(20, TimeUnit.SECONDS);
        }

        long news = results.stream().filter(Registration::isNew).count();
        if (setup.guarded()) {
            assertThat(failures).as("exceptions thrown to callers").isEmpty();
            assertThat(results).hasSize(threads * keys.size());
            for (FileKey key : keys) {
                assertThat(results.stream().filter(r -> r.key().equals(key) && r.isNew())).as("winners for %s", key)
                        .hasSize(1);
                assertThat(results.stream().filter(r -> r.key().equals(key)).map(Registration::id).distinct())
                        .as("ids reported for %s", key).hasSize(1);
                assertThat(storage.rows(key)).as("rows for %s", key).isEqualTo(1);
            }
        } else {
            assertThat(storage.totalRows()).isEqualTo(news);
            assertThat(failures).allSatisfy(f -> assertThat(f).isExactlyInstanceOf(DuplicateGuardException.class)
                    .hasMessageContaining("NO_LOCK lost the check-then-insert race"));
            if (!setup.constrained()) {
                assertThat(failures).isEmpty();
            }
        }
        assertThat(storage.totalRows()).isGreaterThanOrEqualTo(keys.size());
    }

    /**
     * Two registrations of one new key, forced to interleave: each waits (up to 500 ms) before its insert until the
     * other is about to insert too. NO_LOCK lets both check before either inserts; SELECT_FOR_UPDATE's second check
     * waits for the first transaction, and UNIQUE_CONSTRAINT's second insert waits for the first one's commit.
     */
    @ParameterizedTest
    @MethodSource("setups")
    void forcedCheckThenInsertInterleaving(Setup setup) throws Exception {
        InMemoryStorage storage = setup.storage();
        DuplicateGuard<FileKey> guard = new GuardEngine<>(storage, setup.options().build());
        CyclicBarrier bothChecked = new CyclicBarrier(2);
        storage.beforeEach(Primitive.INSERT, () -> awaitOther(bothChecked));
        storage.beforeEach(Primitive.INSERT_IF_ABSENT, () -> awaitOther(bothChecked));

        List<Future<Registration<FileKey>>> calls = List.of(pool.submit(() -> guard.register(key(1))),
                pool.submit(() -> guard.register(key(1))));
        List<Object> outcomes = new ArrayList<>();
        for (Future<Registration<FileKey>> f : calls) {
            try {
                outcomes.add(f.get(10, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                outcomes.add(e.getCause());
            }
        }

        long news = outcomes.stream().filter(o -> o instanceof Registration<?> r && r.isNew()).count();
        if (setup.strategy() == Strategy.NO_LOCK && !setup.constrained()) {
            assertThat(news).as("NO_LOCK admits the duplicate").isEqualTo(2);
            assertThat(storage.rows(key(1))).isEqualTo(2);
        } else if (setup.strategy() == Strategy.NO_LOCK) {
            assertThat(news).isEqualTo(1);
            assertThat(outcomes).filteredOn(o -> o instanceof DuplicateGuardException).singleElement()
                    .satisfies(e -> assertThat((Throwable) e).hasMessageContaining("NO_LOCK lost"));
            assertThat(storage.rows(key(1))).isEqualTo(1);
        } else {
            assertThat(news).isEqualTo(1);
            assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(Registration.class));
            assertThat(storage.rows(key(1))).isEqualTo(1);
        }
    }

    private static void awaitOther(CyclicBarrier bothChecked) {
        try {
            bothChecked.await(500, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | BrokenBarrierException e) {
            bothChecked.reset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<FileKey> sortedByStoredKey(List<FileKey> keys) {
        return keys.stream().map(k -> StoredKey.of(k, NamePolicy.EXACT)).sorted(Comparator.naturalOrder())
                .map(StoredKey::file).toList();
    }
}
