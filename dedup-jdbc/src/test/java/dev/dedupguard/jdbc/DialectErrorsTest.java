package dev.dedupguard.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.spi.StorageException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DialectErrorsTest {

    @ParameterizedTest(name = "{0} {1}/{2} -> {3}")
    @CsvSource({
        "POSTGRESQL, 23505, 0, UNIQUE_VIOLATION",
        "H2, 23505, 23505, UNIQUE_VIOLATION",
        "POSTGRESQL, 23502, 0, OTHER",                 // not null violation is not a duplicate
        "POSTGRESQL, 23503, 0, OTHER",                 // foreign key violation is not a duplicate
        "H2, 23502, 23502, OTHER",
        "H2, 23506, 23506, OTHER",                     // H2 referential integrity
        "POSTGRESQL, 55P03, 0, LOCK_TIMEOUT",          // lock_timeout / NOWAIT
        "H2, HYT00, 50200, LOCK_TIMEOUT",              // H2 lock timeout
        "H2, HYT00, 57014, OTHER",                     // H2 statement cancelled is not a lock timeout
        "POSTGRESQL, 57014, 0, OTHER",                 // query cancelled is not a lock timeout
        "POSTGRESQL, 40001, 0, SERIALIZATION_FAILURE", // serialization failure
        "POSTGRESQL, 40P01, 0, SERIALIZATION_FAILURE", // deadlock
        "H2, 40001, 40001, SERIALIZATION_FAILURE",     // H2 deadlock / concurrent update
        "H2, 90131, 90131, SERIALIZATION_FAILURE",     // H2 concurrent update
        "POSTGRESQL, 25P02, 0, OTHER",                 // aborted transaction
        "POSTGRESQL, 08006, 0, OTHER"
    })
    void classifiesByStateAndVendorCode(String dialect, String state, int code, StorageException.Kind kind) {
        Dialect d = dialect.equals("H2") ? Dialect.H2 : Dialect.POSTGRESQL;
        assertThat(d.kindOf(state, code)).isEqualTo(kind);
    }

    @Test
    void findsTheDriverExceptionInCausesAndNextExceptions() {
        SQLException unique = new SQLException("whatever the text", "23505");
        assertThat(Dialect.POSTGRESQL.kindOf(new RuntimeException("wrapper", new RuntimeException(unique))))
                .isEqualTo(StorageException.Kind.UNIQUE_VIOLATION);
        BatchUpdateException batch = new BatchUpdateException("batch", "XX000", 0, new int[0], null);
        batch.setNextException(new SQLException("timeout", "55P03"));
        assertThat(Dialect.POSTGRESQL.kindOf(batch)).isEqualTo(StorageException.Kind.LOCK_TIMEOUT);
        assertThat(Dialect.POSTGRESQL.kindOf(new IllegalStateException("no sql"))).isEqualTo(StorageException.Kind.OTHER);
    }

    @Test
    void neverReadsMessageText() {
        SQLException fake = new SQLException("duplicate key value violates unique constraint", "XX000");
        assertThat(Dialect.POSTGRESQL.kindOf(fake)).isEqualTo(StorageException.Kind.OTHER);
    }

    @Test
    void survivesCyclicCauseChains() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(Dialect.POSTGRESQL.kindOf(b)).isEqualTo(StorageException.Kind.OTHER);
    }
}
