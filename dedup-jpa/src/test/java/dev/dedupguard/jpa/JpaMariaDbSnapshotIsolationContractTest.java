package dev.dedupguard.jpa;

import dev.dedupguard.Strategy;
import dev.dedupguard.testing.GuardBackend;
import dev.dedupguard.testing.GuardContract;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract suite on the JPA backend and MariaDB 11.4 with every session at {@code innodb_snapshot_isolation=ON}
 * (MariaDB's default from 11.6), for every table x strategy the table supports.
 */
@ParameterizedClass(name = "{0} {1}")
@MethodSource("dev.dedupguard.testing.GuardContract#matrix")
class JpaMariaDbSnapshotIsolationContractTest extends GuardContract<Object> {
    JpaMariaDbSnapshotIsolationContractTest(TestTable table, Strategy strategy) {
        super(table, strategy);
    }

    @Override
    protected GuardBackend<Object> backend() {
        return JpaBackend.INSTANCE;
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.MARIADB_SNAPSHOT_ISOLATION;
    }
}
