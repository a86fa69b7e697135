package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The database server (embedded PostgreSQL, or the shared MariaDB if {@link #database()} says so) is stopped and
 * started again while 6 threads register overlapping keys. Afterwards every key that was
 * reported stored is in the table exactly once, no key is in it twice, and a key whose registration failed is either
 * absent or stored once (a commit whose answer was lost is in doubt, never half-stored); registering it again
 * gives a consistent answer. A backend's test class extends this and names its {@link ProcessGuardFactory}, which builds
 * the guard from the restarted server's JDBC URL. Tagged {@code slow}.
 */
@Tag("slow")
public abstract class DatabaseRestartContract {
    @TempDir
    Path dir;

    /** Builds the backend's guard on the test's pool. */
    protected abstract ProcessGuardFactory factory();

    /** The database to run on: PostgreSQL (a server of the test's own) unless overridden. */
    protected TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }

    /** A server the test can restart, and the JDBC URL of the database the test uses on it. */
    @SuppressWarnings("try") // close() may throw InterruptedException: a test's try-with-resources propagates it
    private interface Server extends AutoCloseable {
        String jdbcUrl();

        String user();

        /** Stops the server and starts it again with the same data, on the same port. */
        void restart() throws Exception;

        @Override
        void close() throws Exception;
    }

    @SuppressWarnings("try") // see Server
    private Server server() throws Exception {
        if (database().isMariaDb()) {
            MariaDbServer mariadb = MariaDbServer.shared();
            try (Connection c = mariadb.connect(""); Statement s = c.createStatement()) {
                s.execute("drop database if exists dedup_restart");
                s.execute("create database dedup_restart character set utf8mb4 collate utf8mb4_nopad_bin");
            }
            return new Server() {
                @Override
                public String jdbcUrl() {
                    return "jdbc:mariadb://127.0.0.1:" + mariadb.port() + "/dedup_restart";
                }

                @Override
                public String user() {
                    return MariaDbServer.USER;
                }

                @Override
                public void restart() {
                    mariadb.restart();
                }

                @Override
                public void close() {
                }
            };
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = dir.resolve("pg");
        EmbeddedPostgres first = start(data, port);
        return new Server() {
            private EmbeddedPostgres pg = first;

            @Override
            public String jdbcUrl() {
                return pg.getJdbcUrl("postgres", "postgres");
            }

            @Override
            public String user() {
                return "postgres";
            }

            @Override
            public void restart() throws Exception {
                pg.close();
                Thread.sleep(1000);
                pg = start(data, port);
            }

            @Override
            public void close() throws Exception {
                pg.close();
            }
        };
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"UNIQUE_CONSTRAINT, HOST", "SELECT_FOR_UPDATE, HOST_UNCONSTRAINED"})
    void restartUnderLoadLosesAndDuplicatesNothing(Strategy strategy, TestTable table) throws Exception {
        Server server = server();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setUsername(server.user());
        config.setMaximumPoolSize(8);
        config.setConnectionTimeout(2000);
        config.setValidationTimeout(1000);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            createTables(ds, database());
            ProcessGuardFactory factory = factory();
            DuplicateGuard<Object> guard = factory.guard(ds, strategy, table);
            Map<Integer, Long> stored = new ConcurrentHashMap<>();
            Map<Integer, String> failed = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong registrations = new AtomicLong();
            java.util.concurrent.atomic.AtomicInteger highest = new java.util.concurrent.atomic.AtomicInteger();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int offset = t * 3;
                workers.add(pool.submit(() -> {
                    for (int n = 0; running.get(); n++) {
                        int i = offset + n;
                        highest.accumulateAndGet(i, Math::max);
                        try {
                            Registration<Object> r = guard.register(factory.file(table, Keys.key(9, i)));
                            registrations.incrementAndGet();
                            if (r.isNew()) {
                                Long previous = stored.putIfAbsent(i, r.id());
                                assertThat(previous).as("key %d reported new twice", i).isNull();
                            }
                        } catch (RuntimeException e) {
                            failed.put(i, e.getClass().getSimpleName());
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(1500);
            AtomicLong idBeforeRestart = new AtomicLong(stored.values().stream().mapToLong(Long::longValue).max()
                    .orElse(0));
            server.restart();
            awaitStoredAfter(stored, idBeforeRestart.get(), Duration.ofSeconds(20));
            Thread.sleep(1500);
            running.set(false);
            for (Future<?> f : workers) {
                f.get(60, TimeUnit.SECONDS);
            }

            assertThat(failed).as("the restart was felt").isNotEmpty();
            assertThat(stored).as("registrations before and after the restart").hasSizeGreaterThan(20);
            awaitPoolUsable(ds, Duration.ofSeconds(30));
            long storedAfterRestart = 0;
            for (int i = 0; i <= highest.get(); i++) {
                long rows = rows(ds, table, Keys.key(9, i));
                assertThat(rows).as("rows for key %d", i).isLessThanOrEqualTo(1);
                if (stored.containsKey(i)) {
                    assertThat(rows).as("key %d was reported stored", i).isEqualTo(1);
                    storedAfterRestart += stored.get(i) > idBeforeRestart.get() ? 1 : 0;
                }
            }
            for (Integer i : failed.keySet()) {
                Registration<Object> again = guard.register(factory.file(table, Keys.key(9, i)));
                assertThat(rows(ds, table, Keys.key(9, i))).as("key %d after a retry", i).isEqualTo(1);
                assertThat(again.id()).isPositive();
            }
            assertThat(storedAfterRestart).as("new keys stored after the restart").isPositive();
            System.out.printf("restart under load (%s): %d registrations, %d keys stored (%d after the restart), "
                    + "%d keys met a failure, 0 duplicate rows%n", strategy, registrations.get(), stored.size(),
                    storedAfterRestart, failed.size());
        } finally {
            pool.shutdownNow();
            server.close();
        }
    }

    /**
     * Waits until the pool hands out a connection again: after a restart on a loaded machine its refill can take longer
     * than the test pool's 2 s connection timeout. What is checked afterwards is the data, not how fast the pool
     * recovers.
     */
    @SuppressWarnings("try") // the connection is only taken and given back: that the pool hands one out is the point
    private static void awaitPoolUsable(HikariDataSource ds, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try (Connection c = ds.getConnection()) {
                return;
            } catch (java.sql.SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the pool gave no connection within " + limit + " after the restart", e);
                }
                Thread.sleep(200);
            }
        }
    }

    /** Waits until a registration stored after the restart (an id above {@code before}) or {@code limit} passed. */
    private static void awaitStoredAfter(Map<Integer, Long> stored, long before, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline && stored.values().stream().noneMatch(id -> id > before)) {
            Thread.sleep(100);
        }
    }

    private static EmbeddedPostgres start(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    private static void createTables(HikariDataSource ds, TestDatabase db) throws Exception {
        boolean mariadb = db.isMariaDb();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String table : List.of("case_file", "case_file_legacy")) {
                s.execute("create table " + table + " (id bigint "
                        + (mariadb ? "auto_increment" : "generated by default as identity") + " primary key,"
                        + " case_id bigint not null, file_hash char(64)"
                        + (mariadb ? " character set ascii collate ascii_bin" : "") + " not null, original_filename"
                        + " varchar(" + (mariadb ? "750) character set utf8mb4 collate utf8mb4_nopad_bin" : "4096)")
                        + " not null, uploaded_by varchar(100), size_bytes bigint, status varchar(20) default "
                        + "'received' not null, constraint ck_" + table + "_hash_lower check (file_hash ="
                        + " lower(file_hash))" + (table.equals("case_file")
                        ? ", constraint uq_case_file_duplicate unique (case_id, file_hash, original_filename)" : "")
                        + ")");
            }
            dev.dedupguard.jdbc.LibrarySchema.create(c, mariadb ? dev.dedupguard.jdbc.LibrarySchema.Database.MARIADB
                    : dev.dedupguard.jdbc.LibrarySchema.Database.POSTGRESQL,
                    dev.dedupguard.jdbc.LibrarySchema.DEFAULT_FILE_TABLE, dev.dedupguard.jdbc.LibrarySchema.DEFAULT_STRIPE_TABLE,
                    1024, false, true);
        }
    }

    private static long rows(HikariDataSource ds, TestTable table, FileKey key) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("select count(*) from "
                + table.table() + " where case_id = ? and file_hash = ? and original_filename = ?")) {
            ps.setLong(1, Long.parseLong(key.scope()));
            ps.setString(2, key.contentHash());
            ps.setString(3, key.fileName());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
