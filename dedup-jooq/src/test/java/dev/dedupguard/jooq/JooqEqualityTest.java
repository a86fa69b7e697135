package dev.dedupguard.jooq;

import dev.dedupguard.testing.EqualityContract;
import dev.dedupguard.testing.TestDatabase;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The equality contract on the jOOQ backend, on PostgreSQL, H2 and MariaDB at their defaults. */
@ParameterizedClass(name = "{0}")
@MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
class JooqEqualityTest extends EqualityContract<Object> {
    JooqEqualityTest(TestDatabase db) {
        super(JooqBackend.INSTANCE, db);
    }
}
