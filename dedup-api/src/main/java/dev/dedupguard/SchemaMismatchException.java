package dev.dedupguard;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when a guard is built: the database schema does not fit the chosen strategy or mapping, for example
 * {@link Strategy#UNIQUE_CONSTRAINT} on a table without a unique constraint on the key columns, a missing or
 * unfilled stripe table for {@link Strategy#SELECT_FOR_UPDATE}, or a mapped column that does not exist. The
 * message says what is missing and how to fix it.
 */
public class SchemaMismatchException extends DuplicateGuardException {
    private final transient @Nullable String table;

    /**
     * An exception found by inspecting the schema.
     *
     * @param message what is missing or wrong, and how to fix it
     */
    public SchemaMismatchException(String message) {
        super(message);
        this.table = null;
    }

    /**
     * An exception found by a failed query of the schema.
     *
     * @param message what is missing or wrong, and how to fix it
     * @param cause the database failure that revealed it
     */
    public SchemaMismatchException(String message, Throwable cause) {
        super(message, cause);
        this.table = null;
    }

    /**
     * An exception about one table that a program may want to tell apart from the guard's main table (the attempt
     * log's), without reading the message.
     *
     * @param message what is missing or wrong, and how to fix it
     * @param table the table the refusal is about, as the guard was configured with it
     * @param cause the database failure that revealed it, or {@code null}
     */
    public SchemaMismatchException(String message, String table, @Nullable Throwable cause) {
        super(message, cause);
        this.table = table;
    }

    /**
     * The table this refusal is about, where the guard names one apart from its main table.
     *
     * @return the attempt log's table for a refusal of the attempt log's table; empty for every other refusal
     */
    public Optional<String> table() {
        return Optional.ofNullable(table);
    }
}
