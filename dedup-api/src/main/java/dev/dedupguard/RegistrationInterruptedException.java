package dev.dedupguard;

/**
 * The calling thread was interrupted while the registration waited for a lock held by another transaction (a stripe
 * lock, or another transaction's uncommitted insert of the same key). The guard cancelled the waiting statement and
 * rolled back its work (its own transaction, or its savepoint in the caller's), so nothing was stored by the call;
 * the thread's interrupt flag is set again when this is thrown. The connection stays usable.
 */
public class RegistrationInterruptedException extends DuplicateGuardException {

    /**
     * @param key the key whose registration was interrupted
     * @param cause the storage failure that the cancelled statement raised
     */
    public RegistrationInterruptedException(FileKey key, Throwable cause) {
        super("interrupted while waiting for a lock to register " + key + ": the statement was cancelled and the "
                + "registration rolled back", key, cause);
    }
}
