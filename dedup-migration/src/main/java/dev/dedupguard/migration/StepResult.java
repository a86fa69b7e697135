package dev.dedupguard.migration;

/**
 * What one step of a {@link DedupMigration} did.
 *
 * @param step the step
 * @param outcome whether it changed anything
 * @param rowsMoved rows moved into the quarantine table (for a dry run of {@link Step#RESOLVE}: rows that would be
 *     moved); for {@link Step#CREATE_INDEX}, rows moved by the resolves it ran between attempts
 * @param hashesLowerCased stored hashes rewritten to lower case (for a dry run of {@link Step#RESOLVE}: hashes that
 *     would be)
 * @param attempts statements attempted: index builds for {@link Step#CREATE_INDEX}, {@code ALTER TABLE}s for
 *     {@link Step#ATTACH_CONSTRAINT}, {@link Step#HASH_CHECK} (its validation included) and
 *     {@link Step#VALIDATE_HASH_CHECK}, batches for {@link Step#RESOLVE}; 0 when nothing was run
 * @param invalidIndexesDropped invalid unique indexes dropped (a failed concurrent build leaves one behind)
 * @param millis wall-clock time of the step
 * @param detail one line for a human
 */
public record StepResult(Step step, Outcome outcome, long rowsMoved, long hashesLowerCased, int attempts,
        int invalidIndexesDropped, long millis, String detail) {
}
