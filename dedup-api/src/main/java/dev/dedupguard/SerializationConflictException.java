package dev.dedupguard;

/**
 * The database reported a serialization failure (SQLSTATE class 40: a REPEATABLE READ or SERIALIZABLE snapshot
 * that cannot see a concurrent registration, or a deadlock) that the guard did not resolve by itself.
 *
 * <p>In own-transaction mode the guard retries up to {@link GuardOptions#maxAttempts()} times before throwing this.
 * In joined mode it never retries, because only the caller can restart its transaction: <b>roll back and retry the
 * whole transaction</b>. Nothing was stored by the failed call. It never means "duplicate".
 */
public class SerializationConflictException extends DuplicateGuardException {
    /**
     * An exception about one registration.
     *
     * @param message what failed, and whether the caller must roll back and retry
     * @param key the key being registered
     * @param cause the database's last serialization failure
     */
    public SerializationConflictException(String message, FileKey key, Throwable cause) {
        super(message, key, cause);
    }
}
