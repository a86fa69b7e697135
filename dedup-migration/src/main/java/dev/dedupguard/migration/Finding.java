package dev.dedupguard.migration;

/**
 * One thing a check found about a host table: by the migration's pre-flight checks before anything moves, or by the
 * doctor ({@link DedupMigration.Builder#doctor()}).
 *
 * @param check what was checked, e.g. {@code foreign keys}
 * @param severity whether it is in order, worth knowing, or in the way
 * @param found what was found, naming the table, column or object
 * @param fix what to do about it; empty when nothing needs doing
 */
public record Finding(String check, Severity severity, String found, String fix) {

    /** How much a finding matters. */
    public enum Severity {
        /** In order. */
        OK,
        /** Worth knowing; in nobody's way. */
        NOTE,
        /** In the way of the migration or of the guard's {@code build()}: fix it first. */
        PROBLEM
    }

    static Finding ok(String check, String found) {
        return new Finding(check, Severity.OK, found, "");
    }

    static Finding note(String check, String found, String fix) {
        return new Finding(check, Severity.NOTE, found, fix);
    }

    static Finding problem(String check, String found, String fix) {
        return new Finding(check, Severity.PROBLEM, found, fix);
    }
}
