package dev.dedupguard.jooq;

import dev.dedupguard.Strategy;
import dev.dedupguard.testing.GuardBackend;
import dev.dedupguard.testing.GuardContract;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract suite on the jOOQ backend and H2, for every table x strategy the table supports. */
@ParameterizedClass(name = "{0} {1}")
@MethodSource("matrix")
class JooqH2ContractTest extends GuardContract<Object> {
    private final TestTable table;
    private final Strategy strategy;

    JooqH2ContractTest(TestTable table, Strategy strategy) {
        this.table = table;
        this.strategy = strategy;
    }

    static Stream<Arguments> matrix() {
        return Arrays.stream(TestTable.values()).flatMap(t -> Arrays.stream(Strategy.values())
                .filter(t::supports).map(s -> Arguments.of(t, s)));
    }

    @Override
    protected GuardBackend<Object> backend() {
        return new JooqBackend();
    }

    @Override
    protected TestDatabase database() {
        return TestDatabase.H2;
    }

    @Override
    protected TestTable table() {
        return table;
    }

    @Override
    protected Strategy strategy() {
        return strategy;
    }
}
