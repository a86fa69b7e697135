package dev.dedupguard.spi;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One attempt-log row to write ({@link StorageSession#logAttempts}): the key as the call gave it, the answer, the row
 * it names and the call's context. The database adds the sequence and the time.
 *
 * @param key the attempt's key in stored forms ({@code key.file()} as given, {@code key.nameDigest()} for lookups)
 * @param outcome the answer
 * @param refusal for {@link Attempt.Outcome#REFUSED}, the simple name of the exception the caller gets; else
 *     {@code null}
 * @param storedId the id of the new or existing row; {@code null} exactly for a refusal
 * @param context the actor and reference
 */
public record LoggedAttempt(StoredKey key, Attempt.Outcome outcome, @Nullable String refusal, @Nullable Long storedId,
        AttemptContext context) {
    /**
     * Checks that the parts fit together, as {@link Attempt} does.
     *
     * @param key the key; not {@code null}
     * @param outcome the answer; not {@code null}
     * @param refusal the exception's simple name, exactly for a refusal
     * @param storedId the row's id, exactly for {@code NEW} and {@code DUPLICATE}
     * @param context the actor and reference; not {@code null}
     * @throws IllegalArgumentException if {@code refusal} or {@code storedId} does not fit {@code outcome}
     */
    public LoggedAttempt {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(context, "context");
        boolean refused = outcome == Attempt.Outcome.REFUSED;
        if (refused != (refusal != null) || refused == (storedId != null)) {
            throw new IllegalArgumentException("a refused attempt has a refusal and no stored id, another one a stored id"
                    + " and no refusal: " + outcome + ", refusal " + refusal + ", storedId " + storedId);
        }
    }

    /**
     * Which logged attempts to read ({@link StorageSession#attempts}): those of a scope, or of one key, with a sequence
     * above {@code after}, oldest first.
     *
     * @param scope the scope, as registrations give it
     * @param contentHash the key's content hash (lower case), or {@code null} for the whole scope
     * @param nameDigest the key's {@link StoredKey#nameDigest()}, or {@code null} for the whole scope
     * @param after only attempts with a greater sequence
     * @param limit the most rows to read, at least 1
     */
    public record Query(String scope, @Nullable String contentHash, @Nullable String nameDigest, long after, int limit) {
        /**
         * Checks the parts.
         *
         * @param scope not {@code null}
         * @param contentHash the hash, given exactly when {@code nameDigest} is
         * @param nameDigest the name digest, given exactly when {@code contentHash} is
         * @param after not negative
         * @param limit at least 1
         * @throws IllegalArgumentException if a part does not fit
         */
        public Query {
            Objects.requireNonNull(scope, "scope");
            if ((contentHash == null) != (nameDigest == null) || after < 0 || limit < 1) {
                throw new IllegalArgumentException("a query names a key by hash and name digest or neither, after >= 0,"
                        + " limit >= 1: " + contentHash + ", " + nameDigest + ", " + after + ", " + limit);
            }
        }
    }
}
