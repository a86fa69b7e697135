package dev.dedupguard.jooq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptLog;
import dev.dedupguard.FileKey;
import dev.dedupguard.SchemaMismatchException;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestDatabase;
import dev.dedupguard.testing.TestTable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code build()} with the attempt log on: a missing log table, or one without a column the guard writes, is refused
 * with the DDL that creates it; {@code createSchemaIfMissing} creates it, append-only, under the name given.
 */
class JooqAttemptLogSchemaTest {

    private static JooqDuplicateGuard.Builder<FileKey> builder(TestDatabase db, String logTable) {
        TestTable.createAll(db);
        return JooqDuplicateGuard.forLibraryTable(db.dataSource(), JooqBackend.dialect(db)).attemptLog(AttemptLog.in(logTable));
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aMissingLogTableIsRefusedWithItsDdl(TestDatabase db) {
        assertThatThrownBy(() -> builder(db, "no_such_attempt_log").build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("the attempt log table no_such_attempt_log is missing or lacks a column")
                .hasMessageContaining("CREATE TABLE IF NOT EXISTS no_such_attempt_log (")
                .hasMessageContaining("no_such_attempt_log_no_")
                .satisfies(e -> assertThat(((SchemaMismatchException) e).table()).contains("no_such_attempt_log"));
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void aLogTableWithoutTheActorColumnIsRefused(TestDatabase db) {
        db.execute("create table if not exists partial_attempt_log (id bigint primary key, scope varchar(255),"
                + " content_hash varchar(128), file_name varchar(4096), name_key char(64), outcome varchar(9),"
                + " refusal varchar(255), stored_id bigint, reference varchar(255), recorded_at timestamp)");
        assertThatThrownBy(() -> builder(db, "partial_attempt_log").build())
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining("the attempt log table partial_attempt_log is missing or lacks a column")
                .satisfies(e -> assertThat(((SchemaMismatchException) e).table()).contains("partial_attempt_log"));
    }

    @ParameterizedTest
    @MethodSource("dev.dedupguard.testing.TestDatabase#defaults")
    void createSchemaIfMissingCreatesTheLogAppendOnly(TestDatabase db) {
        String table = "created_attempt_log";
        JooqDuplicateGuard<FileKey> guard = builder(db, table).createSchemaIfMissing(true).build();
        FileKey key = Keys.key(System.nanoTime(), 1);
        guard.register(key);
        guard.register(key);

        assertThat(guard.history(key, 0, 10)).extracting(Attempt::outcome)
                .containsExactly(Attempt.Outcome.NEW, Attempt.Outcome.DUPLICATE);
        assertThatThrownBy(() -> db.execute("delete from " + table + " where scope = '" + key.scope() + "'"))
                .hasStackTraceContaining("append-only");
        assertThat(JooqDuplicateGuard.forLibraryTable(db.dataSource(), JooqBackend.dialect(db)).attemptLog(AttemptLog.in(table))
                .createSchemaIfMissing(true).build().history(key, 0, 10)).as("a second build keeps the rows").hasSize(2);
    }
}
