package dev.dedupguard.jpa;

import dev.dedupguard.testing.EqualityContract;
import dev.dedupguard.testing.TestDatabase;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The equality contract on the JPA backend, on PostgreSQL, H2 and MariaDB at their defaults. */
@ParameterizedClass(name = "{0}")
@MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
class JpaEqualityTest extends EqualityContract<Object> {
    JpaEqualityTest(TestDatabase db) {
        super(JpaBackend.INSTANCE, db);
    }
}
