package dev.dedupguard.testing;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Isolation;
import dev.dedupguard.spi.StorageBackend;
import javax.sql.DataSource;

/**
 * What a backend supplies to run the contract suite: guards on the suite's tables, the storage underneath (for
 * forced interleavings), host rows for keys, and transactions of the caller's own to join.
 *
 * @param <F> the registered type: {@link FileKey} for {@link TestTable#LIBRARY}, the backend's host row type
 *     otherwise
 */
public interface GuardBackend<F> {

    /** A guard in own-transaction mode on {@code table}, built with {@code options} (schema validated). */
    DuplicateGuard<F> guard(TestDatabase db, TestTable table, GuardOptions options);

    /**
     * A guard in own-transaction mode on the table of {@code table}'s name (with its columns) in the database
     * {@code dataSource} reaches, which the test made itself, on {@code db}'s dialect, built with {@code options} (schema
     * validated; the library table and the stripe table are created if absent, as {@code createSchemaIfMissing(true)}
     * does).
     */
    DuplicateGuard<F> guard(DataSource dataSource, TestDatabase db, TestTable table, GuardOptions options);

    /** The storage a guard built like {@link #guard} would run on, for the suite to decorate. */
    StorageBackend<F> storage(TestDatabase db, TestTable table, GuardOptions options);

    /** The host's row (or the key itself) for {@code key}, with the host's other columns filled in. */
    F file(TestTable table, FileKey key);

    /**
     * Begins a transaction of the caller's own, at {@code isolation} ({@code null}: the database default), and
     * returns a handle with a guard joined to it.
     */
    CallerTransaction<F> begin(TestDatabase db, TestTable table, GuardOptions options, Isolation isolation);

    /** A transaction the host owns, with a guard that joins it. Close rolls back if neither commit nor rollback ran. */
    interface CallerTransaction<F> extends AutoCloseable {
        /** The joined guard; use from the thread that began the transaction. */
        DuplicateGuard<F> guard();

        /** Runs host SQL in the same transaction (e.g. an insert into {@code host_audit}). */
        void execute(String sql);

        void commit();

        void rollback();

        @Override
        void close();
    }
}
