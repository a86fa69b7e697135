package dev.dedupguard.migration;

import dev.dedupguard.spi.StorageException;
import java.sql.SQLException;

/**
 * The last two steps, each one {@code ALTER TABLE} that needs the table's lock for a moment and waits for it at most
 * the lock timeout, retried while the table is busy, so writers queue behind it for at most that long:
 * <ul>
 *   <li>attach: the valid unique index becomes the unique constraint ({@code ADD CONSTRAINT ... UNIQUE USING INDEX};
 *       on MariaDB the unique key already is the constraint);</li>
 *   <li>hash check: {@code CHECK (<hash> = lower(<hash>))}, which the guard's {@code build()} requires. PostgreSQL
 *       adds it {@code NOT VALID} (no table scan under the lock), then {@code VALIDATE CONSTRAINT} scans the table
 *       under a lock writers do not wait for; MariaDB copies the table with the check online
 *       ({@code ALGORITHM=COPY, LOCK=NONE}).</li>
 * </ul>
 */
final class ConstraintSteps {
    private final MigrationContext ctx;
    private final MigrationDialect sql;
    private final Reporter reporter;
    private final Resolver resolver;

    ConstraintSteps(MigrationContext ctx, Reporter reporter, Resolver resolver) {
        this.ctx = ctx;
        this.sql = ctx.sql;
        this.reporter = reporter;
        this.resolver = resolver;
    }

    StepResult attachConstraint() {
        long start = System.nanoTime();
        try (MigrationConnection mc = ctx.open()) {
            Catalog.UniqueKey key = reporter.uniqueKey(mc);
            if (key.constraint()) {
                return ctx.result(Step.ATTACH_CONSTRAINT, Outcome.ALREADY_DONE, 0, 0, 0, 0, start,
                        (key.name().equals(ctx.target.constraint()) ? "constraint " : "the equivalent unique key ")
                                + key.name() + " exists");
            }
            String attach = sql.attachConstraint();
            if (ctx.dryRun) {
                ctx.preflight.require(mc.c);
                return ctx.result(Step.ATTACH_CONSTRAINT, Outcome.DRY_RUN, 0, 0, 0, 0, start, attach == null
                        ? "nothing to attach: the unique key createUniqueIndex() builds is the constraint"
                        : "would run " + attach + " (lock timeout " + sql.lockWait() + ")");
            }
            if (key.state() != MigrationStatus.IndexState.VALID || attach == null) {
                throw new IllegalStateException("attachConstraint() needs a valid unique index "
                        + ctx.target.constraint() + " on " + ctx.table() + "; run createUniqueIndex() first");
            }
            return mc.locked(Step.ATTACH_CONSTRAINT, () -> {
                ctx.preflight.require(mc.c);
                int attempts = alter(mc, Step.ATTACH_CONSTRAINT, attach);
                return ctx.result(Step.ATTACH_CONSTRAINT, Outcome.DONE, 0, 0, attempts, 0, start, "attached "
                        + ctx.target.constraint() + " as the unique constraint" + (attempts == 1 ? ""
                        : " (attempt " + attempts + ")"));
            });
        } catch (SQLException e) {
            throw ctx.failed(Step.ATTACH_CONSTRAINT, e);
        }
    }

    StepResult addHashCheck() {
        long start = System.nanoTime();
        try (MigrationConnection mc = ctx.open()) {
            Catalog.HashCheck hashCheck = reporter.hashCheck(mc);
            if (hashCheck.state() == MigrationStatus.HashCheckState.VALID) {
                return ctx.result(Step.HASH_CHECK, Outcome.ALREADY_DONE, 0, 0, 0, 0, start, "CHECK constraint "
                        + hashCheck.name() + " keeps hashes lower case");
            }
            long nonCanonical = mc.queryLong(sql.nonCanonicalHashes());
            if (ctx.dryRun) {
                ctx.preflight.require(mc.c);
                return ctx.result(Step.HASH_CHECK, Outcome.DRY_RUN, 0, nonCanonical, 0, 0, start, "would add "
                        + ctx.target.hashCheck() + " " + sql.hashCheckDefinition() + (nonCanonical == 0 ? ""
                        : " after lower-casing " + nonCanonical + " hashes"));
            }
            if (nonCanonical > 0) {
                throw new IllegalStateException("addHashCheck() needs every stored hash of " + ctx.table()
                        + " in lower case, and " + nonCanonical + " are not; run resolve() first");
            }
            return mc.locked(Step.HASH_CHECK, () -> {
                ctx.preflight.require(mc.c);
                return check(mc, hashCheck.state(), start);
            });
        } catch (SQLException e) {
            throw ctx.failed(Step.HASH_CHECK, e);
        }
    }

    /**
     * Adds and validates the check. A row with an upper-case hash inserted after the last resolve fails it; that
     * row is resolved and the check tried once more.
     */
    private StepResult check(MigrationConnection mc, MigrationStatus.HashCheckState state, long start)
            throws SQLException {
        int attempts = 0;
        long rewritten = 0;
        for (int tries = 1; ; tries++) {
            try {
                if (state == MigrationStatus.HashCheckState.ABSENT) {
                    attempts += alter(mc, Step.HASH_CHECK, sql.addHashCheck());
                }
                if (Catalog.hashCheck(Catalog.checks(mc.c, sql), sql).state()
                        == MigrationStatus.HashCheckState.NOT_VALID) {
                    mc.execute(sql.validateHashCheck());
                    attempts++;
                }
                return ctx.result(Step.HASH_CHECK, Outcome.DONE, 0, rewritten, attempts, 0, start, "added "
                        + ctx.target.hashCheck() + " " + sql.hashCheckDefinition());
            } catch (SQLException e) {
                if (!sql.isCheckViolation(e) || tries >= 2) {
                    throw e;
                }
                Resolver.Resolution r = resolver.run(mc, true);
                rewritten += r.rewritten();
                state = Catalog.hashCheck(Catalog.checks(mc.c, sql), sql).state();
                ctx.emit(Step.HASH_CHECK, -1, -1, "a row with an upper-case hash was stored meanwhile ("
                        + MigrationContext.firstLine(e) + "); lower-cased " + r.rewritten() + " hashes, trying again");
            }
        }
    }

    /** Runs one {@code ALTER TABLE} under the lock timeout, retried while the lock is busy; returns attempts. */
    private int alter(MigrationConnection mc, Step step, String statement) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                if (sql.alterInTransaction()) {
                    mc.c.setAutoCommit(false);
                    mc.executeAll(sql.beginTransaction());
                }
                mc.execute(statement);
                if (sql.alterInTransaction()) {
                    mc.c.commit();
                }
                return attempt;
            } catch (SQLException e) {
                if (sql.alterInTransaction()) {
                    mc.c.rollback();
                }
                if (sql.kindOf(e) != StorageException.Kind.LOCK_TIMEOUT || attempt >= ctx.attachAttempts) {
                    throw e;
                }
                ctx.emit(step, attempt, ctx.attachAttempts, "table lock not granted within " + sql.lockWait()
                        + "; retrying");
                MigrationContext.pause(Math.min(2000, 100L * attempt));
            } finally {
                mc.c.setAutoCommit(true);
            }
        }
    }
}
