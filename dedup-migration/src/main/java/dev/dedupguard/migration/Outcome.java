package dev.dedupguard.migration;

/** What a step did. */
public enum Outcome {
    /** The step changed the database. */
    DONE,
    /** The database was already in the step's target state; nothing was changed. */
    ALREADY_DONE,
    /** Dry run: the result says what the step would do; nothing was changed. */
    DRY_RUN
}
