package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.Strategy;
import dev.dedupguard.jdbc.Dialect;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every database in {@link Dialect#supported()} has a contract run on the Jooq backend: adding a dialect without one fails
 * here (the "adding a database" checklist of {@code docs/architecture.md}).
 */
class ContractCoverageTest {

    @Test
    void everySupportedDatabaseHasAContractRunOnItsOwnServer() {
        Map<Dialect, TestDatabase> runs = new LinkedHashMap<>();
        runs.put(Dialect.POSTGRESQL, new JooqPostgresContractTest(TestTable.LIBRARY, Strategy.UNIQUE_CONSTRAINT).database());
        runs.put(Dialect.H2, new JooqH2ContractTest(TestTable.LIBRARY, Strategy.UNIQUE_CONSTRAINT).database());
        runs.put(Dialect.MARIADB, new JooqMariaDbContractTest(TestTable.LIBRARY, Strategy.UNIQUE_CONSTRAINT).database());

        assertThat(runs.keySet()).as("the dialects with a contract run").containsExactlyElementsOf(Dialect.supported());
        var databases = new HashSet<>(runs.values());
        assertThat(databases).as("each on a database of its own").hasSize(runs.size());
        assertThat(databases).as("at the database's defaults").isSubsetOf(TestDatabase.defaults());
    }
}
