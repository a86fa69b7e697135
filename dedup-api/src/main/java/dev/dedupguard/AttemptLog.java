package dev.dedupguard;

import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Whether and where a guard keeps its attempt log: one append-only row per {@link DuplicateGuard#register} call and per
 * element of {@link DuplicateGuard#registerAll}, written in the registration's own transaction, with the key as given,
 * the answer, the id of the row it names, the {@link AttemptContext} (actor, reference) and the database's time. Off
 * by default ({@link #OFF}). Immutable.
 *
 * <p>The table must exist with the columns of the shipped DDL ({@code dev/dedupguard/schema/attempt/*.sql}); a guard's
 * {@code build()} refuses a table it cannot write, with the DDL. Calls refused before any database work (invalid input)
 * are not logged. See the README's section for auditors.
 */
public final class AttemptLog {
    /** The name of the log table unless one is given: {@value}. */
    public static final String DEFAULT_TABLE = "dedup_attempt";
    /** No attempt log. */
    public static final AttemptLog OFF = new AttemptLog(false, DEFAULT_TABLE, () -> AttemptContext.NONE);

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private final boolean enabled;
    private final String table;
    private final Supplier<AttemptContext> context;

    private AttemptLog(boolean enabled, String table, Supplier<AttemptContext> context) {
        this.enabled = enabled;
        this.table = table;
        this.context = context;
    }

    /**
     * The log in table {@value #DEFAULT_TABLE}, with no context unless a call gives one.
     *
     * @return an enabled log
     */
    public static AttemptLog enabled() {
        return in(DEFAULT_TABLE);
    }

    /**
     * The log in {@code table}, with no context unless a call gives one.
     *
     * @param table an unquoted SQL identifier, optionally schema-qualified ({@code audit.dedup_attempt})
     * @return an enabled log
     * @throws IllegalArgumentException if {@code table} is not such an identifier
     */
    public static AttemptLog in(String table) {
        if (table == null || !PLAIN.matcher(table).matches()) {
            throw new IllegalArgumentException("attempt log table must be an unquoted SQL identifier, optionally "
                    + "schema-qualified (letters, digits, _), was " + (table == null ? "null" : "'" + table + "'"));
        }
        return new AttemptLog(true, table, () -> AttemptContext.NONE);
    }

    /**
     * This log, taking the context of calls that give none from {@code context} (e.g. the signed-in user of the
     * request). The supplier runs on the calling thread before any database work; if it throws, the call fails with
     * that exception and nothing is logged.
     *
     * @param context supplies the actor and reference; may return {@code null} for none
     * @return a new log with the supplier
     * @throws IllegalStateException if this log is {@link #OFF}
     */
    public AttemptLog withContext(Supplier<AttemptContext> context) {
        Objects.requireNonNull(context, "context must not be null");
        if (!enabled) {
            throw new IllegalStateException("the attempt log is off: start from AttemptLog.enabled() or in(table)");
        }
        return new AttemptLog(true, table, context);
    }

    /**
     * Whether attempts are logged.
     *
     * @return {@code false} exactly for {@link #OFF}
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * The log table.
     *
     * @return an unquoted identifier, optionally schema-qualified
     */
    public String table() {
        return table;
    }

    /**
     * The context of a call that gives none, from the supplier set by {@link #withContext}.
     *
     * @return the supplier's context, or {@link AttemptContext#NONE} if it returned {@code null}
     */
    public AttemptContext currentContext() {
        AttemptContext c = context.get();
        return c == null ? AttemptContext.NONE : c;
    }

    @Override
    public String toString() {
        return enabled ? "AttemptLog[" + table + "]" : "AttemptLog[off]";
    }
}
