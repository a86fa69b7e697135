package dev.dedupguard.migration;

import java.util.List;

/**
 * What {@link DedupMigration#run()} did.
 *
 * @param before the duplicates found at the start
 * @param steps the result of each step, in order: hash check, resolve, create index, attach constraint, validate hash
 *     check
 * @param after the state at the end
 */
public record MigrationRun(DuplicateReport before, List<StepResult> steps, MigrationStatus after) {

    /**
     * Copies {@code steps}.
     *
     * @param before the duplicates found at the start
     * @param steps each step's result
     * @param after the state at the end
     */
    public MigrationRun {
        steps = List.copyOf(steps);
    }

    /** @return whether any step changed the database (false for a dry run and for a second run) */
    public boolean changedAnything() {
        return steps.stream().anyMatch(s -> s.outcome() == Outcome.DONE);
    }

    /** @return rows moved into quarantine by all steps together */
    public long rowsMoved() {
        return steps.stream().filter(s -> s.outcome() == Outcome.DONE).mapToLong(StepResult::rowsMoved).sum();
    }
}
