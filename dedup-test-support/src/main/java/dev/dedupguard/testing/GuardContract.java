package dev.dedupguard.testing;

import dev.dedupguard.Strategy;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The behaviour every backend x database x table x strategy must show. A backend's test class extends this, names
 * its {@link GuardBackend}, database, table and strategy (e.g. with {@code @ParameterizedClass}), and inherits every
 * test. What a strategy cannot do is asserted as such, not skipped: {@link Strategy#NO_LOCK} is shown to admit a
 * duplicate (or to fail on the unique constraint) under a forced interleaving.
 *
 * <p>The tests live in parts, one {@link Nested} class each, that all run on this instance's setup:
 * {@link RegistrationContract}, {@link RaceContract}, {@link WaitAndTimeoutContract},
 * {@link JoinedTransactionContract} and {@link BatchAndModelContract}.
 *
 * <p>Scopes are numeric (host tables key on a bigint case id). Each test starts from empty tables.
 *
 * <p>Surefire reports the tests under the part's class ({@code GuardContract$Races[n]}, n the table x strategy
 * invocation) in the backend test class's report. One test of one backend runs with a pattern for each:
 * {@code -Dtest='JooqH2ContractTest#raceAt*,GuardContract$Races#raceAt*'} (the first selects the class, the second
 * the nested test).
 *
 * @param <F> the backend's registered type
 */
public abstract class GuardContract<F> {
    private final TestTable table;
    private final Strategy strategy;

    /** The suite on {@code table} with {@code strategy}; the subclass names the backend and the database. */
    protected GuardContract(TestTable table, Strategy strategy) {
        this.table = table;
        this.strategy = strategy;
    }

    /**
     * Every table x strategy the table supports: the argument source for a subclass annotated with
     * {@code @ParameterizedClass @MethodSource("dev.dedupguard.testing.GuardContract#matrix")}.
     */
    public static Stream<Arguments> matrix() {
        return Arrays.stream(TestTable.values()).filter(t -> t != TestTable.HOST_PARTITIONED)
                .flatMap(t -> Arrays.stream(Strategy.values()).filter(t::supports).map(s -> Arguments.of(t, s)));
    }

    /**
     * {@link #matrix()} plus the partitioned host table ({@link TestTable#HOST_PARTITIONED}) with the two guarded
     * strategies: the argument source for PostgreSQL's subclasses.
     */
    public static Stream<Arguments> postgresMatrix() {
        return Stream.concat(matrix(), Stream.of(Strategy.UNIQUE_CONSTRAINT, Strategy.SELECT_FOR_UPDATE)
                .map(s -> Arguments.of(TestTable.HOST_PARTITIONED, s)));
    }

    /** The backend under test. */
    protected abstract GuardBackend<F> backend();

    /** The database the backend runs on. */
    protected abstract TestDatabase database();

    /** The table this instance registers into. */
    protected final TestTable table() {
        return table;
    }

    /** The strategy this instance's guards run. */
    protected final Strategy strategy() {
        return strategy;
    }

    private ContractBase.Setup<F> partSetup() {
        return new ContractBase.Setup<>(backend(), database(), table, strategy);
    }

    @Nested
    class Registering extends RegistrationContract<F> {
        Registering() {
            super(partSetup());
        }
    }

    @Nested
    class Races extends RaceContract<F> {
        Races() {
            super(partSetup());
        }
    }

    @Nested
    class WaitsAndTimeouts extends WaitAndTimeoutContract<F> {
        WaitsAndTimeouts() {
            super(partSetup());
        }
    }

    @Nested
    class JoinedTransactions extends JoinedTransactionContract<F> {
        JoinedTransactions() {
            super(partSetup());
        }
    }

    @Nested
    class BatchesAndModels extends BatchAndModelContract<F> {
        BatchesAndModels() {
            super(partSetup());
        }
    }
}
