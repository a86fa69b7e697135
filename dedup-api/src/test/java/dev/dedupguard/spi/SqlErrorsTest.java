package dev.dedupguard.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlErrorsTest {

    @ParameterizedTest(name = "{0}/{1} -> {2}")
    @CsvSource({
        "23505, 0, UNIQUE_VIOLATION",       // PostgreSQL
        "23505, 23505, UNIQUE_VIOLATION",   // H2
        "23000, 1062, UNIQUE_VIOLATION",    // MariaDB/MySQL
        "23502, 0, OTHER",                  // not null violation is not a duplicate
        "23503, 0, OTHER",                  // foreign key violation is not a duplicate
        "55P03, 0, LOCK_TIMEOUT",           // PostgreSQL lock_timeout / NOWAIT
        "HYT00, 50200, LOCK_TIMEOUT",       // H2 lock timeout
        "HYT00, 57014, OTHER",              // H2 statement cancelled is not a lock timeout
        "HY000, 1205, LOCK_TIMEOUT",        // MariaDB lock wait timeout
        "40001, 0, SERIALIZATION_FAILURE",  // PostgreSQL serialization failure
        "40P01, 0, SERIALIZATION_FAILURE",  // PostgreSQL deadlock
        "40001, 40001, SERIALIZATION_FAILURE", // H2 deadlock / concurrent update
        "90131, 90131, SERIALIZATION_FAILURE", // H2 concurrent update
        "40001, 1213, SERIALIZATION_FAILURE",  // MariaDB deadlock
        "25P02, 0, OTHER",                  // aborted transaction
        "08006, 0, OTHER"
    })
    void classifiesByStateAndVendorCode(String state, int code, StorageException.Kind kind) {
        assertThat(SqlErrors.kindOf(state, code)).isEqualTo(kind);
    }

    @Test
    void findsTheDriverExceptionInCausesAndNextExceptions() {
        SQLException unique = new SQLException("whatever the text", "23505");
        assertThat(SqlErrors.kindOf(new RuntimeException("wrapper", new RuntimeException(unique))))
                .isEqualTo(StorageException.Kind.UNIQUE_VIOLATION);
        BatchUpdateException batch = new BatchUpdateException("batch", "XX000", 0, new int[0], null);
        batch.setNextException(new SQLException("timeout", "55P03"));
        assertThat(SqlErrors.kindOf(batch)).isEqualTo(StorageException.Kind.LOCK_TIMEOUT);
        assertThat(SqlErrors.kindOf(new IllegalStateException("no sql"))).isEqualTo(StorageException.Kind.OTHER);
    }

    @Test
    void neverReadsMessageText() {
        SQLException fake = new SQLException("duplicate key value violates unique constraint", "XX000");
        assertThat(SqlErrors.kindOf(fake)).isEqualTo(StorageException.Kind.OTHER);
    }

    @Test
    void survivesCyclicCauseChains() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(SqlErrors.kindOf(b)).isEqualTo(StorageException.Kind.OTHER);
    }
}
