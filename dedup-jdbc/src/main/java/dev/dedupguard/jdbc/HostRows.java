package dev.dedupguard.jdbc;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a backend supplies about the rows it registers: how to read a key from what the host passes to the guard, and
 * the row that registers one file (its columns and values, or the backend's own insert, and what happens after it).
 * {@link JdbcStorage} does everything else (statements, transactions, lock timeouts, the scope in its column's type, the
 * database's ways). jOOQ's records and JPA's entities are two implementations; a third backend is a third. A row is
 * handed over as a value, so that a registration calls into the backend once per row ({@link #row}) plus whatever
 * callbacks that row carries. Thread-safe: per-transaction state lives in the {@link Transaction}.
 *
 * @param <F> the type the host registers
 */
public interface HostRows<F> {

    /**
     * The key of a file, before the guard's name policy. Must not touch the database.
     *
     * @param file what the host passed to the guard; never {@code null}
     * @return the key; never {@code null}
     * @throws IllegalArgumentException naming the field, if a value is missing or invalid
     */
    FileKey keyOf(F file);

    /**
     * Whether rows are written by the backend's own statements ({@link Row#insertedBy}) rather than the guard's: then
     * the lock timeout is put in force for the whole transaction (where the database would otherwise carry it in each of
     * the guard's statements). Read once, when the guard is built. By default {@code false}.
     *
     * @return the same answer for every row
     */
    default boolean insertsItself() {
        return false;
    }

    /**
     * A row the guard deleted ({@code release}), for a backend that keeps rows elsewhere too (a second-level cache). By
     * default nothing.
     *
     * @param id the deleted row's id
     */
    default void deleted(long id) {
    }

    /**
     * The row that registers {@code file} under {@code key}, prepared for its insert (the backend's callbacks before an
     * insert have run) but not written.
     *
     * @param transaction the transaction the row is written in: its connection, and a place for the backend's
     *     per-transaction resource
     * @param file what the host passed to the guard
     * @param key its validated key in stored forms
     * @return the row, written at most once
     */
    Row row(Transaction transaction, F file, StoredKey key);

    /**
     * The transaction a row is written in, as the backend sees it. Used by one thread.
     */
    final class Transaction {
        private final Connection connection;
        private @Nullable AutoCloseable resource;

        Transaction(Connection connection) {
            this.connection = connection;
        }

        /**
         * The transaction's connection, for a backend's own insert; it belongs to the guard, which commits and returns
         * it.
         *
         * @return the connection
         */
        public Connection connection() {
            return connection;
        }

        /**
         * What the backend kept for this transaction ({@link #keep}), e.g. an ORM session opened on its connection.
         *
         * @return the kept resource, or {@code null}
         */
        public @Nullable AutoCloseable kept() {
            return resource;
        }

        /**
         * Keeps {@code resource} for the rest of the transaction; the guard closes it when the transaction ends.
         *
         * @param resource what to keep; replaces nothing (one resource per transaction)
         * @throws IllegalStateException if a resource is already kept
         */
        public void keep(AutoCloseable resource) {
            if (this.resource != null) {
                throw new IllegalStateException("a resource is already kept for this transaction");
            }
            this.resource = Objects.requireNonNull(resource, "resource");
        }

        /** Closes the kept resource, if any; a failure to close is reported as the storage's. */
        void close() {
            AutoCloseable kept = resource;
            resource = null;
            if (kept != null) {
                try {
                    kept.close();
                } catch (Exception e) {
                    throw new StorageException(StorageException.Kind.OTHER, "closing the backend's transaction "
                            + "resource failed: " + e.getMessage(), e);
                }
            }
        }
    }

    /** Binds a row's values with the backend's own binders. */
    @FunctionalInterface
    interface Binder {
        /**
         * Binds the row's values in the order of its {@link Columns}, the first at {@code first}.
         *
         * @param statement the statement
         * @param first the index of the row's first parameter
         * @return the index after the row's last parameter
         * @throws SQLException if the driver refuses a value
         */
        int bind(PreparedStatement statement, int first) throws SQLException;
    }

    /** The backend's own insert of one row. */
    @FunctionalInterface
    interface OwnInsert {
        /**
         * Inserts the row on the transaction's connection; a unique violation is thrown as the database reports it.
         *
         * @return the new row's id
         */
        long insert();
    }

    /** What the backend does once the guard knows whether a row was stored. */
    interface Outcome {
        /**
         * The row was stored under {@code id} (e.g. the entity gets its id, post-insert callbacks run).
         *
         * @param id the new row's id
         */
        void inserted(long id);

        /** The row was not stored (a duplicate, or a failure): the host's object is put back as it was. */
        void notInserted();
    }

    /**
     * One row to insert, as a value: the columns it writes and its values (bound by the guard with {@code setObject}, or
     * by the backend's {@link Binder}), or the backend's {@link OwnInsert} for a row only the backend can write; and an
     * optional {@link Outcome}. Rows with equal columns share their statements, which are rendered once: hand over the
     * same {@link Columns} instance for the same columns so that looking them up is cheap. Immutable.
     */
    final class Row {
        private final @Nullable Columns columns;
        private final Object @Nullable [] values;
        private final @Nullable Binder binder;
        private final @Nullable OwnInsert own;
        private final @Nullable Outcome outcome;
        private final boolean outcomeCanFail;

        private Row(@Nullable Columns columns, Object @Nullable [] values, @Nullable Binder binder,
                @Nullable OwnInsert own, @Nullable Outcome outcome, boolean outcomeCanFail) {
            this.columns = columns;
            this.values = values;
            this.binder = binder;
            this.own = own;
            this.outcome = outcome;
            this.outcomeCanFail = outcomeCanFail;
        }

        /**
         * A row whose values JDBC's {@code setObject} binds as they are.
         *
         * @param columns the columns, in bind order
         * @param values one value per column (each may be {@code null}), in the column's JDBC type
         * @return the row
         * @throws IllegalArgumentException if there is not one value per column
         */
        public static Row of(Columns columns, Object[] values) {
            Objects.requireNonNull(columns, "columns");
            if (values.length != columns.names().size()) {
                throw new IllegalArgumentException(values.length + " values for the " + columns.names().size()
                        + " columns " + columns.names());
            }
            return new Row(columns, values, null, null, null, false);
        }

        /**
         * A row whose values the backend binds itself.
         *
         * @param columns the columns, in bind order
         * @param binder binds one value per column
         * @return the row
         */
        public static Row bound(Columns columns, Binder binder) {
            return new Row(Objects.requireNonNull(columns, "columns"), null, Objects.requireNonNull(binder, "binder"),
                    null, null, false);
        }

        /**
         * A row that only the backend can write (an entity whose insert is more than one statement, a value only the
         * backend can bind): the guard runs {@code insert} where it would run its own statement.
         *
         * @param insert the backend's insert
         * @return the row
         */
        public static Row insertedBy(OwnInsert insert) {
            return new Row(null, null, null, Objects.requireNonNull(insert, "insert"), null, false);
        }

        /**
         * The same row, telling {@code outcome} whether it was stored; the outcome may fail (it runs host code), so the
         * row is written in a transaction that its failure rolls back.
         *
         * @param outcome called once, after the insert or its failure
         * @return a new row
         */
        public Row withOutcome(Outcome outcome) {
            return withOutcome(outcome, true);
        }

        /**
         * The same row, telling {@code outcome} whether it was stored. An outcome that cannot fail (it only hands the id
         * over, say) lets the guard send the row as an implicit transaction that the database commits before the
         * outcome runs, where that saves a round trip; one that can fail keeps the row in a transaction its failure
         * rolls back.
         *
         * @param outcome called once, after the insert or its failure
         * @param canFail whether {@code outcome} may throw (run host code: listeners, callbacks)
         * @return a new row
         */
        public Row withOutcome(Outcome outcome, boolean canFail) {
            return new Row(columns, values, binder, own, Objects.requireNonNull(outcome, "outcome"), canFail);
        }

        /** The columns, or {@code null} for a row the backend inserts itself. */
        @Nullable Columns columns() {
            return columns;
        }

        int bind(PreparedStatement statement, int first) throws SQLException {
            if (values != null) {
                return JdbcSession.bind(statement, first, values);
            }
            if (binder == null) {
                throw new IllegalStateException("the backend inserts this row itself");
            }
            return binder.bind(statement, first);
        }

        /** Whether the backend does something once the row is stored that must be inside the row's transaction. */
        boolean outcomeNeedsTransaction() {
            return outcome != null && outcomeCanFail;
        }

        long insertItself() {
            if (own == null) {
                throw new IllegalStateException("a row with columns is inserted by the guard's statements");
            }
            return own.insert();
        }

        void inserted(long id) {
            if (outcome != null) {
                outcome.inserted(id);
            }
        }

        void notInserted() {
            if (outcome != null) {
                outcome.notInserted();
            }
        }
    }

    /**
     * The columns a row writes.
     *
     * @param names the columns as SQL identifiers, in bind order
     * @param values each column's value expression, usually {@code ?}; an expression with exactly one parameter
     */
    record Columns(List<String> names, List<String> values) {
        /**
         * Checks that there is a value expression for each column.
         *
         * @param names the columns as SQL identifiers, in bind order; not empty
         * @param values each column's value expression, as many as {@code names}
         * @throws IllegalArgumentException if the lists are empty or of different sizes
         */
        public Columns {
            names = List.copyOf(Objects.requireNonNull(names, "names"));
            values = List.copyOf(Objects.requireNonNull(values, "values"));
            if (names.isEmpty() || names.size() != values.size()) {
                throw new IllegalArgumentException("a row needs at least one column and one value expression per "
                        + "column, was " + names + " and " + values);
            }
        }

        /**
         * Columns whose values are plain parameters.
         *
         * @param names the columns as SQL identifiers, in bind order
         * @return the columns with a {@code ?} each
         */
        public static Columns of(List<String> names) {
            return new Columns(names, java.util.Collections.nCopies(names.size(), "?"));
        }
    }
}
