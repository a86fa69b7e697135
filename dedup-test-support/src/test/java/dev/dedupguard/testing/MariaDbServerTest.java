package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What {@link MariaDbServer} promises: settings, fresh databases, killed connections, a restart keeping the data. */
class MariaDbServerTest {
    private static MariaDbServer server;
    private static DataSource ds;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        server = MariaDbServer.shared();
        ds = server.freshDatabase("mariadb_server_test");
    }

    @AfterEach
    void stopThreads() {
        pool.shutdownNow();
    }

    @Test
    void oneServerPerJvmWithTheDocumentedSettings() throws SQLException {
        assertThat(MariaDbServer.shared()).isSameAs(server);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT VERSION(), @@innodb_lock_wait_timeout,"
                        + " @@innodb_rollback_on_timeout, @@transaction_isolation, @@collation_database,"
                        + " @@sql_mode, @@innodb_snapshot_isolation")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("11.4.5-MariaDB");
            assertThat(rs.getInt(2)).isEqualTo(MariaDbServer.LOCK_WAIT_TIMEOUT_SECONDS);
            assertThat(rs.getInt(3)).isZero();
            assertThat(rs.getString(4)).isEqualTo("REPEATABLE-READ");
            assertThat(rs.getString(5)).as("the server's own default").isEqualTo("latin1_swedish_ci");
            assertThat(rs.getString(6)).as("the server's own default").contains("STRICT_TRANS_TABLES");
            assertThat(rs.getInt(7)).as("the default of 11.4").isZero();
        }
        assertThat(server.jdbcUrl("mariadb_server_test"))
                .isEqualTo("jdbc:mariadb://127.0.0.1:" + server.port() + "/mariadb_server_test?useAffectedRows=true");
    }

    @Test
    void aFreshDatabaseIsEmptyAndABadNameIsRefusedBeforeAnyWork() throws SQLException {
        DataSource first = server.freshDatabase("mariadb_fresh");
        try (Connection c = first.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id int PRIMARY KEY)");
        }
        DataSource second = server.freshDatabase("mariadb_fresh");
        try (Connection c = second.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.TABLES"
                        + " WHERE TABLE_SCHEMA = 'mariadb_fresh'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
        assertThatThrownBy(() -> server.freshDatabase("x; DROP DATABASE mysql"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("database must be an unquoted identifier of at most 64 characters (letters, digits,"
                        + " underscore), was \"x; DROP DATABASE mysql\"");
        assertThatThrownBy(() -> server.freshDatabase("d".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 64 characters");
    }

    @Test
    void aKilledConnectionLosesItsTransactionAndItsLocksAndAWaitingStatementFailsAtOnce() throws Exception {
        try (Connection setup = ds.getConnection(); Statement s = setup.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS killed (id int PRIMARY KEY, note varchar(20))");
            s.execute("DELETE FROM killed");
            s.execute("INSERT INTO killed VALUES (1, 'lock row')");
        }
        try (Connection holder = ds.getConnection(); Connection waiter = ds.getConnection()) {
            holder.setAutoCommit(false);
            waiter.setAutoCommit(false);
            long holderId = MariaDbServer.connectionId(holder);
            long waiterId = MariaDbServer.connectionId(waiter);
            try (Statement s = holder.createStatement()) {
                s.execute("INSERT INTO killed VALUES (2, 'uncommitted')");
                s.executeQuery("SELECT id FROM killed WHERE id = 1 FOR UPDATE").close();
            }
            Future<SQLException> waiting = pool.submit(() -> {
                try (PreparedStatement ps = waiter.prepareStatement("SELECT id FROM killed WHERE id = 1 FOR UPDATE")) {
                    ps.executeQuery().close();
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            assertThatThrownBy(() -> waiting.get(400, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);

            long start = System.nanoTime();
            server.killConnection(waiterId);
            SQLException killedWhileWaiting = waiting.get(5, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat((Throwable) killedWhileWaiting).isNotNull();
            assertThat(millis).isLessThan(1_000L);
            System.out.printf("FACT killed while waiting: %s, code %d, state %s after %d ms%n",
                    killedWhileWaiting.getClass().getName(), killedWhileWaiting.getErrorCode(),
                    killedWhileWaiting.getSQLState(), millis);

            server.killConnection(holderId);
            SQLException next = null;
            try (Statement s = holder.createStatement()) {
                s.executeQuery("SELECT 1").close();
            } catch (SQLException e) {
                next = e;
            }
            assertThat((Throwable) next).as("the killed holder's next statement fails").isNotNull();
            assertThat(next.getSQLState()).startsWith("08");
            System.out.printf("FACT killed, next statement: %s, code %d, state %s%n", next.getClass().getName(),
                    next.getErrorCode(), next.getSQLState());
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET STATEMENT innodb_lock_wait_timeout = 1 FOR SELECT id FROM killed WHERE id = 1 FOR UPDATE");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM killed")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the killed transaction's insert was rolled back").isEqualTo(1);
            }
        }
    }

    @Test
    void aRestartKeepsCommittedRowsAndThePoolsWork() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS survivor (id int PRIMARY KEY)");
            s.execute("DELETE FROM survivor");
            s.execute("INSERT INTO survivor VALUES (1), (2), (3)");
        }
        int port = server.port();
        long start = System.nanoTime();
        server.restart();
        System.out.printf("FACT restart took %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertThat(server.port()).isEqualTo(port);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM survivor")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(3);
        }
    }
}
