package dev.dedupguard;

import java.time.Duration;
import java.util.Locale;

/**
 * Observes what a guard does, for metrics or tracing; set with {@link AbstractGuardBuilder#listener(GuardListener)}.
 * Every method has a no-op default, so an implementation overrides only what it needs.
 *
 * <p><b>Contract.</b> The guard calls the listener synchronously on the registering thread, after the database
 * work of the call is over (in joined mode: before the caller commits). Events carry no scope, content hash or
 * file name, only values from small fixed sets, so that they can become metric tags without unbounded cardinality.
 * Input rejected with {@link IllegalArgumentException} before any database work produces no event. A listener
 * must be thread-safe (one guard serves many threads) and fast. A listener that throws does not change the
 * registration's result: the guard catches the exception, logs the first such failure in the JVM at
 * {@code WARNING} and later ones at {@code DEBUG} on the {@link System.Logger} named {@code dev.dedupguard}.
 */
public interface GuardListener {

    /** A listener that ignores every event: the default of every guard. */
    GuardListener NONE = new GuardListener() {
    };

    /**
     * One {@link DuplicateGuard#register} call finished, with a result or an exception.
     *
     * @param event the call's backend, strategy, outcome and duration
     */
    default void registered(RegistrationEvent event) {
    }

    /**
     * One {@link DuplicateGuard#registerAll} call finished, with a result or an exception.
     *
     * @param event the call's backend, strategy, counts, outcome and duration
     */
    default void batchRegistered(BatchEvent event) {
    }

    /**
     * A transaction of the guard's own is about to run again after a database failure that a retry resolves.
     *
     * @param event the backend, strategy and reason of the retry
     */
    default void retried(RetryEvent event) {
    }

    /** How a call ended. {@link #tag()} is its lower-case name, for metric tags. */
    enum Outcome {
        /** The file was stored by this call ({@link Registration.New}). */
        NEW,
        /** The file was stored earlier ({@link Registration.Duplicate}). */
        DUPLICATE,
        /** The call failed with {@link LockTimeoutException}. */
        LOCK_TIMEOUT,
        /** The call failed with {@link SerializationConflictException}. */
        SERIALIZATION_CONFLICT,
        /** The call failed with {@link KeyCollisionException}: the table compares keys differently from the guard. */
        KEY_COLLISION,
        /** The call failed with any other exception after validation. */
        ERROR;

        /**
         * The name in lower case, e.g. {@code lock_timeout}.
         *
         * @return the tag value
         */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The outcome of a call that ended with {@code failure}.
         *
         * @param failure what the call threw after validation
         * @return {@link #LOCK_TIMEOUT}, {@link #SERIALIZATION_CONFLICT}, {@link #KEY_COLLISION} or {@link #ERROR}
         */
        public static Outcome of(Throwable failure) {
            if (failure instanceof LockTimeoutException) {
                return LOCK_TIMEOUT;
            }
            if (failure instanceof SerializationConflictException) {
                return SERIALIZATION_CONFLICT;
            }
            if (failure instanceof KeyCollisionException) {
                return KEY_COLLISION;
            }
            return ERROR;
        }
    }

    /** Why a transaction of the guard's own runs again. {@link #tag()} is its lower-case name. */
    enum RetryReason {
        /** The database reported a serialization failure (SQLSTATE 40001) or a deadlock. */
        SERIALIZATION_FAILURE,
        /** {@link Strategy#SELECT_FOR_UPDATE} met a unique violation from a registration that bypassed the stripes. */
        UNIQUE_VIOLATION;

        /**
         * The name in lower case, e.g. {@code serialization_failure}.
         *
         * @return the tag value
         */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One {@code register} call.
     *
     * @param backend the backend's name, e.g. {@code jooq} or {@code jpa}
     * @param strategy the guard's strategy
     * @param outcome how the call ended
     * @param duration how long the call took, validation included
     * @param joined whether the call ran in the caller's transaction (joined mode): then its new row commits or rolls
     *     back with that transaction, after this event
     */
    record RegistrationEvent(String backend, Strategy strategy, Outcome outcome, Duration duration, boolean joined) {
    }

    /**
     * One {@code registerAll} call.
     *
     * @param backend the backend's name
     * @param strategy the guard's strategy
     * @param size the number of files passed in
     * @param newFiles how many of them this call stored; 0 if it failed
     * @param duplicates how many of them were stored earlier or occur earlier in the same input; 0 if it failed
     * @param outcome {@link Outcome#NEW} if the call returned (whatever the mix of new and duplicate files), else the
     *     failure's outcome; chunks committed before a failure are not counted
     * @param duration how long the call took
     * @param joined whether the call ran in the caller's transaction (joined mode): then its new rows commit or roll
     *     back with that transaction, after this event
     */
    record BatchEvent(String backend, Strategy strategy, int size, int newFiles, int duplicates, Outcome outcome,
            Duration duration, boolean joined) {
    }

    /**
     * One retry of a transaction of the guard's own.
     *
     * @param backend the backend's name
     * @param strategy the guard's strategy
     * @param reason why the transaction runs again
     * @param attempt the number of the attempt that failed, from 1
     */
    record RetryEvent(String backend, Strategy strategy, RetryReason reason, int attempt) {
    }
}
