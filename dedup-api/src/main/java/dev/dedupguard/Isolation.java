package dev.dedupguard;

import java.sql.Connection;

/** The isolation level of the guard's own transactions. In joined mode the caller's transaction decides. */
public enum Isolation {
    READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED),
    REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ),
    SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE);

    private final int jdbcLevel;

    Isolation(int jdbcLevel) {
        this.jdbcLevel = jdbcLevel;
    }

    /** The {@link Connection} constant for this level. */
    public int jdbcLevel() {
        return jdbcLevel;
    }
}
