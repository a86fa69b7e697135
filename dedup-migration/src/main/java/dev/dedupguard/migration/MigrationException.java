package dev.dedupguard.migration;

import dev.dedupguard.DuplicateGuardException;

/**
 * A migration step failed on the database: an SQL error, a lock that could not be had within the configured
 * attempts, or an object in the way (an index or constraint of the same name that does not fit). The message names
 * the step and the statement's table. Every step can be run again after the cause is fixed: it starts from the
 * state it finds.
 */
public class MigrationException extends DuplicateGuardException {
    /**
     * @param message what failed and what to do
     * @param cause the underlying error, or {@code null}
     */
    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
