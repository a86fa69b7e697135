package dev.dedupguard;

/**
 * Thrown when a guard is built: the database schema does not fit the chosen strategy or mapping, for example
 * {@link Strategy#UNIQUE_CONSTRAINT} on a table without a unique constraint on the key columns, a missing or
 * unfilled stripe table for {@link Strategy#SELECT_FOR_UPDATE}, or a mapped column that does not exist. The
 * message says what is missing and how to fix it.
 */
public class SchemaMismatchException extends DuplicateGuardException {
    /**
     * An exception found by inspecting the schema.
     *
     * @param message what is missing or wrong, and how to fix it
     */
    public SchemaMismatchException(String message) {
        super(message);
    }

    /**
     * An exception found by a failed query of the schema.
     *
     * @param message what is missing or wrong, and how to fix it
     * @param cause the database failure that revealed it
     */
    public SchemaMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
