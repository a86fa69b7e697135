package dev.dedupguard.spi;

import java.util.Objects;

/**
 * A database failure inside a backend, classified so that the engine can react without reading message text.
 * Never reaches the host: the engine turns it into a {@link dev.dedupguard.DuplicateGuardException} subtype.
 */
public class StorageException extends RuntimeException {

    /** What kind of failure the database reported. */
    public enum Kind {
        /** SQLSTATE class 40 (serialization failure, deadlock) or an equivalent: retrying the transaction may succeed. */
        SERIALIZATION_FAILURE,
        /** A lock wait exceeded the lock timeout (PostgreSQL 55P03, H2 50200/HYT00, MySQL 1205). */
        LOCK_TIMEOUT,
        /** A unique constraint rejected a row (SQLSTATE 23505, MySQL 1062). */
        UNIQUE_VIOLATION,
        /**
         * The database matched a stored row to the requested key that the guard's own equality says is a different key
         * (a collation or type that compares differently). Never retried; nothing is written.
         */
        KEY_COLLISION,
        /**
         * The calling thread was interrupted while a statement waited; the statement was cancelled and the work rolled
         * back (the savepoint in joined mode). Not retried.
         */
        INTERRUPTED,
        /** Anything else. */
        OTHER
    }

    /** The classification, by SQLSTATE and vendor code. */
    private final Kind kind;

    /**
     * A classified failure.
     *
     * @param kind the classification, by SQLSTATE and vendor code; not {@code null}
     * @param message what failed, including the database's own message
     * @param cause the database's exception, usually a {@link java.sql.SQLException}
     * @throws NullPointerException if {@code kind} is {@code null}
     */
    public StorageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /**
     * The classification.
     *
     * @return how the engine should react; never {@code null}
     */
    public Kind kind() {
        return kind;
    }
}
