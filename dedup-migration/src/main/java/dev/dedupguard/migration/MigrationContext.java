package dev.dedupguard.migration;

import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * What every step of one migration shares: the data source, the database's statements for the resolved table, the
 * settings, the progress listener and the pre-flight checks. Immutable.
 */
final class MigrationContext {
    final DataSource dataSource;
    final MigrationDialect.Database database;
    final MigrationDialect sql;
    final MigrationTarget target;
    final boolean dryRun;
    final int batchSize;
    final @Nullable ChildRows childRows;
    final Consumer<Progress> progress;
    final boolean progressListened;
    final Duration lockTimeout;
    final int indexAttempts;
    final int attachAttempts;
    final int resolvePasses;
    final Duration progressInterval;
    final Preflight preflight;

    MigrationContext(DataSource dataSource, MigrationDialect.Database database, MigrationDialect sql, boolean dryRun,
            int batchSize,
            @Nullable ChildRows childRows, @Nullable Consumer<Progress> progress, Duration lockTimeout,
            int indexAttempts, int attachAttempts, int resolvePasses, Duration progressInterval) {
        this.dataSource = dataSource;
        this.database = database;
        this.sql = sql;
        this.target = sql.t;
        this.dryRun = dryRun;
        this.batchSize = batchSize;
        this.childRows = childRows;
        this.progress = progress == null ? p -> { } : progress;
        this.progressListened = progress != null;
        this.lockTimeout = lockTimeout;
        this.indexAttempts = indexAttempts;
        this.attachAttempts = attachAttempts;
        this.resolvePasses = resolvePasses;
        this.progressInterval = progressInterval;
        this.preflight = new Preflight(this);
    }

    /** The table as the user named it, for messages and results. */
    String table() {
        return target.given();
    }

    void emit(Step step, long done, long total, String message) {
        progress.accept(new Progress(step, done, total, message));
    }

    MigrationConnection open() throws SQLException {
        return MigrationConnection.open(this);
    }

    StepResult result(Step step, Outcome outcome, long rows, long rewritten, int attempts, int dropped,
            long startNanos, String detail) {
        return new StepResult(step, outcome, rows, rewritten, attempts, dropped,
                (System.nanoTime() - startNanos) / 1_000_000, detail);
    }

    MigrationException failed(Step step, SQLException e) {
        return new MigrationException(step + " on " + table() + " failed: SQLSTATE " + e.getSQLState() + " "
                + firstLine(e) + "; the step can be run again, it starts from the state it finds", e);
    }

    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException("interrupted while waiting to retry", e);
        }
    }
}
