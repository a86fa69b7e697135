package dev.dedupguard.jpa;

import dev.dedupguard.Strategy;
import dev.dedupguard.testing.GuardBackend;
import dev.dedupguard.testing.GuardContract;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract suite on the Jpa backend and H2, for every table x strategy the table supports. */
@ParameterizedClass(name = "{0} {1}")
@MethodSource("dev.dedupguard.testing.GuardContract#matrix")
class JpaH2ContractTest extends GuardContract<Object> {
    JpaH2ContractTest(TestTable table, Strategy strategy) {
        super(table, strategy);
    }

    @Override
    protected GuardBackend<Object> backend() {
        return JpaBackend.INSTANCE;
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.H2;
    }
}
