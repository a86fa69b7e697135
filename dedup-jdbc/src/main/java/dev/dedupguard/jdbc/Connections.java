package dev.dedupguard.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * How a backend reaches connections: the other input of {@link JdbcStorage} that depends on the backend (a
 * {@code DataSource}, jOOQ's {@code ConnectionProvider}, Hibernate's; or the connection of a caller's transaction).
 */
public interface Connections {

    /**
     * Runs {@code work} on a connection. For the guard's own transactions, a connection no other thread uses until it is
     * given back after {@code work} (also after a failure); for a caller's transaction, the connection of that
     * transaction, which is not given back.
     *
     * @param <T> the work's result
     * @param work what runs on the connection
     * @return what {@code work} returned
     * @throws SQLException if no connection can be had, or {@code work} throws it
     */
    <T> T withConnection(Work<T> work) throws SQLException;

    /**
     * Whether {@link #withConnection} runs on a caller's transaction (so the guard sets a savepoint, never commits, and
     * never retries).
     *
     * @return the same answer on every call
     */
    boolean joined();

    /**
     * Work on a connection.
     *
     * @param <T> the result
     */
    @FunctionalInterface
    interface Work<T> {
        /**
         * Runs the work.
         *
         * @param connection the connection
         * @return the result
         * @throws SQLException if the database fails
         */
        T run(Connection connection) throws SQLException;
    }
}
