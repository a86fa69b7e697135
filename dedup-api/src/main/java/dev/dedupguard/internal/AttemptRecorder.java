package dev.dedupguard.internal;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.AttemptLog;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.spi.LoggedAttempt;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageBackend.TransactionSpec;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession.Row;
import dev.dedupguard.spi.StoredKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The engine's side of the attempt log: the rows a call logs with its answer (in the call's transaction), the rows
 * of a refused call (in a transaction of their own, or the caller's, after the refusal), and reading the log back.
 */
final class AttemptRecorder<F> {
    /** The largest page {@code history} returns. */
    static final int MAX_PAGE = 1000;

    private final StorageBackend<F> backend;
    private final GuardOptions options;
    private final TransactionSpec transaction;
    private final AttemptLog log;

    AttemptRecorder(StorageBackend<F> backend, GuardOptions options, TransactionSpec transaction) {
        this.backend = backend;
        this.options = options;
        this.transaction = transaction;
        this.log = options.attemptLog();
    }

    void requireOn() {
        if (!log.isEnabled()) {
            throw new IllegalStateException("this guard keeps no attempt log: build it with "
                    + "attemptLog(AttemptLog.enabled())");
        }
    }

    /** The context a call logs with: the given one, else the log's supplier's; {@code null} if nothing is logged. */
    @Nullable AttemptContext contextOf(@Nullable AttemptContext given) {
        if (!log.isEnabled()) {
            return null;
        }
        return given != null ? given : log.currentContext();
    }

    static LoggedAttempt answered(StoredKey key, Algorithm.Outcome outcome, AttemptContext context) {
        return new LoggedAttempt(key, outcome.inserted() ? Attempt.Outcome.NEW : Attempt.Outcome.DUPLICATE, null,
                outcome.id(), context);
    }

    /** The inputs' keys (each as its input gave it) by their key, in input order. */
    static Map<StoredKey, List<StoredKey>> occurrences(List<StoredKey> inputKeys) {
        Map<StoredKey, List<StoredKey>> occurrences = new LinkedHashMap<>();
        for (StoredKey k : inputKeys) {
            occurrences.computeIfAbsent(k, x -> new ArrayList<>(1)).add(k);
        }
        return occurrences;
    }

    /**
     * One row per input of a chunk's keys: the first input of a key that the chunk inserted is {@code NEW}, every other
     * input {@code DUPLICATE} of the same row, as {@link dev.dedupguard.DuplicateGuard#registerAll} answers them.
     */
    static <F> List<LoggedAttempt> answered(List<Row<F>> rows, Map<StoredKey, Algorithm.Outcome> outcomes,
            Map<StoredKey, List<StoredKey>> occurrences, AttemptContext context) {
        List<LoggedAttempt> logged = new ArrayList<>(rows.size());
        for (Row<F> row : rows) {
            Algorithm.Outcome outcome = outcomes.get(row.key());
            boolean first = true;
            for (StoredKey input : occurrences.get(row.key())) {
                logged.add(new LoggedAttempt(input, first && outcome.inserted() ? Attempt.Outcome.NEW
                        : Attempt.Outcome.DUPLICATE, null, outcome.id(), context));
                first = false;
            }
        }
        return logged;
    }

    /** The inputs' keys of {@code rows}, every occurrence. */
    static <F> List<StoredKey> inputsOf(List<Row<F>> rows, Map<StoredKey, List<StoredKey>> occurrences) {
        List<StoredKey> inputs = new ArrayList<>(rows.size());
        rows.forEach(r -> inputs.addAll(occurrences.get(r.key())));
        return inputs;
    }

    /**
     * Logs {@code keys} as refused with {@code failure}'s type, after the registration's transaction was rolled back:
     * in a transaction of the guard's own, or (joined) in the caller's, which decides whether the rows stay. An
     * interrupted thread's flag is cleared for the write and set again. If the write fails too, its failure is added
     * to {@code failure} as suppressed.
     */
    void refused(List<StoredKey> keys, AttemptContext context, RuntimeException failure) {
        String refusal = failure.getClass().getSimpleName();
        List<LoggedAttempt> rows = new ArrayList<>(keys.size());
        keys.forEach(k -> rows.add(new LoggedAttempt(k, Attempt.Outcome.REFUSED, refusal, null, context)));
        boolean interrupted = Thread.interrupted();
        try {
            backend.inTransaction(transaction, s -> {
                s.logAttempts(rows);
                return null;
            });
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    List<Attempt> history(StoredKey key, long after, int limit) {
        checkPage(after, limit);
        FileKey k = key.file();
        return page(new LoggedAttempt.Query(k.scope(), k.contentHash(), key.nameDigest(), after, limit),
                a -> a.key().scope().equals(k.scope()) && a.key().contentHash().equals(k.contentHash())
                        && options.namePolicy().keyOf(a.key().fileName()).equals(key.nameKey()));
    }

    List<Attempt> history(String scope, long after, int limit) {
        FileKey.of(scope, "0".repeat(FileKey.MIN_HASH_LENGTH), "-");
        checkPage(after, limit);
        return page(new LoggedAttempt.Query(scope, null, null, after, limit), a -> a.key().scope().equals(scope));
    }

    private static void checkPage(long after, int limit) {
        if (after < 0) {
            throw new IllegalArgumentException("after must be 0 or the sequence of an attempt, was " + after);
        }
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", was " + limit);
        }
    }

    /**
     * Reads pages the database matched until {@code limit} attempts pass the guard's own comparison ({@code same}) or
     * the log has no more.
     */
    private List<Attempt> page(LoggedAttempt.Query first, Predicate<Attempt> same) {
        List<Attempt> result = new ArrayList<>(Math.min(first.limit(), 64));
        long cursor = first.after();
        while (true) {
            LoggedAttempt.Query query = new LoggedAttempt.Query(first.scope(), first.contentHash(), first.nameDigest(),
                    cursor, first.limit());
            List<Attempt> rows = read(query);
            for (Attempt a : rows) {
                if (same.test(a)) {
                    result.add(a);
                    if (result.size() == first.limit()) {
                        return List.copyOf(result);
                    }
                }
            }
            if (rows.size() < query.limit()) {
                return List.copyOf(result);
            }
            cursor = rows.get(rows.size() - 1).sequence();
        }
    }

    private List<Attempt> read(LoggedAttempt.Query query) {
        try {
            return backend.inTransaction(transaction, s -> s.attempts(query));
        } catch (StorageException e) {
            throw new DuplicateGuardException("reading the attempt log failed: " + e.getMessage(), e);
        }
    }
}
