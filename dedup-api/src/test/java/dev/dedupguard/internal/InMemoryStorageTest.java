package dev.dedupguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.ContentHash;
import dev.dedupguard.FileKey;
import dev.dedupguard.HashAlgorithm;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.internal.InMemoryStorage.CallerTransaction;
import dev.dedupguard.internal.InMemoryStorage.Primitive;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageBackend.TransactionSpec;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageException.Kind;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The in-memory storage behaves like a database table where {@link GuardEngineTest} relies on it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InMemoryStorageTest {
    private static final TransactionSpec SPEC = new TransactionSpec(null, Duration.ofMillis(50));
    private static final FileKey FILE = FileKey.of("7", ContentHash.of(HashAlgorithm.SHA_256,
            "x".getBytes(StandardCharsets.UTF_8)), "a.txt");
    private static final StoredKey KEY = StoredKey.of(FILE, NamePolicy.EXACT);

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static Optional<StoredRow> find(StorageBackend<FileKey> storage) {
        return storage.inTransaction(SPEC, s -> s.find(KEY));
    }

    @Test
    void anUncommittedInsertIsVisibleOnlyToItsOwnTransaction() {
        InMemoryStorage storage = new InMemoryStorage(false);
        CallerTransaction caller = storage.beginCaller(Duration.ofSeconds(1));

        caller.insert(FILE);
        assertThat(find(caller)).isPresent();
        assertThat(find(storage)).isEmpty();
        caller.commit();
        assertThat(find(storage)).isPresent();
    }

    @Test
    void aSecondInsertOfAKeyWaitsForTheFirstTransactionThenFailsOrStores() throws Exception {
        InMemoryStorage storage = new InMemoryStorage(true);
        TransactionSpec patient = new TransactionSpec(null, Duration.ofSeconds(10));
        CallerTransaction first = storage.beginCaller(Duration.ofSeconds(1));
        first.insert(FILE);

        Future<OptionalLong> waiting = pool.submit(() -> storage.inTransaction(patient,
                s -> s.insertIfAbsent(FILE, KEY)));
        Thread.sleep(100);
        assertThat(waiting.isDone()).as("waits for the first transaction").isFalse();
        first.rollback();
        assertThat(waiting.get(5, TimeUnit.SECONDS)).as("stored after the rollback").isPresent();

        assertThatThrownBy(() -> storage.inTransaction(patient, s -> s.insert(FILE, KEY)))
                .isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(((StorageException) e).kind()).isEqualTo(Kind.UNIQUE_VIOLATION));
        assertThat(storage.rows(FILE)).isEqualTo(1);
    }

    @Test
    void aLockHeldLongerThanTheTimeoutFailsWithLockTimeout() {
        InMemoryStorage storage = new InMemoryStorage(false);
        CallerTransaction holder = storage.beginCaller(Duration.ofSeconds(1));
        holder.inTransaction(SPEC, s -> {
            s.lockStripes(new int[] {3, 5});
            return null;
        });

        assertThatThrownBy(() -> storage.inTransaction(SPEC, s -> {
            s.lockStripes(new int[] {5});
            return null;
        })).isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(((StorageException) e).kind()).isEqualTo(Kind.LOCK_TIMEOUT));
        holder.commit();
        storage.inTransaction(SPEC, s -> {
            s.lockStripes(new int[] {5});
            return null;
        });
    }

    @Test
    void theSpiPreconditionsAreChecked() {
        InMemoryStorage storage = new InMemoryStorage(false);

        assertThatThrownBy(() -> storage.inTransaction(SPEC, s -> {
            s.lockStripes(new int[] {5, 3});
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("ascending");
        assertThatThrownBy(() -> storage.inTransaction(SPEC, s -> {
            s.touchStripes(new int[] {1});
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("without holding its lock");
        assertThatThrownBy(() -> storage.inTransaction(SPEC, s -> s.insertIfAbsent(FILE, KEY)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unique constraint");
    }

    @Test
    void aFailedSavepointUndoesOnlyItsOwnWork() {
        InMemoryStorage storage = new InMemoryStorage(false);
        FileKey other = FileKey.of("8", FILE.contentHash(), FILE.fileName());
        CallerTransaction caller = storage.beginCaller(Duration.ofSeconds(1));
        caller.insert(other);

        assertThatThrownBy(() -> caller.inTransaction(SPEC, s -> {
            s.insert(FILE, KEY);
            throw new StorageException(Kind.OTHER, "fails after the insert", null);
        })).isInstanceOf(StorageException.class);
        caller.commit();

        assertThat(storage.rows(FILE)).isZero();
        assertThat(storage.rows(other)).isEqualTo(1);
    }

    @Test
    void rulesApplyInOrderAndEachCallIsCountedOnce() {
        InMemoryStorage storage = new InMemoryStorage(true);
        storage.failAfter(Primitive.FIND, 1, Kind.SERIALIZATION_FAILURE);
        storage.fail(null, Kind.OTHER, 1);

        assertThatThrownBy(() -> storage.inTransaction(SPEC, s -> s.find(KEY))).as("the any-primitive rule fires first")
                .satisfies(e -> assertThat(((StorageException) e).kind()).isEqualTo(Kind.OTHER));
        assertThat(find(storage)).as("the first FIND is skipped").isEmpty();
        assertThatThrownBy(() -> storage.inTransaction(SPEC, s -> s.find(KEY)))
                .satisfies(e -> assertThat(((StorageException) e).kind()).isEqualTo(Kind.SERIALIZATION_FAILURE));
        assertThat(find(storage)).as("no rule left").isEmpty();
        assertThat(storage.calls(Primitive.TRANSACTION)).isEqualTo(4);
        assertThat(storage.calls(Primitive.FIND)).isEqualTo(3);
    }
}
