package dev.dedupguard.jooq;

import dev.dedupguard.Strategy;
import dev.dedupguard.testing.AttemptLogContract;
import dev.dedupguard.testing.ContractBase;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The attempt log's contract on the jOOQ backend: every database at its defaults x every strategy, host table. */
@ParameterizedClass(name = "{0} {1}")
@MethodSource("dev.dedupguard.testing.AttemptLogContract#matrix")
class JooqAttemptLogTest extends AttemptLogContract<Object> {
    JooqAttemptLogTest(TestDatabase database, Strategy strategy) {
        super(new ContractBase.Setup<>(JooqBackend.INSTANCE, database, TestTable.HOST, strategy));
    }
}
