package dev.dedupguard;

import java.time.Duration;

/**
 * A registration waited longer than the configured lock timeout for a lock held by another transaction: a stripe
 * lock ({@link Strategy#SELECT_FOR_UPDATE}) or another transaction's uncommitted insert of the same key
 * ({@link Strategy#UNIQUE_CONSTRAINT}). Nothing was stored by the call; in joined mode the caller's transaction is
 * still usable (the guard's work ran inside a savepoint) and the call may be repeated.
 */
public class LockTimeoutException extends DuplicateGuardException {
    /** The lock timeout that was exceeded. */
    private final Duration timeout;

    /**
     * An exception whose message names the key and the timeout.
     *
     * @param key the key whose registration waited too long
     * @param timeout the configured lock timeout that was exceeded
     * @param cause the database's lock-timeout failure
     */
    public LockTimeoutException(FileKey key, Duration timeout, Throwable cause) {
        super("waited longer than the lock timeout " + timeout + " to register " + key
                + " (another transaction holds the lock or an uncommitted insert of the same key)", key, cause);
        this.timeout = timeout;
    }

    /**
     * The timeout that was exceeded.
     *
     * @return the guard's configured {@link GuardOptions#lockTimeout()}
     */
    public Duration timeout() {
        return timeout;
    }
}
