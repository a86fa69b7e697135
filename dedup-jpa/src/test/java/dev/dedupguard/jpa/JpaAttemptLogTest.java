package dev.dedupguard.jpa;

import dev.dedupguard.Strategy;
import dev.dedupguard.testing.AttemptLogContract;
import dev.dedupguard.testing.ContractBase;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The attempt log's contract on the JPA backend: every database at its defaults x every strategy, host table. */
@ParameterizedClass(name = "{0} {1}")
@MethodSource("dev.dedupguard.testing.AttemptLogContract#matrix")
class JpaAttemptLogTest extends AttemptLogContract<Object> {
    JpaAttemptLogTest(TestDatabase database, Strategy strategy) {
        super(new ContractBase.Setup<>(JpaBackend.INSTANCE, database, TestTable.HOST, strategy));
    }
}
