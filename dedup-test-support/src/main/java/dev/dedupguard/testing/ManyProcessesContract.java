package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.Strategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Separate JVM processes (not threads) register the same keys against one database server (embedded PostgreSQL, or
 * MariaDB if {@link #database()} says so) at the same instant: across all processes, exactly one "new" answer and
 * exactly one stored row per key. A backend's test class extends this and names its {@link ProcessGuardFactory}.
 * Tagged {@code slow}.
 */
@Tag("slow")
public abstract class ManyProcessesContract {
    private static final int PROCESSES = 4;
    private static final int KEYS = 150;

    /** The factory each child process builds its guard with. */
    protected abstract Class<? extends ProcessGuardFactory> factory();

    /** The database to run on: PostgreSQL unless overridden; not H2 (in-process only). */
    protected TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"UNIQUE_CONSTRAINT, HOST", "SELECT_FOR_UPDATE, HOST_UNCONSTRAINED"})
    void processesRacingOnTheSameKeysStoreEachKeyOnce(Strategy strategy, TestTable table) throws Exception {
        TestDatabase db = database();
        TestTable.createAll(db);
        TestTable.clearAll(db);
        long scope = System.nanoTime() % 1_000_000_000L;
        long startAt = System.currentTimeMillis() + 4000;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true", RegisterWorker.class.getName(),
                    factory().getName(), db.jdbcUrl(),
                    strategy.name(), table.name(), Long.toString(scope), Integer.toString(KEYS),
                    Long.toString(startAt)).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        Map<Integer, List<String[]>> answers = new HashMap<>();
        for (Process p : processes) {
            String out = read(p);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("worker finished").isTrue();
            assertThat(p.exitValue()).isZero();
            for (String line : out.strip().split("\n")) {
                String[] f = line.split(" ");
                answers.computeIfAbsent(Integer.parseInt(f[0]), k -> new ArrayList<>()).add(f);
            }
        }

        assertThat(answers).hasSize(KEYS);
        for (int i = 0; i < KEYS; i++) {
            List<String[]> a = answers.get(i);
            assertThat(a).as("answers for key %d", i).hasSize(PROCESSES);
            assertThat(a).as("no errors for key %d", i).noneMatch(f -> f[1].equals("error"));
            assertThat(a.stream().filter(f -> f[1].equals("true"))).as("winners of key %d", i).hasSize(1);
            Set<String> ids = new HashSet<>();
            a.forEach(f -> ids.add(f[2]));
            assertThat(ids).as("ids reported for key %d", i).hasSize(1);
            assertThat(table.rowsWith(db, Keys.key(scope, i))).as("rows for key %d", i).isEqualTo(1);
        }
    }

    private static String read(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
