package dev.dedupguard.internal;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardListener;
import dev.dedupguard.GuardListener.BatchEvent;
import dev.dedupguard.GuardListener.Outcome;
import dev.dedupguard.GuardListener.RegistrationEvent;
import dev.dedupguard.GuardListener.RetryEvent;
import dev.dedupguard.GuardListener.RetryReason;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.KeyCollisionException;
import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.Registration;
import dev.dedupguard.RegistrationInterruptedException;
import dev.dedupguard.SerializationConflictException;
import dev.dedupguard.Strategy;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StorageBackend.StorageWork;
import dev.dedupguard.spi.StorageBackend.TransactionSpec;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StorageSession.Row;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Runs one {@link Strategy} on one {@link StorageBackend}: validates input before any database work, runs the
 * algorithm in the backend's transaction, retries serialization failures in own-transaction mode, and turns
 * storage failures into the public exceptions.
 */
final class GuardEngine<F> implements DuplicateGuard<F> {
    private static final long MAX_BACKOFF_MILLIS = 50;
    private static final System.Logger LOG = System.getLogger("dev.dedupguard");
    private static final AtomicBoolean LISTENER_FAILURE_LOGGED = new AtomicBoolean();

    private final StorageBackend<F> backend;
    private final GuardOptions options;
    private final Algorithm algorithm;
    private final KeyPreparer keys;
    private final TransactionSpec transaction;
    private final AttemptRecorder<F> attempts;

    GuardEngine(StorageBackend<F> backend, GuardOptions options) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.options = Objects.requireNonNull(options, "options");
        this.algorithm = Algorithm.of(options.strategy(), options.lockStripes(), options.namePolicy());
        this.keys = new KeyPreparer(options, backend);
        this.transaction = new TransactionSpec(options.isolation(), options.lockTimeout());
        this.attempts = new AttemptRecorder<>(backend, options, transaction);
    }

    @Override
    public Registration<F> register(F file) {
        return registerOne(file, null);
    }

    @Override
    public Registration<F> register(F file, AttemptContext context) {
        Objects.requireNonNull(context, "context must not be null");
        attempts.requireOn();
        return registerOne(file, context);
    }

    private Registration<F> registerOne(F file, @Nullable AttemptContext given) {
        long start = System.nanoTime();
        StoredKey key = prepare(file);
        AttemptContext context = attempts.contextOf(given);
        Algorithm.Outcome outcome;
        try {
            outcome = execute(key.file(), context == null ? s -> algorithm.register(s, file, key) : s -> {
                s.expectAttempt(key, context);
                Algorithm.Outcome o = algorithm.register(s, file, key);
                s.logAttempts(List.of(AttemptRecorder.answered(key, o, context)));
                return o;
            });
        } catch (RuntimeException | Error e) {
            if (context != null && e instanceof RuntimeException failure) {
                attempts.refused(List.of(key), context, failure);
            }
            notify(l -> l.registered(new RegistrationEvent(options.backend(), options.strategy(), Outcome.of(e),
                    since(start), backend.joinsCallerTransaction())));
            throw e;
        }
        Outcome result = outcome.inserted() ? Outcome.NEW : Outcome.DUPLICATE;
        notify(l -> l.registered(new RegistrationEvent(options.backend(), options.strategy(), result, since(start),
                backend.joinsCallerTransaction())));
        return outcome.inserted()
                ? new Registration.New<>(file, key.file(), outcome.id())
                : new Registration.Duplicate<>(file, key.file(), outcome.id());
    }

    @Override
    public List<Registration<F>> registerAll(Collection<? extends F> files) {
        return registerMany(files, null);
    }

    @Override
    public List<Registration<F>> registerAll(Collection<? extends F> files, AttemptContext context) {
        Objects.requireNonNull(context, "context must not be null");
        attempts.requireOn();
        return registerMany(files, context);
    }

    private List<Registration<F>> registerMany(Collection<? extends F> files, @Nullable AttemptContext given) {
        long start = System.nanoTime();
        Objects.requireNonNull(files, "files must not be null");
        int size = files.size();
        List<Registration<F>> results;
        try {
            results = registerAllValidated(files, given);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            notify(l -> l.batchRegistered(new BatchEvent(options.backend(), options.strategy(), size, 0, 0,
                    Outcome.of(e), since(start), backend.joinsCallerTransaction())));
            throw e;
        }
        int newFiles = (int) results.stream().filter(Registration::isNew).count();
        notify(l -> l.batchRegistered(new BatchEvent(options.backend(), options.strategy(), size, newFiles,
                size - newFiles, Outcome.NEW, since(start), backend.joinsCallerTransaction())));
        return results;
    }

    private List<Registration<F>> registerAllValidated(Collection<? extends F> files, @Nullable AttemptContext given) {
        List<F> inputs = new ArrayList<>(files);
        List<StoredKey> inputKeys = new ArrayList<>(inputs.size());
        Map<StoredKey, F> firstOccurrence = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            F file = inputs.get(i);
            StoredKey key;
            try {
                key = prepare(file);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("files[" + i + "]: " + e.getMessage(), e);
            }
            inputKeys.add(key);
            firstOccurrence.putIfAbsent(key, file);
        }
        List<Row<F>> distinct = new ArrayList<>(firstOccurrence.size());
        firstOccurrence.forEach((key, file) -> distinct.add(new Row<>(file, key)));
        distinct.sort((a, b) -> a.key().compareTo(b.key()));
        AttemptContext context = attempts.contextOf(given);
        Map<StoredKey, List<StoredKey>> occurrences = context == null ? Map.of() : AttemptRecorder.occurrences(inputKeys);

        Map<StoredKey, Algorithm.Outcome> outcomes = new HashMap<>();
        int chunk = options.batchChunkSize();
        for (int from = 0; from < distinct.size(); from += chunk) {
            List<Row<F>> rows = distinct.subList(from, Math.min(distinct.size(), from + chunk));
            try {
                outcomes.putAll(execute(rows.get(0).key().file(), context == null ? s -> algorithm.registerAll(s, rows)
                        : s -> {
                            Map<StoredKey, Algorithm.Outcome> o = algorithm.registerAll(s, rows);
                            s.logAttempts(AttemptRecorder.answered(rows, o, occurrences, context));
                            return o;
                        }));
            } catch (RuntimeException e) {
                if (context != null) {
                    attempts.refused(AttemptRecorder.inputsOf(distinct.subList(from, distinct.size()), occurrences),
                            context, e);
                }
                throw e;
            }
        }

        List<Registration<F>> results = new ArrayList<>(inputs.size());
        Map<StoredKey, Boolean> reported = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            StoredKey key = inputKeys.get(i);
            Algorithm.Outcome outcome = outcomes.get(key);
            boolean firstTime = reported.putIfAbsent(key, Boolean.TRUE) == null;
            F file = inputs.get(i);
            results.add(outcome.inserted() && firstTime
                    ? new Registration.New<>(file, key.file(), outcome.id())
                    : new Registration.Duplicate<>(file, key.file(), outcome.id()));
        }
        return Collections.unmodifiableList(results);
    }

    @Override
    public List<Attempt> history(FileKey key, long after, int limit) {
        attempts.requireOn();
        Objects.requireNonNull(key, "key must not be null");
        return attempts.history(keys.prepare(key), after, limit);
    }

    @Override
    public List<Attempt> history(String scope, long after, int limit) {
        attempts.requireOn();
        return attempts.history(scope, after, limit);
    }

    @Override
    public boolean release(F file) {
        StoredKey key = prepare(file);
        return execute(key.file(), s -> {
            List<StoredRow> deleted = s.delete(key);
            deleted.forEach(row -> algorithm.check.requireSame(key, row));
            return !deleted.isEmpty();
        });
    }

    @Override
    public Strategy strategy() {
        return options.strategy();
    }

    private StoredKey prepare(F file) {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        return keys.prepare(backend.keyOf(file));
    }

    private <T> T execute(FileKey key, StorageWork<F, T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return backend.inTransaction(transaction, work);
            } catch (StorageException e) {
                if (!isRetryable(e)) {
                    throw toPublic(key, e);
                }
                if (backend.joinsCallerTransaction()) {
                    throw new SerializationConflictException("the database reported a serialization conflict while "
                            + "registering " + key + " in the caller's transaction: roll back and retry the transaction"
                            + " (" + e.getMessage() + ")", key, e);
                }
                if (attempt >= options.maxAttempts()) {
                    throw new SerializationConflictException("registering " + key + " met a serialization conflict "
                            + attempt + " times in a row; last: " + e.getMessage()
                            + ". If this persists, another unique constraint on the table may reject the row", key, e);
                }
                RetryReason reason = e.kind() == StorageException.Kind.UNIQUE_VIOLATION
                        ? RetryReason.UNIQUE_VIOLATION
                        : RetryReason.SERIALIZATION_FAILURE;
                int failed = attempt;
                notify(l -> l.retried(new RetryEvent(options.backend(), options.strategy(), reason, failed)));
                backoff(attempt);
            }
        }
    }

    private boolean isRetryable(StorageException e) {
        return e.kind() == StorageException.Kind.SERIALIZATION_FAILURE
                || e.kind() == StorageException.Kind.UNIQUE_VIOLATION
                        && options.strategy() == Strategy.SELECT_FOR_UPDATE;
    }

    private DuplicateGuardException toPublic(FileKey key, StorageException e) {
        return switch (e.kind()) {
            case LOCK_TIMEOUT -> new LockTimeoutException(key, options.lockTimeout(), e);
            case INTERRUPTED -> {
                Thread.currentThread().interrupt();
                yield new RegistrationInterruptedException(key, e);
            }
            case UNIQUE_VIOLATION -> options.strategy() == Strategy.NO_LOCK
                    ? new DuplicateGuardException("NO_LOCK lost the check-then-insert race for " + key
                            + ": a concurrent registration inserted it first and the unique constraint rejected "
                            + "this one. Use SELECT_FOR_UPDATE or UNIQUE_CONSTRAINT", key, e)
                    : new DuplicateGuardException("registering " + key + " violated a unique constraint that is "
                            + "not the key's: " + e.getMessage(), key, e);
            case KEY_COLLISION -> e instanceof KeyCheck.Collision collision ? collision.toPublic(null)
                    : new KeyCollisionException(e.getMessage(), key, null, null, e);
            case SERIALIZATION_FAILURE, OTHER -> new DuplicateGuardException("registering " + key + " failed: "
                    + e.getMessage(), key, e);
        };
    }

    private void notify(Consumer<GuardListener> event) {
        GuardListener listener = options.listener();
        if (listener == GuardListener.NONE) {
            return;
        }
        try {
            event.accept(listener);
        } catch (RuntimeException e) {
            System.Logger.Level level = LISTENER_FAILURE_LOGGED.compareAndSet(false, true)
                    ? System.Logger.Level.WARNING
                    : System.Logger.Level.DEBUG;
            LOG.log(level, "GuardListener " + listener.getClass().getName() + " threw; the registration is "
                    + "unaffected (later listener failures are logged at DEBUG)", e);
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void backoff(int attempt) {
        long bound = Math.min(MAX_BACKOFF_MILLIS, 1L << Math.min(attempt + 1, 6));
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, bound + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuplicateGuardException("interrupted while waiting to retry", e);
        }
    }
}
