package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.spi.Guards;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guard's connection is terminated in the middle of a registration ({@code pg_terminate_backend} on PostgreSQL,
 * {@code KILL CONNECTION} on MariaDB): while it holds a stripe lock, and after its insert but before its commit. The
 * caller gets a clear exception carrying the key, nothing is half-stored, no lock is left behind, and the pool
 * recovers. A backend's test class extends this, names its {@link GuardBackend} and, if not PostgreSQL, its
 * {@link #database()}.
 *
 * @param <F> the backend's registered type
 */
public abstract class ConnectionKillContract<F> {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private TestDatabase db;

    protected abstract GuardBackend<F> backend();

    /** The database to run on: PostgreSQL unless overridden (MariaDB is the other one whose sessions can be killed). */
    protected TestDatabase database() {
        return TestDatabase.POSTGRESQL;
    }

    @BeforeEach
    void clean() {
        db = database();
        TestTable.createAll(db);
        TestTable.clearAll(db);
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void connectionKilledWhileHoldingTheStripeLock() throws Exception {
        killMidRegistration(Strategy.SELECT_FOR_UPDATE, TestTable.HOST_UNCONSTRAINED, true);
    }

    @Test
    void connectionKilledAfterTheInsertBeforeTheCommit() throws Exception {
        killMidRegistration(Strategy.UNIQUE_CONSTRAINT, TestTable.HOST, false);
    }

    private void killMidRegistration(Strategy strategy, TestTable table, boolean afterLock) throws Exception {
        GuardOptions options = GuardOptions.builder().strategy(strategy).lockTimeout(Duration.ofSeconds(5)).build();
        DuplicateGuard<F> plain = backend().guard(db, table, options);
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        Runnable stop = () -> {
            paused.countDown();
            try {
                resume.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        DuplicateGuard<F> guard = Guards.create(new DecoratedStorage<>(backend().storage(db, table, options),
                session -> new DecoratedStorage.Forwarding<>(session) {
                    /**
                     * Pauses after the check that follows the stripe lock: a session may send the lock together with
                     * that check (one round trip), so only then is the lock certainly held.
                     */
                    @Override
                    public Optional<StoredRow> find(StoredKey key) {
                        Optional<StoredRow> id = session.find(key);
                        if (afterLock) {
                            stop.run();
                        }
                        return id;
                    }

                    @Override
                    public OptionalLong insertIfAbsent(F file, StoredKey key) {
                        OptionalLong id = session.insertIfAbsent(file, key);
                        if (!afterLock) {
                            stop.run();
                        }
                        return id;
                    }
                }), options);
        FileKey key = Keys.key(7, 1);

        Future<Object> victim = pool.submit(() -> {
            try {
                return guard.register(backend().file(table, key));
            } catch (RuntimeException e) {
                return e;
            }
        });
        assertThat(paused.await(20, TimeUnit.SECONDS)).isTrue();
        long killed = killSessionsInTransaction();
        assertThat(killed).as("backends terminated").isEqualTo(1);
        resume.countDown();

        Object outcome = victim.get(30, TimeUnit.SECONDS);
        assertThat(outcome).as("the caller gets a clear exception, not an answer")
                .isInstanceOf(DuplicateGuardException.class);
        assertThat(((DuplicateGuardException) outcome).key()).contains(key);
        assertThat((Object) killedStatementError((Throwable) outcome)).as("the killed statement's own error is the cause of %s",
                outcome).isNotNull();
        assertThat(table.rowsWith(db, key)).as("nothing half-stored").isZero();

        long t0 = System.nanoTime();
        Registration<F> retry = plain.register(backend().file(table, key));
        assertThat(retry.isNew()).as("no lock left behind: the key stores at once").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        for (int i = 2; i < 22; i++) {
            assertThat(plain.register(backend().file(table, Keys.key(7, i))).isNew()).as("the pool recovered").isTrue();
        }
        assertThat(table.rowsWith(db, key)).isEqualTo(1);
    }

    /**
     * The database's error for the killed session in {@code failure}'s causes: PostgreSQL's 57P01 (terminating
     * connection due to administrator command) or a lost connection (class 08); MariaDB's 1927 (connection was killed)
     * or a lost connection (class 08, or 70100 for an interrupted query).
     */
    private static SQLException killedStatementError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && (sql.getSQLState().equals("57P01")
                    || sql.getSQLState().startsWith("08") || sql.getSQLState().equals("70100")
                    || sql.getErrorCode() == 1927)) {
                return sql;
            }
        }
        return null;
    }

    /** Kills every session with an open transaction (the paused registration's); returns how many. */
    private long killSessionsInTransaction() throws SQLException, InterruptedException {
        if (!db.isMariaDb()) {
            return db.queryLong("select count(pg_terminate_backend(pid)) from pg_stat_activity where state = "
                    + "'idle in transaction' and pid <> pg_backend_pid() and datname = current_database()");
        }
        // information_schema.innodb_trx is a snapshot InnoDB refreshes at most every 0.1 s: ask until it shows one
        List<Long> sessions = new ArrayList<>();
        for (int attempt = 0; attempt < 30 && sessions.isEmpty(); attempt++) {
            if (attempt > 0) {
                Thread.sleep(150);
            }
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select t.trx_mysql_thread_id from information_schema.innodb_trx t"
                         + " join information_schema.processlist p on p.id = t.trx_mysql_thread_id"
                         + " where p.db = database() and p.id <> connection_id()")) {
                while (rs.next()) {
                    sessions.add(rs.getLong(1));
                }
            }
        }
        sessions.forEach(MariaDbServer.shared()::killConnection);
        return sessions.size();
    }
}
