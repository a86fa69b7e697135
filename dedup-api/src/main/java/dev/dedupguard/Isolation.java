package dev.dedupguard;

import java.sql.Connection;

/** The isolation level of the guard's own transactions. In joined mode the caller's transaction decides. */
public enum Isolation {
    /** {@link Connection#TRANSACTION_READ_COMMITTED}: each statement sees what was committed before it began. */
    READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED),
    /**
     * {@link Connection#TRANSACTION_REPEATABLE_READ}: one snapshot for the whole transaction; {@link Strategy} says
     * how each strategy copes with a registration the snapshot cannot see.
     */
    REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ),
    /**
     * {@link Connection#TRANSACTION_SERIALIZABLE}: the database may abort a transaction with a serialization failure,
     * which the guard retries in own-transaction mode (up to {@link GuardOptions#maxAttempts()} runs).
     */
    SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE);

    private final int jdbcLevel;

    Isolation(int jdbcLevel) {
        this.jdbcLevel = jdbcLevel;
    }

    /**
     * The {@link Connection} constant for this level.
     *
     * @return the value to pass to {@link Connection#setTransactionIsolation(int)}
     */
    public int jdbcLevel() {
        return jdbcLevel;
    }
}
