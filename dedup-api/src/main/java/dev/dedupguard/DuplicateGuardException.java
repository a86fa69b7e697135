package dev.dedupguard;

import java.util.Optional;

/**
 * Base type of every exception the library throws for a failure it did not expect. A duplicate is never reported
 * by exception: see {@link Registration.Duplicate}. Bad input is reported with {@link IllegalArgumentException}
 * before any database work.
 */
public class DuplicateGuardException extends RuntimeException {
    private final transient FileKey key;

    /**
     * An exception about one key.
     *
     * @param message what failed and, where known, what to do about it
     * @param key the key the failed call concerned, or {@code null} if it concerned none or many
     * @param cause the underlying failure, or {@code null} if there is none
     */
    public DuplicateGuardException(String message, FileKey key, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /**
     * An exception not about one key.
     *
     * @param message what failed and, where known, what to do about it
     * @param cause the underlying failure, or {@code null} if there is none
     */
    public DuplicateGuardException(String message, Throwable cause) {
        this(message, null, cause);
    }

    /**
     * An exception not about one key and without an underlying failure.
     *
     * @param message what failed and, where known, what to do about it
     */
    public DuplicateGuardException(String message) {
        this(message, null, null);
    }

    /**
     * The key the failed call concerned, if one call concerned one key.
     *
     * @return the key, or empty for a batch call, a build-time failure, or an exception that was serialized (the
     *     key is not serialized)
     */
    public Optional<FileKey> key() {
        return Optional.ofNullable(key);
    }
}
