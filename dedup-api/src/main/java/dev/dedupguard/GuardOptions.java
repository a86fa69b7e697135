package dev.dedupguard;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The backend-independent settings of a guard. Immutable; validated on construction. Build one with
 * {@link #builder()} or through a backend's builder, which extends {@link AbstractGuardBuilder}.
 *
 * @param strategy how sameness is enforced
 * @param lockTimeout longest wait for a lock or for another transaction's uncommitted insert of the same key,
 *     after which the call fails with {@link LockTimeoutException}; at least 1 ms, at most 1 hour
 * @param isolation isolation level of the guard's own transactions; {@code null} keeps the connection's level.
 *     Ignored in joined mode (the caller's transaction decides)
 * @param maxAttempts how many times one own-transaction call may run when the database answers with a
 *     serialization failure, before {@link SerializationConflictException}; 1 to 100
 * @param namePolicy which file names count as the same
 * @param hashAlgorithm the digest content hashes must be
 * @param lockStripes number of stripe rows for {@link Strategy#SELECT_FOR_UPDATE}: different keys that hash to the
 *     same stripe wait for each other; 1 to 1,048,576. Must match the rows present in the stripe table
 * @param batchChunkSize how many files {@link DuplicateGuard#registerAll} sends per statement and per own
 *     transaction; 1 to 10,000
 * @param listener observes every call of the guard (see {@link GuardListener}); {@link GuardListener#NONE} by default
 * @param backend the backend's name as the listener sees it, set by the backend's builder (e.g. {@code jooq});
 *     1 to 32 characters out of {@code a-z 0-9 _ -}, {@value #UNNAMED_BACKEND} if the builder sets none
 * @param attemptLog whether and where every attempt is logged; {@link AttemptLog#OFF} by default
 */
public record GuardOptions(
        Strategy strategy,
        Duration lockTimeout,
        Isolation isolation,
        int maxAttempts,
        NamePolicy namePolicy,
        HashAlgorithm hashAlgorithm,
        int lockStripes,
        int batchChunkSize,
        GuardListener listener,
        String backend,
        AttemptLog attemptLog) {

    /** Default {@link #lockTimeout()}: 5 seconds. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);
    /** Shortest {@link #lockTimeout()}: 1 millisecond. */
    public static final Duration MIN_LOCK_TIMEOUT = Duration.ofMillis(1);
    /** Longest {@link #lockTimeout()}: 1 hour. */
    public static final Duration MAX_LOCK_TIMEOUT = Duration.ofHours(1);
    /** Most {@link #maxAttempts()}: 100. */
    public static final int MAX_ATTEMPTS_LIMIT = 100;
    /** Most {@link #lockStripes()}: 1,048,576. */
    public static final int MAX_LOCK_STRIPES = 1 << 20;
    /** Default {@link #maxAttempts()}: 5. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** Default {@link #lockStripes()}: 1024, the number of rows the shipped DDL puts in the stripe table. */
    public static final int DEFAULT_LOCK_STRIPES = 1024;
    /** Default {@link #batchChunkSize()}: 500. */
    public static final int DEFAULT_BATCH_CHUNK_SIZE = 500;
    /** The backend name of options built without a backend's builder. */
    public static final String UNNAMED_BACKEND = "unnamed";

    /**
     * Validates every setting.
     *
     * @param strategy how sameness is enforced; not {@code null}
     * @param lockTimeout longest wait for a lock; 1 ms to 1 hour
     * @param isolation isolation level of own transactions, or {@code null} for the connection's
     * @param maxAttempts runs of one own-transaction call on serialization failures; 1 to 100
     * @param namePolicy which file names count as the same; not {@code null}
     * @param hashAlgorithm the digest content hashes must be; not {@code null}
     * @param lockStripes number of stripe rows; 1 to 1,048,576
     * @param batchChunkSize files per statement and per own transaction in a batch; 1 to 10,000
     * @param listener observes every call of the guard; not {@code null} ({@link GuardListener#NONE} for none)
     * @param backend the backend's name as the listener sees it: 1 to 32 characters out of {@code a-z 0-9 _ -}
     * @param attemptLog whether and where every attempt is logged; not {@code null} ({@link AttemptLog#OFF} for none)
     * @throws NullPointerException if {@code strategy}, {@code namePolicy}, {@code hashAlgorithm} or
     *     {@code attemptLog} is {@code null}
     * @throws IllegalArgumentException naming the setting and its value, if {@code lockTimeout} is {@code null} or
     *     a number is outside its range
     */
    public GuardOptions {
        Objects.requireNonNull(strategy, "strategy must not be null");
        Objects.requireNonNull(listener, "listener must not be null");
        if (backend == null || !backend.matches("[a-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("backend must be 1 to 32 characters out of a-z 0-9 _ -, was "
                    + (backend == null ? "null" : "'" + backend + "'"));
        }
        Objects.requireNonNull(namePolicy, "namePolicy must not be null");
        Objects.requireNonNull(hashAlgorithm, "hashAlgorithm must not be null");
        Objects.requireNonNull(attemptLog, "attemptLog must not be null");
        if (lockTimeout == null || lockTimeout.compareTo(MIN_LOCK_TIMEOUT) < 0
                || lockTimeout.compareTo(MAX_LOCK_TIMEOUT) > 0) {
            throw new IllegalArgumentException("lockTimeout must be between 1 ms and 1 hour, was " + lockTimeout);
        }
        requireRange("maxAttempts", maxAttempts, 1, MAX_ATTEMPTS_LIMIT);
        requireRange("lockStripes", lockStripes, 1, MAX_LOCK_STRIPES);
        requireRange("batchChunkSize", batchChunkSize, 1, 10_000);
    }

    /**
     * The settings without an attempt log ({@link AttemptLog#OFF}).
     *
     * @param strategy see {@link #strategy()}
     * @param lockTimeout see {@link #lockTimeout()}
     * @param isolation see {@link #isolation()}
     * @param maxAttempts see {@link #maxAttempts()}
     * @param namePolicy see {@link #namePolicy()}
     * @param hashAlgorithm see {@link #hashAlgorithm()}
     * @param lockStripes see {@link #lockStripes()}
     * @param batchChunkSize see {@link #batchChunkSize()}
     * @param listener see {@link #listener()}
     * @param backend see {@link #backend()}
     */
    public GuardOptions(Strategy strategy, Duration lockTimeout, Isolation isolation, int maxAttempts,
            NamePolicy namePolicy, HashAlgorithm hashAlgorithm, int lockStripes, int batchChunkSize,
            GuardListener listener, String backend) {
        this(strategy, lockTimeout, isolation, maxAttempts, namePolicy, hashAlgorithm, lockStripes, batchChunkSize,
                listener, backend, AttemptLog.OFF);
    }

    /**
     * The settings without a listener ({@link GuardListener#NONE}), for an unnamed backend.
     *
     * @param strategy see {@link #strategy()}
     * @param lockTimeout see {@link #lockTimeout()}
     * @param isolation see {@link #isolation()}
     * @param maxAttempts see {@link #maxAttempts()}
     * @param namePolicy see {@link #namePolicy()}
     * @param hashAlgorithm see {@link #hashAlgorithm()}
     * @param lockStripes see {@link #lockStripes()}
     * @param batchChunkSize see {@link #batchChunkSize()}
     */
    public GuardOptions(Strategy strategy, Duration lockTimeout, Isolation isolation, int maxAttempts,
            NamePolicy namePolicy, HashAlgorithm hashAlgorithm, int lockStripes, int batchChunkSize) {
        this(strategy, lockTimeout, isolation, maxAttempts, namePolicy, hashAlgorithm, lockStripes, batchChunkSize,
                GuardListener.NONE, UNNAMED_BACKEND, AttemptLog.OFF);
    }

    private static void requireRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + value);
        }
    }

    /**
     * The isolation level of own transactions, if one is set.
     *
     * @return the level, or empty if own transactions keep the connection's level
     */
    public Optional<Isolation> isolationLevel() {
        return Optional.ofNullable(isolation);
    }

    /**
     * Defaults: {@link Strategy#UNIQUE_CONSTRAINT}, 5 s lock timeout, connection's isolation, 5 attempts, exact names,
     * SHA-256, 1024 stripes, chunks of 500, no attempt log.
     *
     * @return a new builder with those defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder of {@link GuardOptions} with the defaults listed at {@link GuardOptions#builder()}. */
    public static final class Builder extends AbstractGuardBuilder<Builder> {
        private Builder() {
            super(UNNAMED_BACKEND);
        }

        /**
         * The options set so far.
         *
         * @return a new immutable {@link GuardOptions}; never {@code null}
         */
        public GuardOptions build() {
            return options();
        }
    }
}
