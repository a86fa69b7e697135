package dev.dedupguard.migration;

import dev.dedupguard.spi.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The index step: builds the unique key on the key columns without blocking writers, on an auto-commit connection
 * (PostgreSQL: {@code CREATE UNIQUE INDEX CONCURRENTLY}; MariaDB: {@code ADD UNIQUE KEY ... ALGORITHM=INPLACE,
 * LOCK=NONE}):
 * <ol>
 *   <li>if the unique key (or an equivalent one) is in place: nothing to do;</li>
 *   <li>if a failed build left an invalid index (PostgreSQL): drop it ({@code DROP INDEX CONCURRENTLY});</li>
 *   <li>resolve what duplicates are left;</li>
 *   <li>build; if it failed on a duplicate that slipped in, or on the table's lock, or left an invalid index: back to
 *       step 2, up to {@code indexAttempts} builds; then fail, naming the rows that slipped in.</li>
 * </ol>
 */
final class IndexBuilder {
    private final MigrationContext ctx;
    private final MigrationDialect sql;
    private final Reporter reporter;
    private final Resolver resolver;

    IndexBuilder(MigrationContext ctx, Reporter reporter, Resolver resolver) {
        this.ctx = ctx;
        this.sql = ctx.sql;
        this.reporter = reporter;
        this.resolver = resolver;
    }

    StepResult createUniqueIndex() {
        long start = System.nanoTime();
        try (MigrationConnection mc = ctx.open()) {
            Catalog.UniqueKey key = reporter.uniqueKey(mc);
            if (key.constraint() || key.state() == MigrationStatus.IndexState.VALID) {
                return ctx.result(Step.CREATE_INDEX, Outcome.ALREADY_DONE, 0, 0, 0, 0, start, present(key));
            }
            if (ctx.dryRun) {
                ctx.preflight.require(mc.c);
                return ctx.result(Step.CREATE_INDEX, Outcome.DRY_RUN, reporter.status(mc).rowsToRemove(), 0, 0, 0,
                        start, (key.state() == MigrationStatus.IndexState.INVALID ? "would drop the invalid index "
                                + key.name() + ", then " : "would ") + "run " + sql.createIndex());
            }
            return mc.locked(Step.CREATE_INDEX, () -> {
                ctx.preflight.require(mc.c);
                return build(mc, start);
            });
        } catch (SQLException e) {
            throw ctx.failed(Step.CREATE_INDEX, e);
        }
    }

    private String present(Catalog.UniqueKey key) {
        if (!key.name().equals(ctx.target.constraint())) {
            return "the equivalent unique key " + key.name() + " exists";
        }
        return key.constraint() ? "constraint " + key.name() + " exists" : "index " + key.name()
                + " exists and is valid";
    }

    private StepResult build(MigrationConnection mc, long start) throws SQLException {
        int attempts = 0;
        int dropped = 0;
        long moved = 0;
        long rewritten = 0;
        List<String> slipped = new ArrayList<>();
        while (true) {
            if (state(mc) == MigrationStatus.IndexState.INVALID) {
                ctx.emit(Step.CREATE_INDEX, -1, -1, "dropping the invalid index " + ctx.target.constraint()
                        + " (DROP INDEX CONCURRENTLY)");
                mc.execute(sql.dropInvalidIndex());
                dropped++;
            }
            Resolver.Resolution r = resolver.run(mc, attempts > 0);
            moved += r.moved();
            rewritten += r.rewritten();
            if (attempts > 0 && r.moved() > 0) {
                slipped = r.newest();
            }
            attempts++;
            ctx.emit(Step.CREATE_INDEX, -1, -1, "building unique index " + ctx.target.constraint() + " online"
                    + " (attempt " + attempts + " of " + ctx.indexAttempts + "; waits for older transactions)");
            SQLException failure = null;
            BuildProgress poller = new BuildProgress(mc.c);
            try {
                mc.execute(sql.createIndex());
            } catch (SQLException e) {
                StorageException.Kind kind = sql.kindOf(e);
                if (kind != StorageException.Kind.UNIQUE_VIOLATION && kind != StorageException.Kind.LOCK_TIMEOUT) {
                    throw e;
                }
                failure = e;
            } finally {
                poller.stop();
            }
            if (failure == null && state(mc) == MigrationStatus.IndexState.VALID) {
                return ctx.result(Step.CREATE_INDEX, Outcome.DONE, moved, rewritten, attempts, dropped, start,
                        "built " + ctx.target.constraint() + " in " + attempts + " attempt" + (attempts == 1 ? "" : "s")
                        + (dropped == 0 ? "" : ", dropped " + dropped + " invalid index" + (dropped == 1 ? ""
                        : "es")) + (moved == 0 ? "" : ", resolved " + moved + " new duplicate rows"));
            }
            String why = failure == null ? "the build left an index that is not valid"
                    : sql.kindOf(failure) == StorageException.Kind.UNIQUE_VIOLATION
                    ? "a duplicate was inserted during the build (" + oneLine(failure) + ")"
                    : "the table's lock was not granted in time (" + oneLine(failure) + ")";
            if (attempts >= ctx.indexAttempts) {
                throw new MigrationException("building the unique index " + ctx.target.constraint() + " on "
                        + ctx.target.qualified() + " failed " + attempts + " times (indexAttempts), last because "
                        + why + (slipped.isEmpty() ? "" : "; rows that slipped in between the attempts, now in "
                        + ctx.target.quarantine() + ": " + String.join("; ", slipped)) + ". Something inserts"
                        + " duplicates without the guard's SELECT_FOR_UPDATE: stop it or route it through the guard,"
                        + " then run createUniqueIndex() again (it drops what a failed build left)", failure);
            }
            ctx.emit(Step.CREATE_INDEX, -1, -1, "build failed: " + why + "; the index enforces nothing, dropping"
                    + " it and resolving");
        }
    }

    private MigrationStatus.IndexState state(MigrationConnection mc) throws SQLException {
        return Catalog.uniqueKey(Catalog.indexes(mc.c, sql), ctx.target).state();
    }

    private static String oneLine(SQLException e) {
        return String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** Polls the database's progress view for the building session while it runs; silent without a listener. */
    private final class BuildProgress {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        BuildProgress(Connection build) throws SQLException {
            if (!ctx.progressListened) {
                thread = null;
                return;
            }
            long session;
            try (PreparedStatement ps = build.prepareStatement(sql.sessionId()); ResultSet rs = ps.executeQuery()) {
                rs.next();
                session = rs.getLong(1);
            }
            thread = new Thread(() -> poll(session), "dedup-migration-index-progress");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll(long session) {
            String last = "";
            try (Connection c = ctx.dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(sql.buildProgress())) {
                c.setAutoCommit(true);
                ps.setLong(1, session);
                while (running.get()) {
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            long done = rs.getLong(2);
                            long total = rs.getLong(3);
                            String line = rs.getString(1) + (total > 0 ? String.format(Locale.ROOT, ": %d%%",
                                    done * 100 / total) : "");
                            if (!line.equals(last)) {
                                ctx.emit(Step.CREATE_INDEX, done, total, line);
                                last = line;
                            }
                        }
                    }
                    Thread.sleep(ctx.progressInterval.toMillis());
                }
            } catch (SQLException e) {
                ctx.emit(Step.CREATE_INDEX, -1, -1, "progress not available: " + MigrationContext.firstLine(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            if (thread != null) {
                running.set(false);
                thread.interrupt();
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
