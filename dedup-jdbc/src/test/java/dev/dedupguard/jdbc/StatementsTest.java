package dev.dedupguard.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatementsTest {
    private final Statements table = new Statements(Dialect.POSTGRESQL,
            new TableSchema(null, "dedup_file", "id", "scope", "content_hash", "file_name", "name_key"),
            "dedup_lock_stripe", TableLimits.ScopeForm.TEXT);

    @Test
    void pipelinedStatementsAreJoinedOnceAndTheSameTextIsReturnedAfterwards() {
        String lock = table.setLockTimeoutSql();
        String find = table.findSql();

        String first = table.pipelinedSql(List.of(lock, find));
        String again = table.pipelinedSql(new java.util.ArrayList<>(List.of(lock, find)));

        assertThat(first).isEqualTo(lock + ";\n" + find);
        assertThat(again).as("the kept text, whose hash the driver's statement cache does not compute again")
                .isSameAs(first);
        assertThat(table.pipelinedSql(List.of(find, lock))).isEqualTo(find + ";\n" + lock);
    }

    @Test
    void aStatementCarryingTheLockTimeoutIsTheSameTextOnEveryCall() {
        Statements mariaDb = new Statements(Dialect.MARIADB,
                new TableSchema(null, "dedup_file", "id", "scope", "content_hash", "file_name", "name_key"),
                "dedup_lock_stripe", TableLimits.ScopeForm.TEXT);
        String find = mariaDb.findSql();

        String first = mariaDb.withLockTimeout("5", find);
        assertThat(mariaDb.lockTimeoutPrefix("5")).isSameAs(mariaDb.lockTimeoutPrefix("5"));
        assertThat(first).isEqualTo(mariaDb.lockTimeoutPrefix("5") + find)
                .startsWith("set statement innodb_lock_wait_timeout=5");
        assertThat(mariaDb.withLockTimeout("5", find)).as("the kept text, not a new string to hash").isSameAs(first);
        assertThat(mariaDb.withLockTimeout("7", find)).startsWith("set statement innodb_lock_wait_timeout=7");
        assertThat(table.lockTimeoutPrefix("5000ms")).as("PostgreSQL carries the timeout otherwise").isEmpty();
        assertThat(table.withLockTimeout("5000ms", find)).isSameAs(find);
    }

    @Test
    void aColumnSetsInsertsAreRenderedOnceAndKept() {
        HostRows.Columns columns = HostRows.Columns.of(List.of("scope", "content_hash", "file_name", "name_key"));
        assertThat(table.inserts(columns)).isSameAs(table.inserts(HostRows.Columns.of(List.of("scope", "content_hash",
                "file_name", "name_key"))));
        assertThat(table.inserts(columns).insertIfAbsent()).isEqualTo("insert into dedup_file (scope, content_hash,"
                + " file_name, name_key) values (?, ?, ?, ?) on conflict (scope, content_hash, name_key) do nothing"
                + " returning id");
    }

    @Test
    void theLockTimeoutStatementIsRenderedOnce() {
        assertThat(table.setLockTimeoutSql()).isSameAs(table.setLockTimeoutSql())
                .startsWith("select * from ").contains("set_config('lock_timeout'");
    }
}
