package dev.dedupguard.spring.boot;

import java.util.Objects;

/**
 * Thrown while the starter configures the guard, when it cannot: a {@code dedup-guard.*} property out of range or
 * missing, a jOOQ or Hibernate version the backend does not support, a schema that does not fit. Spring Boot shows
 * it through {@link DedupGuardFailureAnalyzer} as a "Description / Action" report: {@link #description()} says what
 * is wrong in terms of the application's configuration (the property and its value, never a builder method), and
 * {@link #action()} says what to change.
 */
public class DedupGuardConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What is wrong, in terms of the application's configuration. */
    private final String description;
    /** What to change. */
    private final String action;

    /**
     * A configuration failure.
     *
     * @param description what is wrong, naming the {@code dedup-guard.*} property and its value where one is at fault
     * @param action what to change
     * @param cause the library's exception behind it, or {@code null}
     */
    public DedupGuardConfigurationException(String description, String action, Throwable cause) {
        super(Objects.requireNonNull(description, "description must not be null"), cause);
        this.description = description;
        this.action = Objects.requireNonNull(action, "action must not be null");
    }

    /**
     * What is wrong.
     *
     * @return the description, which is also the exception's message
     */
    public String description() {
        return description;
    }

    /**
     * What to change.
     *
     * @return the action
     */
    public String action() {
        return action;
    }
}
