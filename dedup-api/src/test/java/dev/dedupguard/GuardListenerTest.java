package dev.dedupguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.GuardListener.BatchEvent;
import dev.dedupguard.GuardListener.Outcome;
import dev.dedupguard.GuardListener.RegistrationEvent;
import dev.dedupguard.GuardListener.RetryEvent;
import dev.dedupguard.GuardListener.RetryReason;
import dev.dedupguard.spi.Guards;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class GuardListenerTest {
    private static final String HASH = "ab".repeat(32);

    private final Recorder recorder = new Recorder();
    private final FakeStorage storage = new FakeStorage(false);

    private DuplicateGuard<FileKey> guard(Strategy strategy, GuardListener listener) {
        return Guards.create(storage, new TestBuilder().strategy(strategy).listener(listener).build());
    }

    @Test
    void eventsSayWhetherTheCallJoinedTheCallersTransaction() {
        DuplicateGuard<FileKey> own = guard(Strategy.UNIQUE_CONSTRAINT, recorder);
        DuplicateGuard<FileKey> joined = Guards.create(new FakeStorage(true),
                new TestBuilder().listener(recorder).build());

        own.register(FileKey.of("case-1", HASH, "a.evtx"));
        joined.register(FileKey.of("case-1", HASH, "a.evtx"));
        own.registerAll(List.of(FileKey.of("case-1", HASH, "b.evtx")));
        joined.registerAll(List.of(FileKey.of("case-1", HASH, "b.evtx")));

        assertThat(recorder.registrations).extracting(RegistrationEvent::joined).containsExactly(false, true);
        assertThat(recorder.batches).extracting(BatchEvent::joined).containsExactly(false, true);
    }

    @Test
    void newAndDuplicateRegistrationsAreReportedWithBackendStrategyAndDuration() {
        DuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT, recorder);

        guard.register(FileKey.of("case-1", HASH, "a.evtx"));
        guard.register(FileKey.of("case-1", HASH, "a.evtx"));

        assertThat(recorder.registrations).extracting(RegistrationEvent::outcome)
                .containsExactly(Outcome.NEW, Outcome.DUPLICATE);
        assertThat(recorder.registrations).allSatisfy(e -> {
            assertThat(e.backend()).isEqualTo("fake");
            assertThat(e.strategy()).isEqualTo(Strategy.UNIQUE_CONSTRAINT);
            assertThat(e.duration()).isPositive();
        });
    }

    @Test
    void failuresAreToldApartByTheirException() {
        DuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT, recorder);
        FileKey key = FileKey.of("case-1", HASH, "a.evtx");

        storage.failNext(StorageException.Kind.LOCK_TIMEOUT);
        assertThatThrownBy(() -> guard.register(key)).isInstanceOf(LockTimeoutException.class);
        storage.failNext(StorageException.Kind.OTHER);
        assertThatThrownBy(() -> guard.register(key)).isExactlyInstanceOf(DuplicateGuardException.class);
        for (int i = 0; i < GuardOptions.DEFAULT_MAX_ATTEMPTS; i++) {
            storage.failNext(StorageException.Kind.SERIALIZATION_FAILURE);
        }
        assertThatThrownBy(() -> guard.register(key)).isInstanceOf(SerializationConflictException.class);

        assertThat(recorder.registrations).extracting(RegistrationEvent::outcome)
                .containsExactly(Outcome.LOCK_TIMEOUT, Outcome.ERROR, Outcome.SERIALIZATION_CONFLICT);
        assertThat(recorder.retries).extracting(RetryEvent::reason, RetryEvent::attempt).containsExactly(
                org.assertj.core.groups.Tuple.tuple(RetryReason.SERIALIZATION_FAILURE, 1),
                org.assertj.core.groups.Tuple.tuple(RetryReason.SERIALIZATION_FAILURE, 2),
                org.assertj.core.groups.Tuple.tuple(RetryReason.SERIALIZATION_FAILURE, 3),
                org.assertj.core.groups.Tuple.tuple(RetryReason.SERIALIZATION_FAILURE, 4));
    }

    @Test
    void aRetryThatSucceedsReportsTheRetryAndThenTheOutcome() {
        DuplicateGuard<FileKey> guard = guard(Strategy.SELECT_FOR_UPDATE, recorder);
        storage.failNext(StorageException.Kind.UNIQUE_VIOLATION);

        guard.register(FileKey.of("case-1", HASH, "a.evtx"));

        assertThat(recorder.retries).extracting(RetryEvent::reason).containsExactly(RetryReason.UNIQUE_VIOLATION);
        assertThat(recorder.registrations).extracting(RegistrationEvent::outcome).containsExactly(Outcome.NEW);
    }

    @Test
    void invalidInputIsNotAnEvent() {
        DuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT, recorder);

        assertThatThrownBy(() -> guard.register(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> guard.registerAll(List.of(FileKey.of("case-1", "ab", "a.evtx"))))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(recorder.registrations).isEmpty();
        assertThat(recorder.batches).isEmpty();
        assertThat(storage.transactions).isZero();
    }

    @Test
    void aBatchIsOneEventWithItsCounts() {
        DuplicateGuard<FileKey> guard = guard(Strategy.UNIQUE_CONSTRAINT, recorder);
        guard.register(FileKey.of("case-1", HASH, "old.evtx"));

        guard.registerAll(List.of(FileKey.of("case-1", HASH, "a.evtx"), FileKey.of("case-1", HASH, "a.evtx"),
                FileKey.of("case-1", HASH, "old.evtx"), FileKey.of("case-1", HASH, "b.evtx")));
        storage.failNext(StorageException.Kind.LOCK_TIMEOUT);
        assertThatThrownBy(() -> guard.registerAll(List.of(FileKey.of("case-1", HASH, "c.evtx"))))
                .isInstanceOf(LockTimeoutException.class);

        assertThat(recorder.batches).extracting(BatchEvent::size, BatchEvent::newFiles, BatchEvent::duplicates,
                BatchEvent::outcome).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(4, 2, 2, Outcome.NEW),
                        org.assertj.core.groups.Tuple.tuple(1, 0, 0, Outcome.LOCK_TIMEOUT));
    }

    @Test
    void aThrowingListenerDoesNotChangeTheResult() {
        GuardListener throwing = new GuardListener() {
            @Override
            public void registered(RegistrationEvent event) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void batchRegistered(BatchEvent event) {
                throw new IllegalStateException("listener bug");
            }
        };
        DuplicateGuard<FileKey> guard = guard(Strategy.NO_LOCK, throwing);
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("dev.dedupguard");
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean toConsole = log.getUseParentHandlers();
        log.addHandler(capture);
        log.setUseParentHandlers(false);
        Registration<FileKey> first;
        Registration<FileKey> second;
        List<Registration<FileKey>> batch;
        try {
            first = guard.register(FileKey.of("case-1", HASH, "a.evtx"));
            second = guard.register(FileKey.of("case-1", HASH, "a.evtx"));
            batch = guard.registerAll(List.of(FileKey.of("case-1", HASH, "b.evtx")));
        } finally {
            log.removeHandler(capture);
            log.setUseParentHandlers(toConsole);
        }
        assertThat(logged).as("the first listener failure in the JVM is one WARNING, later ones DEBUG")
                .filteredOn(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).hasSizeLessThanOrEqualTo(1)
                .allSatisfy(r -> assertThat(r.getMessage()).contains("threw; the registration is unaffected"));

        assertThat(first.isNew()).isTrue();
        assertThat(second.isNew()).isFalse();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(batch).singleElement().satisfies(r -> assertThat(r.isNew()).isTrue());
        storage.failNext(StorageException.Kind.LOCK_TIMEOUT);
        assertThatThrownBy(() -> guard.register(FileKey.of("case-1", HASH, "c.evtx")))
                .isInstanceOf(LockTimeoutException.class);
    }

    @Test
    void listenerAndBackendNameAreSettingsAndTheBackendNameIsChecked() {
        GuardOptions options = new TestBuilder().listener(recorder).build();
        assertThat(options.listener()).isSameAs(recorder);
        assertThat(options.backend()).isEqualTo("fake");
        assertThat(GuardOptions.builder().build().listener()).isSameAs(GuardListener.NONE);
        assertThat(GuardOptions.builder().build().backend()).isEqualTo(GuardOptions.UNNAMED_BACKEND);
        assertThat(new TestBuilder().options(GuardOptions.builder().listener(recorder).build()).build())
                .satisfies(o -> assertThat(o.backend()).isEqualTo("fake"))
                .satisfies(o -> assertThat(o.listener()).isSameAs(recorder));
        assertThatThrownBy(() -> new GuardOptions(Strategy.NO_LOCK, GuardOptions.DEFAULT_LOCK_TIMEOUT, null, 1,
                NamePolicy.EXACT, HashAlgorithm.SHA_256, 1, 1, GuardListener.NONE, "My Backend"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend must be 1 to 32 characters out of a-z 0-9 _ -, was 'My Backend'");
        assertThatThrownBy(() -> GuardOptions.builder().listener(null))
                .isInstanceOf(NullPointerException.class).hasMessage("listener must not be null");
    }

    private static final class TestBuilder extends AbstractGuardBuilder<TestBuilder> {
        TestBuilder() {
            super("fake");
        }

        GuardOptions build() {
            return options();
        }
    }

    private static final class Recorder implements GuardListener {
        final List<RegistrationEvent> registrations = new CopyOnWriteArrayList<>();
        final List<BatchEvent> batches = new CopyOnWriteArrayList<>();
        final List<RetryEvent> retries = new CopyOnWriteArrayList<>();

        @Override
        public void registered(RegistrationEvent event) {
            registrations.add(event);
        }

        @Override
        public void batchRegistered(BatchEvent event) {
            batches.add(event);
        }

        @Override
        public void retried(RetryEvent event) {
            retries.add(event);
        }
    }

    /** An in-memory table of own transactions; {@link #failNext} makes the next transaction fail. */
    private static final class FakeStorage implements StorageBackend<FileKey>, StorageSession<FileKey> {
        private final Map<StoredKey, Long> rows = new HashMap<>();
        private final Deque<StorageException.Kind> failures = new ArrayDeque<>();
        private final boolean joined;
        private long nextId = 1;
        int transactions;

        FakeStorage(boolean joined) {
            this.joined = joined;
        }

        void failNext(StorageException.Kind kind) {
            failures.add(kind);
        }

        @Override
        public FileKey keyOf(FileKey file) {
            return file;
        }

        @Override
        public boolean joinsCallerTransaction() {
            return joined;
        }

        @Override
        public <T> T inTransaction(TransactionSpec spec, StorageWork<FileKey, T> work) {
            transactions++;
            StorageException.Kind failure = failures.poll();
            if (failure != null) {
                throw new StorageException(failure, "scripted " + failure, null);
            }
            return work.run(this);
        }

        @Override
        public Optional<StoredRow> find(StoredKey key) {
            Long id = rows.get(key);
            return id == null ? Optional.empty() : Optional.of(new StoredRow(id, key.file().scope(),
                    key.file().contentHash(), key.file().fileName(), key.nameDigest()));
        }

        @Override
        public Map<StoredKey, StoredRow> findAll(Collection<StoredKey> keys) {
            Map<StoredKey, StoredRow> found = new HashMap<>();
            keys.forEach(k -> find(k).ifPresent(row -> found.put(k, row)));
            return found;
        }

        @Override
        public void lockStripes(int[] stripes) {
        }

        @Override
        public void touchStripes(int[] stripes) {
        }

        @Override
        public long insert(FileKey file, StoredKey key) {
            long id = nextId++;
            rows.put(key, id);
            return id;
        }

        @Override
        public OptionalLong insertIfAbsent(FileKey file, StoredKey key) {
            return rows.containsKey(key) ? OptionalLong.empty() : OptionalLong.of(insert(file, key));
        }

        @Override
        public List<StoredRow> delete(StoredKey key) {
            Optional<StoredRow> row = find(key);
            rows.remove(key);
            return row.map(List::of).orElse(List.of());
        }
    }
}
