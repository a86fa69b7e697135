package dev.dedupguard;

import java.util.Optional;

/**
 * Base type of every exception the library throws for a failure it did not expect. A duplicate is never reported
 * by exception: see {@link Registration.Duplicate}. Bad input is reported with {@link IllegalArgumentException}
 * before any database work.
 */
public class DuplicateGuardException extends RuntimeException {
    private final transient FileKey key;

    public DuplicateGuardException(String message, FileKey key, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    public DuplicateGuardException(String message, Throwable cause) {
        this(message, null, cause);
    }

    public DuplicateGuardException(String message) {
        this(message, null, null);
    }

    /** The key the failed call concerned, if one call concerned one key. */
    public Optional<FileKey> key() {
        return Optional.ofNullable(key);
    }
}
