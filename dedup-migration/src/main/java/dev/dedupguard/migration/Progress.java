package dev.dedupguard.migration;

/**
 * A progress event of a long step, handed to the listener set with {@link DedupMigration.Builder#progress}. Events
 * arrive on the thread that runs the step, except index-build progress, which a polling thread reports.
 *
 * @param step the step that reports
 * @param done units done so far (rows moved, or blocks/tuples of the index build); {@code -1} when not countable
 * @param total units in all, or {@code -1} when not known
 * @param message what happens, for a human (e.g. {@code "moved 500 of 1000 rows"})
 */
public record Progress(Step step, long done, long total, String message) {
}
