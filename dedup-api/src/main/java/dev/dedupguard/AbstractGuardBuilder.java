package dev.dedupguard;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings every backend's builder shares, so that each backend only adds how it reaches the database.
 * Defaults are those of {@link GuardOptions#builder()}. Each setter validates its argument at once.
 *
 * @param <B> the concrete builder, returned by every setter for chaining
 */
public abstract class AbstractGuardBuilder<B extends AbstractGuardBuilder<B>> {
    private Strategy strategy = Strategy.UNIQUE_CONSTRAINT;
    private Duration lockTimeout = GuardOptions.DEFAULT_LOCK_TIMEOUT;
    private Isolation isolation;
    private int maxAttempts = GuardOptions.DEFAULT_MAX_ATTEMPTS;
    private NamePolicy namePolicy = NamePolicy.EXACT;
    private HashAlgorithm hashAlgorithm = HashAlgorithm.SHA_256;
    private int lockStripes = GuardOptions.DEFAULT_LOCK_STRIPES;
    private int batchChunkSize = GuardOptions.DEFAULT_BATCH_CHUNK_SIZE;
    private GuardListener listener = GuardListener.NONE;
    private AttemptLog attemptLog = AttemptLog.OFF;
    private final String backend;

    /** A builder for a backend without a name of its own ({@value GuardOptions#UNNAMED_BACKEND}). */
    protected AbstractGuardBuilder() {
        this(GuardOptions.UNNAMED_BACKEND);
    }

    /**
     * A builder for the backend named {@code backend}, the name {@link GuardListener} events carry.
     *
     * @param backend 1 to 32 characters out of {@code a-z 0-9 _ -}, e.g. {@code jooq}
     */
    protected AbstractGuardBuilder(String backend) {
        this.backend = backend;
        options();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * How sameness is enforced; default {@link Strategy#UNIQUE_CONSTRAINT}.
     *
     * @param strategy the strategy the guard runs; not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code strategy} is {@code null}
     */
    public B strategy(Strategy strategy) {
        this.strategy = Objects.requireNonNull(strategy, "strategy must not be null");
        return self();
    }

    /**
     * Longest wait for a lock; default 5 s. See {@link GuardOptions#lockTimeout()}.
     *
     * @param lockTimeout longest wait for a lock or for another transaction's uncommitted insert of the same key;
     *     1 ms to 1 hour
     * @return this builder
     * @throws IllegalArgumentException if {@code lockTimeout} is {@code null} or outside that range
     */
    public B lockTimeout(Duration lockTimeout) {
        this.lockTimeout = lockTimeout;
        options();
        return self();
    }

    /**
     * Isolation of the guard's own transactions; default: the connection's. Ignored in joined mode.
     *
     * @param isolation the level of own transactions, or {@code null} to keep the connection's level
     * @return this builder
     */
    public B isolation(Isolation isolation) {
        this.isolation = isolation;
        return self();
    }

    /**
     * Attempts per own-transaction call on serialization failures; default 5.
     *
     * @param maxAttempts how many times one call may run before {@link SerializationConflictException}; 1 to 100
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAttempts} is outside 1 to 100
     */
    public B maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        options();
        return self();
    }

    /**
     * Which names count as the same; default {@link NamePolicy#EXACT}.
     *
     * @param namePolicy the policy applied to the uniqueness key (names are stored as given); not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code namePolicy} is {@code null}
     */
    public B namePolicy(NamePolicy namePolicy) {
        this.namePolicy = Objects.requireNonNull(namePolicy, "namePolicy must not be null");
        return self();
    }

    /**
     * The digest content hashes must be; default SHA-256.
     *
     * @param hashAlgorithm the algorithm whose hex length every content hash must have; not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code hashAlgorithm} is {@code null}
     */
    public B hashAlgorithm(HashAlgorithm hashAlgorithm) {
        this.hashAlgorithm = Objects.requireNonNull(hashAlgorithm, "hashAlgorithm must not be null");
        return self();
    }

    /**
     * Number of stripe rows for {@link Strategy#SELECT_FOR_UPDATE}; default 1024.
     *
     * @param lockStripes 1 to 1,048,576; must match the rows present in the stripe table
     * @return this builder
     * @throws IllegalArgumentException if {@code lockStripes} is outside that range
     */
    public B lockStripes(int lockStripes) {
        this.lockStripes = lockStripes;
        options();
        return self();
    }

    /**
     * Files per statement and per own transaction in {@link DuplicateGuard#registerAll}; default 500.
     *
     * @param batchChunkSize 1 to 10,000
     * @return this builder
     * @throws IllegalArgumentException if {@code batchChunkSize} is outside that range
     */
    public B batchChunkSize(int batchChunkSize) {
        this.batchChunkSize = batchChunkSize;
        options();
        return self();
    }

    /**
     * Observes every call of the built guard and of the guards it joins; default {@link GuardListener#NONE}.
     *
     * @param listener called after each call, see {@link GuardListener}
     * @return this builder
     */
    public B listener(GuardListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener must not be null");
        return self();
    }

    /**
     * Keeps an append-only log of every registration attempt in the registration's transaction (see
     * {@link AttemptLog}); default {@link AttemptLog#OFF}.
     *
     * @param attemptLog e.g. {@code AttemptLog.enabled().withContext(() -> AttemptContext.actor(currentUser()))}
     * @return this builder
     * @throws NullPointerException if {@code attemptLog} is {@code null}
     */
    public B attemptLog(AttemptLog attemptLog) {
        this.attemptLog = Objects.requireNonNull(attemptLog, "attemptLog must not be null");
        return self();
    }

    /**
     * Takes every setting from {@code options} except the backend's name, which stays this builder's; replaces all
     * settings made so far.
     *
     * @param options settings that were validated when they were built; not {@code null}
     * @return this builder
     * @throws NullPointerException if {@code options} is {@code null}
     */
    public B options(GuardOptions options) {
        Objects.requireNonNull(options, "options must not be null");
        this.strategy = options.strategy();
        this.lockTimeout = options.lockTimeout();
        this.isolation = options.isolation();
        this.maxAttempts = options.maxAttempts();
        this.namePolicy = options.namePolicy();
        this.hashAlgorithm = options.hashAlgorithm();
        this.lockStripes = options.lockStripes();
        this.batchChunkSize = options.batchChunkSize();
        this.listener = options.listener();
        this.attemptLog = options.attemptLog();
        return self();
    }

    /**
     * The settings made so far, validated.
     *
     * @return a new immutable {@link GuardOptions}; never {@code null}
     */
    protected final GuardOptions options() {
        return new GuardOptions(strategy, lockTimeout, isolation, maxAttempts, namePolicy, hashAlgorithm,
                lockStripes, batchChunkSize, listener, backend, attemptLog);
    }
}
