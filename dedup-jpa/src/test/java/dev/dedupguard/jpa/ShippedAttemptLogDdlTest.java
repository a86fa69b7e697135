package dev.dedupguard.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.testing.TestDatabase;
import java.sql.Connection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * The shipped attempt-log scripts run as a Spring application runs SQL scripts ({@code spring.sql.init}, Spring's
 * {@link ScriptUtils}, which splits at semicolons outside quotes), and the table they make takes inserts and refuses
 * updates and deletes.
 */
class ShippedAttemptLogDdlTest {

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void theShippedScriptRunsThroughSpringsScriptRunner(TestDatabase db) throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            ScriptUtils.executeSqlScript(c, new ClassPathResource(db.ddl().attemptLogResource()));
        }
        String scope = "script-" + System.nanoTime();
        db.execute("insert into dedup_attempt (scope, content_hash, file_name, name_key, outcome, stored_id)"
                + " values ('" + scope + "', '" + "ab".repeat(32) + "', 'a.bin', '" + "cd".repeat(32) + "', 'NEW', 1)");
        assertThat(db.queryLong("select count(*) from dedup_attempt where scope = ?", scope)).isEqualTo(1);
        assertThatThrownBy(() -> db.execute("update dedup_attempt set actor = 'x' where scope = '" + scope + "'"))
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> db.execute("delete from dedup_attempt where scope = '" + scope + "'"))
                .hasStackTraceContaining("append-only");
    }
}
