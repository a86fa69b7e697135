package dev.dedupguard.jdbc;

import dev.dedupguard.FileKey;
import dev.dedupguard.spi.StoredKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a backend supplies about the rows it registers: how to read a key from what the host passes to the guard, the
 * scope in its column's type, and how to write one row (its columns, its values bound, what happens after the insert).
 * {@link JdbcStorage} does everything else (statements, transactions, lock timeouts, the database's ways). jOOQ's
 * records and JPA's entities are two implementations; a third backend is a third. Thread-safe: the per-transaction
 * part is {@link #open}'s.
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
     * The value to bind for {@code key}'s scope, in the scope column's type (a {@code Long} for a {@code bigint} case id).
     *
     * @param key a validated key
     * @return the value, as JDBC's {@code setObject} takes it
     */
    Object scopeValue(StoredKey key);

    /**
     * Whether rows are written by the backend's own statements ({@link Row#insertItself}) rather than the guard's: then
     * the lock timeout is put in force for the whole transaction (where the database would otherwise carry it in each of
     * the guard's statements). By default {@code false}.
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
     * The row writer of one transaction, on its connection; closed when the transaction ends.
     *
     * @param connection the transaction's connection
     * @return a writer used by one thread for one transaction
     */
    Writer<F> open(Connection connection);

    /**
     * Writes rows inside one transaction.
     *
     * @param <F> the type the host registers
     */
    interface Writer<F> extends AutoCloseable {
        /**
         * The row that registers {@code file} under {@code key}, prepared for its insert (the backend's callbacks before
         * an insert have run) but not written.
         *
         * @param file what the host passed to the guard
         * @param key its validated key in stored forms
         * @return the row, written at most once
         */
        Row row(F file, StoredKey key);

        /** Releases what the writer opened; the connection is the storage's. */
        @Override
        void close();
    }

    /** One row to insert. */
    interface Row {
        /**
         * The columns the row writes, or {@code null} if it can only be written by the backend itself
         * ({@link #insertItself}): an entity whose insert is more than one statement, a value only the backend can bind.
         * Rows with equal columns share their statements, which are rendered once; return the same instance for the same
         * columns so that looking them up is cheap.
         *
         * @return the columns, or {@code null}
         */
        @Nullable Columns columns();

        /**
         * Binds the row's values in the order of {@link #columns()}, the first at {@code first}.
         *
         * @param statement the statement
         * @param first the index of the row's first parameter
         * @return the index after the row's last parameter
         * @throws SQLException if the driver refuses a value
         */
        int bind(PreparedStatement statement, int first) throws SQLException;

        /**
         * Inserts the row by the backend's own means, on the transaction's connection, for a row without
         * {@link #columns()}; a unique violation is thrown, as the database reports it.
         *
         * @return the new row's id
         * @throws UnsupportedOperationException for a row with columns
         */
        default long insertItself() {
            throw new UnsupportedOperationException("a row with columns is inserted by the guard's statements");
        }

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
