package dev.dedupguard.jpa;

import dev.dedupguard.testing.EqualityProperties;
import dev.dedupguard.testing.GuardBackend;

/** The equality property on the JPA backend: PostgreSQL, H2 and MariaDB, every accepted table configuration. */
class JpaEqualityPropertiesTest extends EqualityProperties<Object> {
    @Override
    protected GuardBackend<Object> backend() {
        return JpaBackend.INSTANCE;
    }
}
