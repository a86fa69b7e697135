package dev.dedupguard.jooq;

import dev.dedupguard.testing.EqualityProperties;
import dev.dedupguard.testing.GuardBackend;

/** The equality property on the jOOQ backend: PostgreSQL, H2 and MariaDB, every accepted table configuration. */
class JooqEqualityPropertiesTest extends EqualityProperties<Object> {
    @Override
    protected GuardBackend<Object> backend() {
        return JooqBackend.INSTANCE;
    }
}
