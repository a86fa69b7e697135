package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.AttemptLog;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Isolation;
import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The attempt log ({@link AttemptLog}) on one backend x database x strategy, on the design note's host table: one row
 * per call and per batch element whose outcome is what the caller was told, under 16-thread races; refusals logged with
 * their exception's type; nothing logged for input refused before any database work; a caller's rollback removing the
 * row and its attempt together; paged history; and the shipped DDL refusing UPDATE and DELETE.
 *
 * <p>The log table ({@link TestTable#createAll}) is append-only, so tests are not isolated by emptying it: each test
 * registers in scopes of its own.
 *
 * @param <F> the backend's registered type
 */
public abstract class AttemptLogContract<F> extends ContractBase<F> {
    private static final AtomicLong SCOPES = new AtomicLong(System.currentTimeMillis() * 1000);

    /** A part that runs on {@code setup}. */
    protected AttemptLogContract(Setup<F> setup) {
        super(setup);
    }

    /**
     * Every database at its defaults x every strategy: the argument source for a backend's subclass annotated with
     * {@code @ParameterizedClass @MethodSource("dev.dedupguard.testing.AttemptLogContract#matrix")}.
     */
    public static Stream<Arguments> matrix() {
        return TestDatabase.defaults().stream()
                .flatMap(db -> Stream.of(Strategy.values()).map(s -> Arguments.of(db, s)));
    }

    private DuplicateGuard<F> loggingGuard() {
        return guard(options().attemptLog(AttemptLog.enabled()).build());
    }

    private static long freshScope() {
        return SCOPES.incrementAndGet();
    }

    /** Every logged attempt of a scope, oldest first, read a page of 7 at a time. */
    private static List<Attempt> all(DuplicateGuard<?> guard, long scope) {
        List<Attempt> all = new ArrayList<>();
        long after = 0;
        while (true) {
            List<Attempt> page = guard.history(Long.toString(scope), after, 7);
            all.addAll(page);
            if (page.size() < 7) {
                return all;
            }
            after = page.get(page.size() - 1).sequence();
        }
    }

    /**
     * 16 threads register the same 12 keys, meeting at a barrier before each key, each thread as an actor of its own:
     * the log holds exactly one row per call, and each row's outcome and row id are what that caller was told (New,
     * Duplicate, or the exception NO_LOCK's losers get).
     */
    @Test
    void sixteenThreadRaceLogsOneAttemptPerCallWithTheAnswerItsCallerGot() throws Exception {
        DuplicateGuard<F> guard = loggingGuard();
        long scope = freshScope();
        List<FileKey> keys = Keys.keys(scope, 12);
        int threads = 16;
        CyclicBarrier barrier = new CyclicBarrier(threads);
        Map<String, String> told = new ConcurrentHashMap<>();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String actor = "investigator-" + t;
            futures.add(pool().submit(() -> {
                for (FileKey key : keys) {
                    awaitQuietly(barrier);
                    String answer;
                    try {
                        Registration<F> r = guard.register(file(key), AttemptContext.of(actor, "upload-" + key.fileName()));
                        answer = (r.isNew() ? "NEW " : "DUPLICATE ") + r.id();
                    } catch (RuntimeException e) {
                        answer = "REFUSED " + e.getClass().getSimpleName();
                    }
                    told.put(actor + " " + key.fileName(), answer);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(100, TimeUnit.SECONDS);
        }

        List<Attempt> logged = all(guard, scope);
        assertThat(logged).as("one row per call").hasSize(threads * keys.size());
        Map<String, String> inLog = new HashMap<>();
        for (Attempt a : logged) {
            String answer = a.outcome() == Attempt.Outcome.REFUSED ? "REFUSED " + a.refusal()
                    : a.outcome() + " " + a.storedId();
            assertThat(inLog.put(a.actor() + " " + a.key().fileName(), answer)).as("one row for %s's call at %s",
                    a.actor(), a.key()).isNull();
            assertThat(a.reference()).isEqualTo("upload-" + a.key().fileName());
        }
        assertThat(inLog).as("each caller's answer, as logged").isEqualTo(told);
        for (FileKey key : keys) {
            List<Attempt> ofKey = guard.history(key, 0, 100);
            assertThat(ofKey).hasSize(threads);
            long stored = rows(key);
            assertThat(ofKey.stream().filter(a -> a.outcome() == Attempt.Outcome.NEW)).as("NEW rows for %s", key)
                    .hasSize((int) stored);
            if (guarded()) {
                assertThat(stored).isEqualTo(1);
                assertThat(ofKey).allSatisfy(a -> assertThat(a.outcome()).isNotEqualTo(Attempt.Outcome.REFUSED));
                assertThat(ofKey.stream().map(Attempt::storedId).distinct()).as("one row named for %s", key).hasSize(1);
            }
        }
    }

    /** Every element of a batch is logged: a new key, its repeat in the batch, and a key registered before. */
    @Test
    void registerAllLogsEveryElementAsItWasAnswered() {
        DuplicateGuard<F> guard = loggingGuard();
        long scope = freshScope();
        FileKey earlier = Keys.key(scope, 1);
        FileKey fresh = Keys.key(scope, 2);
        long earlierId = guard.register(file(earlier)).id();
        List<Registration<F>> batch = guard.registerAll(List.of(file(fresh), file(earlier), file(fresh)),
                AttemptContext.actor("batch-user"));

        List<Attempt> ofFresh = guard.history(fresh, 0, 10);
        assertThat(ofFresh).extracting(Attempt::outcome)
                .containsExactly(Attempt.Outcome.NEW, Attempt.Outcome.DUPLICATE);
        assertThat(ofFresh).allSatisfy(a -> {
            assertThat(a.storedId()).isEqualTo(batch.get(0).id());
            assertThat(a.actor()).isEqualTo("batch-user");
        });
        List<Attempt> ofEarlier = guard.history(earlier, 0, 10);
        assertThat(ofEarlier).extracting(Attempt::outcome)
                .containsExactly(Attempt.Outcome.NEW, Attempt.Outcome.DUPLICATE);
        assertThat(ofEarlier.get(0).actor()).as("no context given, none supplied").isNull();
        assertThat(ofEarlier.get(1).storedId()).isEqualTo(earlierId);
        assertThat(all(guard, scope)).hasSize(4);
    }

    /** The guard's context supplier gives the actor of calls that give none; invalid input is not logged. */
    @Test
    void contextSupplierNamesTheActorAndInvalidInputLeavesNoRow() {
        DuplicateGuard<F> guard = guard(options().attemptLog(AttemptLog.enabled()
                .withContext(() -> AttemptContext.of("signed-in-user", "request-7"))).build());
        long scope = freshScope();
        FileKey key = Keys.key(scope, 1);
        Instant before = Instant.now().minus(1, ChronoUnit.MINUTES);
        guard.register(file(key));
        assertThatThrownBy(() -> guard.register(file(new FileKey(Long.toString(scope), "ab".repeat(16), "short.bin"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contentHash");

        List<Attempt> logged = all(guard, scope);
        assertThat(logged).hasSize(1);
        Attempt a = logged.get(0);
        assertThat(a.key()).isEqualTo(key);
        assertThat(a.actor()).isEqualTo("signed-in-user");
        assertThat(a.reference()).isEqualTo("request-7");
        assertThat(a.recordedAt()).isBetween(before, Instant.now().plus(1, ChronoUnit.MINUTES));
    }

    /** A refusal after the database was reached (a lock timeout) is logged with the exception's type. */
    @Test
    void aRefusedAttemptIsLoggedWithItsExceptionType() {
        long scope = freshScope();
        FileKey key = Keys.key(scope, 1);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), Isolation.READ_COMMITTED);
        holder.guard().register(file(key));
        DuplicateGuard<F> guard = guard(options().attemptLog(AttemptLog.enabled())
                .lockTimeout(Duration.ofMillis(300)).build());

        assertThatThrownBy(() -> guard.register(file(key), AttemptContext.actor("late"))).isInstanceOf(
                LockTimeoutException.class);
        holder.rollback();

        List<Attempt> logged = guard.history(key, 0, 10);
        assertThat(logged).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(Attempt.Outcome.REFUSED);
            assertThat(a.refusal()).isEqualTo("LockTimeoutException");
            assertThat(a.storedId()).isNull();
            assertThat(a.actor()).isEqualTo("late");
        });
    }

    /** In a caller's transaction the attempt commits or rolls back with the row. */
    @Test
    void aCallersRollbackRemovesTheRowAndItsAttemptTogether() {
        long scope = freshScope();
        FileKey rolledBack = Keys.key(scope, 1);
        FileKey committed = Keys.key(scope, 2);
        try (GuardBackend.CallerTransaction<F> tx = begin(options().attemptLog(AttemptLog.enabled()).build(),
                Isolation.READ_COMMITTED)) {
            assertThat(tx.guard().register(file(rolledBack), AttemptContext.actor("a")).isNew()).isTrue();
            tx.rollback();
        }
        try (GuardBackend.CallerTransaction<F> tx = begin(options().attemptLog(AttemptLog.enabled()).build(),
                Isolation.READ_COMMITTED)) {
            tx.guard().register(file(committed), AttemptContext.actor("b"));
            tx.guard().register(file(committed), AttemptContext.actor("c"));
            tx.commit();
        }
        DuplicateGuard<F> guard = loggingGuard();
        assertThat(rows(rolledBack)).isZero();
        assertThat(guard.history(rolledBack, 0, 10)).isEmpty();
        assertThat(rows(committed)).isEqualTo(1);
        assertThat(guard.history(committed, 0, 10)).extracting(Attempt::actor, Attempt::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b", Attempt.Outcome.NEW),
                        org.assertj.core.groups.Tuple.tuple("c", Attempt.Outcome.DUPLICATE));
    }

    /** History pages oldest first; a key's history leaves out other keys of its scope. */
    @Test
    void historyPagesOldestFirst() {
        DuplicateGuard<F> guard = loggingGuard();
        long scope = freshScope();
        FileKey key = Keys.key(scope, 1);
        guard.register(file(Keys.key(scope, 2)));
        for (int i = 0; i < 5; i++) {
            guard.register(file(key), AttemptContext.actor("user-" + i));
        }
        List<Attempt> first = guard.history(key, 0, 2);
        List<Attempt> second = guard.history(key, first.get(1).sequence(), 2);
        List<Attempt> third = guard.history(key, second.get(1).sequence(), 2);
        assertThat(Stream.of(first, second, third).flatMap(List::stream).map(Attempt::actor))
                .containsExactly("user-0", "user-1", "user-2", "user-3", "user-4");
        assertThat(third).hasSize(1);
        assertThat(all(guard, scope)).hasSize(6).isSortedAccordingTo((a, b) -> Long.compare(a.sequence(), b.sequence()));
        assertThatThrownBy(() -> guard.history(key, 0, 1001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit must be between 1 and 1000, was 1001");
    }

    /** The shipped DDL refuses UPDATE and DELETE of logged attempts, whoever sends them. */
    @Test
    void theShippedTableRefusesUpdatesAndDeletes() {
        DuplicateGuard<F> guard = loggingGuard();
        long scope = freshScope();
        guard.register(file(Keys.key(scope, 1)));
        String where = " where scope = '" + scope + "'";
        assertThatThrownBy(() -> database().execute("update " + AttemptLog.DEFAULT_TABLE + " set actor = 'x'" + where))
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> database().execute("delete from " + AttemptLog.DEFAULT_TABLE + where))
                .hasStackTraceContaining("append-only");
        assertThat(all(guard, scope)).hasSize(1);
    }

    /** A guard without the log refuses calls that ask for it, before any database work. */
    @Test
    void aGuardWithoutTheLogRefusesToLog() {
        DuplicateGuard<F> guard = guard();
        FileKey key = Keys.key(freshScope(), 1);
        assertThatThrownBy(() -> guard.register(file(key), AttemptContext.actor("a")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("keeps no attempt log");
        assertThatThrownBy(() -> guard.history(key, 0, 10)).isInstanceOf(IllegalStateException.class);
        assertThat(rows(key)).isZero();
    }
}
