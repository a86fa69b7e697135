package dev.dedupguard.spi;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Classifies database failures by SQLSTATE and vendor code (never by message text), for backends built on JDBC.
 * Walks the cause chain and {@link SQLException#getNextException()} to find the driver's exception.
 */
public final class SqlErrors {
    private static final int H2_LOCK_TIMEOUT = 50200;
    private static final int H2_DEADLOCK = 40001;
    private static final String H2_CONCURRENT_UPDATE = "90131";
    private static final int MYSQL_DUPLICATE_ENTRY = 1062;
    private static final int MYSQL_LOCK_WAIT_TIMEOUT = 1205;
    private static final int MYSQL_DEADLOCK = 1213;

    private SqlErrors() {
    }

    /** The kind of the first {@link SQLException} found in {@code failure}'s causes, or {@code OTHER}. */
    public static StorageException.Kind kindOf(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null; e = e.getNextException()) {
                    StorageException.Kind kind = kindOf(e.getSQLState(), e.getErrorCode());
                    if (kind != StorageException.Kind.OTHER) {
                        return kind;
                    }
                    if (e.getNextException() != null && !seen.add(e.getNextException())) {
                        break;
                    }
                }
            }
        }
        return StorageException.Kind.OTHER;
    }

    /** The kind for one SQLSTATE and vendor code. */
    public static StorageException.Kind kindOf(String sqlState, int vendorCode) {
        String state = sqlState == null ? "" : sqlState;
        if (state.equals("23505") || vendorCode == MYSQL_DUPLICATE_ENTRY && state.startsWith("23")) {
            return StorageException.Kind.UNIQUE_VIOLATION;
        }
        if (state.equals("55P03") || vendorCode == H2_LOCK_TIMEOUT && state.equals("HYT00")
                || vendorCode == MYSQL_LOCK_WAIT_TIMEOUT) {
            return StorageException.Kind.LOCK_TIMEOUT;
        }
        if (state.startsWith("40") || state.equals(H2_CONCURRENT_UPDATE) || vendorCode == H2_DEADLOCK
                || vendorCode == MYSQL_DEADLOCK) {
            return StorageException.Kind.SERIALIZATION_FAILURE;
        }
        return StorageException.Kind.OTHER;
    }

    /** Wraps {@code failure} as a {@link StorageException} of its kind, with a message saying what was attempted. */
    public static StorageException translate(String attempted, Throwable failure) {
        if (failure instanceof StorageException se) {
            return se;
        }
        return new StorageException(kindOf(failure), attempted + " failed: " + failure.getMessage(), failure);
    }
}
