package dev.dedupguard.jooq;

import dev.dedupguard.Strategy;
import dev.dedupguard.testing.GuardBackend;
import dev.dedupguard.testing.GuardContract;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract suite on the jOOQ backend and PostgreSQL, for every table x strategy the table supports, and on the
 * partitioned host table ({@code PARTITION BY HASH (case_id)}, 4 partitions) with the two guarded strategies.
 */
@ParameterizedClass(name = "{0} {1}")
@MethodSource("dev.dedupguard.testing.GuardContract#postgresMatrix")
class JooqPostgresContractTest extends GuardContract<Object> {
    JooqPostgresContractTest(TestTable table, Strategy strategy) {
        super(table, strategy);
    }

    @Override
    protected GuardBackend<Object> backend() {
        return JooqBackend.INSTANCE;
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }
}
