package dev.dedupguard.migration;

import dev.dedupguard.spi.StorageException;
import java.sql.SQLException;

/**
 * The steps that change the table's definition rather than its rows:
 * <ul>
 *   <li>hash check, the first step: {@code CHECK (<hash> = lower(<hash>))}, which the guard's {@code build()}
 *       requires, added without checking the rows already stored (PostgreSQL {@code NOT VALID}: no table scan under
 *       the ACCESS EXCLUSIVE lock it needs for a moment; MariaDB {@code check_constraint_checks=OFF} for the online
 *       table copy, {@code ALGORITHM=COPY, LOCK=NONE}). From then on the database refuses an upper-case hash in every
 *       row inserted or updated, so the writers' guard can be built while legacy rows still hold upper-case hashes;
 *       on PostgreSQL it is validated at once when no stored hash needs lower-casing;</li>
 *   <li>attach: the valid unique index becomes the unique constraint ({@code ADD CONSTRAINT ... UNIQUE USING INDEX};
 *       on MariaDB the unique key already is the constraint);</li>
 *   <li>validate, the last step: proves that no stored hash violates the check, once resolve has lower-cased them
 *       (PostgreSQL {@code VALIDATE CONSTRAINT}, which scans under a lock writers do not wait for; MariaDB, which
 *       records no validation, a count of rows whose hash is not lower case, which must be 0).</li>
 * </ul>
 * Each {@code ALTER TABLE} needs the table's lock for a moment and waits for it at most the lock timeout, retried
 * while the table is busy, so writers queue behind it for at most that long.
 */
final class ConstraintSteps {
    private final MigrationContext ctx;
    private final MigrationDialect sql;
    private final Reporter reporter;

    ConstraintSteps(MigrationContext ctx, Reporter reporter) {
        this.ctx = ctx;
        this.sql = ctx.sql;
        this.reporter = reporter;
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
            if (hashCheck.state() != MigrationStatus.HashCheckState.ABSENT) {
                return ctx.result(Step.HASH_CHECK, Outcome.ALREADY_DONE, 0, 0, 0, 0, start, "CHECK constraint "
                        + hashCheck.name() + " keeps new hashes lower case");
            }
            String add = sql.addHashCheck();
            String validate = sql.validateHashCheck();
            if (ctx.dryRun) {
                ctx.preflight.require(mc.c);
                long nonCanonical = mc.queryLong(sql.nonCanonicalHashes());
                return ctx.result(Step.HASH_CHECK, Outcome.DRY_RUN, 0, 0, 0, 0, start, "would run " + add
                        + (nonCanonical > 0 ? "; " + nonCanonical + " stored hashes are not lower case yet, for"
                        + " resolve() to lower-case" : validate == null ? "" : ", then " + validate));
            }
            return mc.locked(Step.HASH_CHECK, () -> {
                ctx.preflight.require(mc.c);
                int attempts = alter(mc, Step.HASH_CHECK, add);
                long nonCanonical = mc.queryLong(sql.nonCanonicalHashes());
                String added = "added " + ctx.target.hashCheck() + " " + sql.hashCheckDefinition();
                if (nonCanonical > 0) {
                    return ctx.result(Step.HASH_CHECK, Outcome.DONE, 0, 0, attempts, 0, start, added + " for every"
                            + " row written from now on (" + sql.unvalidated() + "); " + nonCanonical + " stored hashes"
                            + " are not lower case yet: resolve() lower-cases them, validateHashCheck() then proves"
                            + " none is left");
                }
                if (validate != null) {
                    mc.execute(validate);
                    attempts++;
                }
                return ctx.result(Step.HASH_CHECK, Outcome.DONE, 0, 0, attempts, 0, start, added + " (every stored"
                        + " hash is lower case" + (validate == null ? ")" : ": validated)"));
            });
        } catch (SQLException e) {
            throw ctx.failed(Step.HASH_CHECK, e);
        }
    }

    StepResult validateHashCheck() {
        long start = System.nanoTime();
        try (MigrationConnection mc = ctx.open()) {
            Catalog.HashCheck hashCheck = reporter.hashCheck(mc);
            if (hashCheck.state() == MigrationStatus.HashCheckState.VALID) {
                return ctx.result(Step.VALIDATE_HASH_CHECK, Outcome.ALREADY_DONE, 0, 0, 0, 0, start,
                        "CHECK constraint " + hashCheck.name() + " is validated");
            }
            if (hashCheck.state() == MigrationStatus.HashCheckState.ABSENT) {
                if (ctx.dryRun) {
                    ctx.preflight.require(mc.c);
                    return ctx.result(Step.VALIDATE_HASH_CHECK, Outcome.DRY_RUN, 0, 0, 0, 0, start, "would validate "
                            + ctx.target.hashCheck() + " once addHashCheck() has added it and resolve() has"
                            + " lower-cased the stored hashes");
                }
                throw new IllegalStateException("validateHashCheck() needs the CHECK constraint "
                        + ctx.target.hashCheck() + " on " + ctx.table() + "; run addHashCheck() first");
            }
            long nonCanonical = mc.queryLong(sql.nonCanonicalHashes());
            if (nonCanonical > 0) {
                if (ctx.dryRun) {
                    ctx.preflight.require(mc.c);
                    return ctx.result(Step.VALIDATE_HASH_CHECK, Outcome.DRY_RUN, 0, 0, 0, 0, start, "would validate "
                            + hashCheck.name() + " once resolve() has lower-cased " + nonCanonical + " stored hashes");
                }
                throw new IllegalStateException("validateHashCheck(): " + nonCanonical + " stored hashes of "
                        + ctx.table() + " are not lower case (newest ids " + String.join(", ",
                        mc.queryStrings(sql.newestNonCanonical())) + "), so " + hashCheck.name() + " cannot be"
                        + " validated; run resolve() first, which lower-cases them");
            }
            String validate = sql.validateHashCheck();
            if (validate == null) {
                return ctx.result(Step.VALIDATE_HASH_CHECK, Outcome.ALREADY_DONE, 0, 0, 0, 0, start,
                        "CHECK constraint " + hashCheck.name() + " is in place and no stored hash violates it"
                        + " (counted now)");
            }
            if (ctx.dryRun) {
                ctx.preflight.require(mc.c);
                return ctx.result(Step.VALIDATE_HASH_CHECK, Outcome.DRY_RUN, 0, 0, 0, 0, start, "would run "
                        + validate);
            }
            return mc.locked(Step.VALIDATE_HASH_CHECK, () -> {
                ctx.preflight.require(mc.c);
                mc.execute(validate);
                return ctx.result(Step.VALIDATE_HASH_CHECK, Outcome.DONE, 0, 0, 1, 0, start, "validated "
                        + hashCheck.name() + ": every stored hash is lower case");
            });
        } catch (SQLException e) {
            throw ctx.failed(Step.VALIDATE_HASH_CHECK, e);
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
