package dev.dedupguard.migration;

import java.util.List;

/**
 * What the doctor ({@link DedupMigration.Builder#doctor()}) found about a host table on a live database, having
 * changed nothing: every check the guard's {@code build()} makes, the migration's pre-flight checks, and the
 * migration's report (duplicate groups, non-canonical hashes, indexes, the hash check, engines, referencing foreign
 * keys, the quarantine).
 *
 * @param table the host table, as given
 * @param database the database product and version
 * @param findings every finding, in the order the checks ran
 */
public record DoctorReport(String table, String database, List<Finding> findings) {

    /**
     * Copies {@code findings}.
     *
     * @param table the host table, as given
     * @param database the database product and version
     * @param findings every finding
     */
    public DoctorReport {
        findings = List.copyOf(findings);
    }

    /** @return the findings of severity {@link Finding.Severity#PROBLEM} */
    public List<Finding> problems() {
        return findings.stream().filter(f -> f.severity() == Finding.Severity.PROBLEM).toList();
    }

    /** @return whether nothing is in the way: no finding is a {@link Finding.Severity#PROBLEM} */
    public boolean healthy() {
        return problems().isEmpty();
    }

    /**
     * The report as text, one finding per line ({@code [PROBLEM] check: found}), each fix on an indented line after
     * it, then a summary line.
     *
     * @return the text, ending with a line break
     */
    public String render() {
        StringBuilder out = new StringBuilder("dedup-guard doctor: " + table + " on " + database
                + " (read only, nothing changed)\n");
        for (Finding f : findings) {
            out.append(String.format("  %-9s %s: %s%n", "[" + f.severity() + "]", f.check(), f.found()));
            if (!f.fix().isEmpty()) {
                out.append("            fix: ").append(f.fix()).append('\n');
            }
        }
        int problems = problems().size();
        out.append(problems == 0 ? "no problems: the guard can be built on this table\n" : problems + " problem"
                + (problems == 1 ? "" : "s") + " to fix\n");
        return out.toString();
    }
}
