package dev.dedupguard;

import org.jspecify.annotations.Nullable;

/**
 * Who made a registration attempt and on behalf of what, as the {@linkplain AttemptLog attempt log} records it: the
 * actor (a user name, a service account) and an optional reference of the host's (a request id, an upload id). Both
 * are free text of at most {@value #MAX_LENGTH} characters without control characters, or absent.
 *
 * @param actor who made the attempt, or {@code null} if the host does not know
 * @param reference the host's reference for the attempt (request or upload id), or {@code null}
 */
public record AttemptContext(@Nullable String actor, @Nullable String reference) {
    /** The longest actor or reference, in characters: 255. */
    public static final int MAX_LENGTH = 255;
    /** No actor and no reference. */
    public static final AttemptContext NONE = new AttemptContext(null, null);

    /**
     * Validates both fields.
     *
     * @param actor who made the attempt, or {@code null}
     * @param reference the host's reference, or {@code null}
     * @throws IllegalArgumentException naming the field and its value if it is empty, longer than {@value #MAX_LENGTH}
     *     characters, or holds a control character or an unpaired surrogate
     */
    public AttemptContext {
        check("actor", actor);
        check("reference", reference);
    }

    /**
     * An attempt made by {@code actor}, without a reference.
     *
     * @param actor who made the attempt; see {@link AttemptContext#AttemptContext}
     * @return a new context
     */
    public static AttemptContext actor(@Nullable String actor) {
        return new AttemptContext(actor, null);
    }

    /**
     * An attempt made by {@code actor} for the host's {@code reference}.
     *
     * @param actor who made the attempt, or {@code null}
     * @param reference the host's reference, or {@code null}
     * @return a new context
     */
    public static AttemptContext of(@Nullable String actor, @Nullable String reference) {
        return new AttemptContext(actor, reference);
    }

    private static void check(String field, @Nullable String value) {
        if (value == null) {
            return;
        }
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(field + " must be 1 to " + MAX_LENGTH + " characters or null, was "
                    + value.length() + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean unpaired = Character.isHighSurrogate(c)
                    ? i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(++i))
                    : Character.isLowSurrogate(c);
            if (Character.isISOControl(c) || unpaired) {
                throw new IllegalArgumentException(field + " must not hold control characters or unpaired surrogates;"
                        + " U+" + String.format("%04X", (int) c) + " at index " + i);
            }
        }
    }
}
