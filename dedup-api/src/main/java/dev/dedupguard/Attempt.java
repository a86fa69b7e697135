package dev.dedupguard;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One registration attempt as the {@linkplain AttemptLog attempt log} holds it: what was asked, what the guard
 * answered, who asked, and when by the database's clock.
 *
 * @param sequence the attempt's position in the log: increasing in the order the attempts' rows were inserted
 *     (not necessarily the order their transactions committed)
 * @param key the key as the call gave it (scope, content hash, file name as given)
 * @param outcome what the guard answered
 * @param refusal for {@link Outcome#REFUSED}, the simple name of the exception the caller got (e.g.
 *     {@code LockTimeoutException}); {@code null} otherwise
 * @param storedId the id of the row the answer names: the new row, or the row that already held the key; {@code null}
 *     for a refusal
 * @param actor who made the attempt ({@link AttemptContext#actor()}), or {@code null}
 * @param reference the host's reference ({@link AttemptContext#reference()}), or {@code null}
 * @param recordedAt when the database recorded the attempt: its {@code CURRENT_TIMESTAMP} in the attempt's transaction
 */
public record Attempt(long sequence, FileKey key, Outcome outcome, @Nullable String refusal, @Nullable Long storedId,
        @Nullable String actor, @Nullable String reference, Instant recordedAt) {

    /** What the guard answered an attempt. */
    public enum Outcome {
        /** The call stored the file ({@link Registration.New}). */
        NEW,
        /** The file was already registered ({@link Registration.Duplicate}). */
        DUPLICATE,
        /** The call failed after it reached the database; {@link Attempt#refusal()} names the exception. */
        REFUSED
    }

    /**
     * Checks that the parts fit together.
     *
     * @param sequence the attempt's position in the log
     * @param key the key as given; not {@code null}
     * @param outcome what the guard answered; not {@code null}
     * @param refusal the exception's simple name, exactly for {@link Outcome#REFUSED}
     * @param storedId the id of the row the answer names, exactly for {@link Outcome#NEW} and {@link Outcome#DUPLICATE}
     * @param actor who made the attempt, or {@code null}
     * @param reference the host's reference, or {@code null}
     * @param recordedAt the database's time of the attempt; not {@code null}
     * @throws NullPointerException if {@code key}, {@code outcome} or {@code recordedAt} is {@code null}
     * @throws IllegalArgumentException if {@code refusal} or {@code storedId} does not fit {@code outcome}
     */
    public Attempt {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(recordedAt, "recordedAt");
        boolean refused = outcome == Outcome.REFUSED;
        if (refused != (refusal != null) || refused == (storedId != null)) {
            throw new IllegalArgumentException("a refused attempt has a refusal and no stored id, another one a stored id"
                    + " and no refusal: " + outcome + ", refusal " + refusal + ", storedId " + storedId);
        }
    }
}
