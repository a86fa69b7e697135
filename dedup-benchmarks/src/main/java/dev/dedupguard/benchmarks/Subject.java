package dev.dedupguard.benchmarks;

import static org.jooq.impl.DSL.name;

import dev.dedupguard.AttemptContext;
import dev.dedupguard.AttemptLog;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.benchmarks.BenchFile.NoUnique;
import dev.dedupguard.benchmarks.BenchFile.Unique;
import dev.dedupguard.jooq.HostTable;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.jpa.EntityMapping;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.springframework.integration.jdbc.metadata.JdbcMetadataStore;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One thing that registers files, measured side by side: the raw JDBC baseline, a guard (backend x strategy), or a
 * library users would otherwise choose (Spring Integration's {@code JdbcMetadataStore}, Camel's
 * {@code JdbcMessageIdRepository}, each on its own documented table). {@code UNIQUE_CONSTRAINT} and the baseline use
 * {@code bench_file} (unique on the key); the other strategies use {@code bench_file_nouniq}, the table they exist
 * for, where a duplicate they admit is visible as a second row. Thread-safe.
 */
abstract class Subject {
    /** The baseline's name in reports: raw JDBC in an explicit transaction, 2 round trips for a new file. */
    static final String BASELINE = "baseline";
    /** The one-round-trip raw subject's name in reports: raw JDBC in auto-commit, the physical limit of the job. */
    static final String ONE_ROUND_TRIP = "one-round-trip";
    /** The one-round-trip insert with the guard's lock timeout in the same message: for {@code ProfileSubject} only. */
    static final String ONE_ROUND_TRIP_SET_CONFIG = "one-round-trip+set_config";
    /** The raw auto-commit insert that sets the lock timeout itself, in a filter evaluated before it inserts. */
    static final String ONE_ROUND_TRIP_IN_INSERT = "one-round-trip+in-insert";
    /** The one-round-trip insert with a client-side statement timeout instead: for {@code ProfileSubject} only. */
    static final String ONE_ROUND_TRIP_QUERY_TIMEOUT = "one-round-trip+query-timeout";

    /** How a raw subject bounds its wait for a lock. */
    private enum LockTimeout {
        /** Not at all (the baselines). */
        NONE,
        /** {@code set_config('lock_timeout', '5000ms', true)} ahead of the insert, in the same message (the guard's way). */
        SET_CONFIG,
        /** {@code set_config} in the insert itself: {@code INSERT ... SELECT ... WHERE (SELECT set_config(...)) IS NOT NULL}. */
        IN_INSERT,
        /** {@code Statement.setQueryTimeout(5)}: the driver cancels the statement from a timer thread. */
        QUERY_TIMEOUT
    }
    /** Spring Integration's {@code JdbcMetadataStore}, as a backend name. */
    static final String SPRING_INTEGRATION = "spring-integration";
    /** Camel's {@code JdbcMessageIdRepository}, as a backend name. */
    static final String CAMEL = "camel";
    /** The suffix of a guard's backend name that turns its attempt log on ({@code jooq+log}). */
    static final String LOGGED = "+log";
    /** The libraries measured beside the guards. */
    static final List<String> ALTERNATIVES = List.of(SPRING_INTEGRATION, CAMEL);

    /** What one registration answered. */
    record Outcome(boolean isNew, long id) {
    }

    /** A registration made inside an open transaction of the caller's, not yet committed. */
    interface Held extends AutoCloseable {
        Outcome outcome();

        void commit();

        @Override
        void close();
    }

    private final String backend;
    private final Strategy strategy;

    Subject(String backend, Strategy strategy) {
        this.backend = backend;
        this.strategy = strategy;
    }

    /** {@code baseline}, {@code jooq}, {@code jpa}, {@code spring-integration} or {@code camel}; a strategy for jooq and jpa. */
    static Subject create(String backend, Strategy strategy, BenchDatabase db, DataSource ds, EntityManagerFactory emf) {
        return switch (backend) {
            case BASELINE -> new Baseline(ds, db.postgres(), false);
            case ONE_ROUND_TRIP -> new Baseline(ds, db.postgres(), true);
            case ONE_ROUND_TRIP_SET_CONFIG -> new Baseline(ds, db.postgres(), true, LockTimeout.SET_CONFIG);
            case ONE_ROUND_TRIP_IN_INSERT -> new Baseline(ds, db.postgres(), true, LockTimeout.IN_INSERT);
            case ONE_ROUND_TRIP_QUERY_TIMEOUT -> new Baseline(ds, db.postgres(), true, LockTimeout.QUERY_TIMEOUT);
            case SPRING_INTEGRATION -> new SpringIntegration(ds);
            case CAMEL -> new Camel(ds);
            case "jooq", "jooq" + LOGGED -> new Jooq(strategy, ds, db.postgres() ? SQLDialect.POSTGRES
                    : db.mariadb() ? SQLDialect.MARIADB : SQLDialect.H2, backend.endsWith(LOGGED));
            case "jpa", "jpa" + LOGGED -> new Jpa(strategy, emf, backend.endsWith(LOGGED));
            default -> throw new IllegalArgumentException("backend must be baseline, one-round-trip, jooq, jpa, "
                    + "jooq" + LOGGED + ", jpa" + LOGGED + ", spring-integration or camel, was " + backend);
        };
    }

    String backend() {
        return backend;
    }

    /** The strategy, or {@code null} for the baseline. */
    Strategy strategy() {
        return strategy;
    }

    String label() {
        return backend + " " + strategy;
    }

    /** The label without its description: {@code baseline}, {@code jooq UNIQUE_CONSTRAINT}, ... */
    String shortLabel() {
        return label();
    }

    /** Whether this is one of the guards (not the baseline, not another library). */
    boolean guard() {
        return strategy != null;
    }

    String table() {
        return strategy == null || strategy == Strategy.UNIQUE_CONSTRAINT ? "bench_file" : "bench_file_nouniq";
    }

    /** The rows stored for case {@code scope}. */
    long rows(BenchDatabase db, long scope) {
        return db.count("select count(*) from " + table() + " where case_id = " + scope);
    }

    abstract Outcome register(FileKey key);

    abstract List<Outcome> registerAll(List<FileKey> keys);

    /** Begins a transaction of the caller's own and registers {@code key} in it, joined. */
    abstract Held hold(FileKey key);

    /** The attempt log of a {@code +log} guard: every registration recorded in the benchmark's log table. */
    static AttemptLog attemptLog(boolean logged) {
        return logged ? AttemptLog.in(BenchDatabase.ATTEMPT_TABLE).withContext(() -> AttemptContext.actor("bench"))
                : AttemptLog.OFF;
    }

    static Outcome outcome(Registration<?> r) {
        return new Outcome(r.isNew(), r.id());
    }

    /**
     * Raw JDBC, one statement per file: {@code insert ... on conflict do nothing returning id} on PostgreSQL, a plain
     * insert whose duplicate-key error is caught (then a lookup) on H2 and MariaDB. The baseline runs it in an explicit
     * transaction and commits (2 round trips for a new file); the one-round-trip subject runs it in auto-commit (on
     * MariaDB as {@code insert ... returning id}), one round trip for a new file, the least a registration can cost.
     */
    private static final class Baseline extends Subject {
        private final DataSource ds;
        private final boolean autoCommit;
        private final boolean returning;
        private final boolean queryTimeout;
        private final String insert;
        private final String find = "select id from bench_file where case_id = ? and file_hash = ? and "
                + "original_filename = ?";

        Baseline(DataSource ds, boolean postgres, boolean autoCommit) {
            this(ds, postgres, autoCommit, LockTimeout.NONE);
        }

        Baseline(DataSource ds, boolean postgres, boolean autoCommit, LockTimeout lockTimeout) {
            super(lockTimeout == LockTimeout.SET_CONFIG ? ONE_ROUND_TRIP_SET_CONFIG
                    : lockTimeout == LockTimeout.IN_INSERT ? ONE_ROUND_TRIP_IN_INSERT
                    : lockTimeout == LockTimeout.QUERY_TIMEOUT ? ONE_ROUND_TRIP_QUERY_TIMEOUT
                    : autoCommit ? ONE_ROUND_TRIP : BASELINE, null);
            this.ds = ds;
            this.autoCommit = autoCommit;
            this.queryTimeout = lockTimeout == LockTimeout.QUERY_TIMEOUT;
            String plain = "insert into bench_file (case_id, file_hash, original_filename) values (?, ?, ?)";
            if (postgres && lockTimeout == LockTimeout.SET_CONFIG) {
                insert = "select * from (select set_config('lock_timeout', '5000ms', true)) cfg;\n" + plain
                        + " on conflict (case_id, file_hash, original_filename) do nothing returning id";
            } else if (postgres && lockTimeout == LockTimeout.IN_INSERT) {
                insert = "insert into bench_file (case_id, file_hash, original_filename) select ?, ?, ? where (select "
                        + "set_config('lock_timeout', '5000ms', true)) is not null on conflict (case_id, file_hash, "
                        + "original_filename) do nothing returning id";
            } else if (postgres) {
                insert = plain + " on conflict (case_id, file_hash, original_filename) do nothing returning id";
            } else if (autoCommit && isMariaDb(ds)) {
                insert = plain + " returning id";
            } else {
                insert = plain;
            }
            this.returning = insert.endsWith("returning id");
        }

        private static boolean isMariaDb(DataSource ds) {
            try (Connection c = ds.getConnection()) {
                return c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("maria");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        String label() {
            return autoCommit ? backend() + " (raw JDBC, auto-commit insert)" : BASELINE + " (raw JDBC insert + commit)";
        }

        @Override
        String shortLabel() {
            return backend();
        }

        @Override
        Outcome register(FileKey key) {
            try (Connection c = ds.getConnection()) {
                if (autoCommit) {
                    return insertOrFind(c, key);
                }
                c.setAutoCommit(false);
                try {
                    Outcome o = insertOrFind(c, key);
                    c.commit();
                    return o;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private Outcome insertOrFind(Connection c, FileKey key) throws SQLException {
            try (PreparedStatement ps = returning ? c.prepareStatement(insert)
                    : c.prepareStatement(insert, new String[] {"ID"})) {
                bind(ps, key);
                if (queryTimeout) {
                    ps.setQueryTimeout(5);
                }
                try {
                    if (insert.startsWith("select * from (select set_config")) {
                        ps.execute();
                        ps.getMoreResults();
                        try (ResultSet rs = ps.getResultSet()) {
                            if (rs.next()) {
                                return new Outcome(true, rs.getLong(1));
                            }
                        }
                    } else if (returning) {
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                return new Outcome(true, rs.getLong(1));
                            }
                        }
                    } else {
                        ps.executeUpdate();
                        try (ResultSet rs = ps.getGeneratedKeys()) {
                            rs.next();
                            return new Outcome(true, rs.getLong(1));
                        }
                    }
                } catch (SQLException e) {
                    if (!"23505".equals(e.getSQLState()) && e.getErrorCode() != 1062) {
                        throw e;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(find)) {
                bind(ps, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Outcome(false, rs.getLong(1));
                }
            }
        }

        private static void bind(PreparedStatement ps, FileKey key) throws SQLException {
            ps.setLong(1, Long.parseLong(key.scope()));
            ps.setString(2, key.contentHash());
            ps.setString(3, key.fileName());
        }

        @Override
        List<Outcome> registerAll(List<FileKey> keys) {
            List<Outcome> out = new ArrayList<>(keys.size());
            keys.forEach(k -> out.add(register(k)));
            return out;
        }

        @Override
        Held hold(FileKey key) {
            throw new UnsupportedOperationException("the raw subjects have no joined mode");
        }
    }

    private static final class Jooq extends Subject {
        private static final Field<Long> ID = DSL.field(name("id"), SQLDataType.BIGINT);
        private static final Field<Long> CASE_ID = DSL.field(name("case_id"), SQLDataType.BIGINT);
        private static final Field<String> FILE_HASH = DSL.field(name("file_hash"), SQLDataType.CHAR(64));
        private static final Field<String> NAME = DSL.field(name("original_filename"), SQLDataType.VARCHAR(2000));

        private final DataSource ds;
        private final SQLDialect dialect;
        private final JooqDuplicateGuard<Record> guard;
        /** One context for the host's records, as an application holds one (a context per call copies its settings). */
        private final DSLContext records;

        Jooq(Strategy strategy, DataSource ds, SQLDialect dialect, boolean logged) {
            super(logged ? "jooq" + LOGGED : "jooq", strategy);
            this.ds = ds;
            this.dialect = dialect;
            this.records = DSL.using(dialect);
            HostTable<Record> mapping = HostTable.of(DSL.table(name(table()))).id(ID).scope(CASE_ID)
                    .contentHash(FILE_HASH).fileName(NAME).build();
            this.guard = JooqDuplicateGuard.forHostTable(ds, dialect, mapping).strategy(strategy)
                    .lockStripes(BenchDatabase.STRIPES).attemptLog(attemptLog(logged)).build();
        }

        private Record row(FileKey key) {
            Record r = records.newRecord(CASE_ID, FILE_HASH, NAME);
            r.set(CASE_ID, Long.parseLong(key.scope()));
            r.set(FILE_HASH, key.contentHash());
            r.set(NAME, key.fileName());
            return r;
        }

        @Override
        Outcome register(FileKey key) {
            return outcome(guard.register(row(key)));
        }

        @Override
        List<Outcome> registerAll(List<FileKey> keys) {
            return outcomes(guard.registerAll(keys.stream().map(this::row).toList()), Subject::outcome);
        }

        @Override
        Held hold(FileKey key) {
            try {
                Connection c = ds.getConnection();
                c.setAutoCommit(false);
                DSLContext tx = DSL.using(c, dialect);
                Outcome o = outcome(guard.joining(tx).register(row(key)));
                return new Held() {
                    @Override
                    public Outcome outcome() {
                        return o;
                    }

                    @Override
                    public void commit() {
                        try {
                            c.commit();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }

                    @Override
                    public void close() {
                        try (c) {
                            c.rollback();
                            c.setAutoCommit(true);
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                };
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class Jpa extends Subject {
        private final EntityManagerFactory emf;
        private final JpaDuplicateGuard<? extends BenchFile> guard;

        Jpa(Strategy strategy, EntityManagerFactory emf, boolean logged) {
            super(logged ? "jpa" + LOGGED : "jpa", strategy);
            this.emf = emf;
            this.guard = strategy == Strategy.UNIQUE_CONSTRAINT ? build(Unique.class, logged)
                    : build(NoUnique.class, logged);
        }

        private <E extends BenchFile> JpaDuplicateGuard<E> build(Class<E> type, boolean logged) {
            return JpaDuplicateGuard.forHostEntity(emf, EntityMapping.of(type).scope("caseId").contentHash("fileHash")
                    .fileName("originalFilename")).strategy(strategy()).lockStripes(BenchDatabase.STRIPES)
                    .attemptLog(attemptLog(logged)).build();
        }

        private BenchFile entity(FileKey key) {
            long caseId = Long.parseLong(key.scope());
            return strategy() == Strategy.UNIQUE_CONSTRAINT
                    ? new Unique(caseId, key.contentHash(), key.fileName())
                    : new NoUnique(caseId, key.contentHash(), key.fileName());
        }

        @SuppressWarnings("unchecked")
        private DuplicateGuard<BenchFile> untyped(DuplicateGuard<? extends BenchFile> g) {
            return (DuplicateGuard<BenchFile>) g;
        }

        @Override
        Outcome register(FileKey key) {
            return outcome(untyped(guard).register(entity(key)));
        }

        @Override
        List<Outcome> registerAll(List<FileKey> keys) {
            return outcomes(untyped(guard).registerAll(keys.stream().map(this::entity).toList()), Subject::outcome);
        }

        @Override
        Held hold(FileKey key) {
            EntityManager em = emf.createEntityManager();
            em.getTransaction().begin();
            Outcome o = outcome(untyped(guard.joining(em)).register(entity(key)));
            return new Held() {
                @Override
                public Outcome outcome() {
                    return o;
                }

                @Override
                public void commit() {
                    em.getTransaction().commit();
                }

                @Override
                public void close() {
                    if (em.getTransaction().isActive()) {
                        em.getTransaction().rollback();
                    }
                    em.close();
                }
            };
        }
    }

    /**
     * Spring Integration's {@code JdbcMetadataStore.putIfAbsent} in a {@code TransactionTemplate} over a
     * {@code DataSourceTransactionManager}, on the {@code INT_METADATA_STORE} table of the schema script shipped in its
     * jar. The metadata key is {@code scope:hash:name} (the guard's whole key); the value is a registration number
     * this subject hands out, so a duplicate answers with the winner's number.
     */
    private static final class SpringIntegration extends Subject {
        private final JdbcMetadataStore store;
        private final TransactionTemplate tx;
        private final AtomicLong ids = new AtomicLong();

        SpringIntegration(DataSource ds) {
            super(SPRING_INTEGRATION, null);
            store = new JdbcMetadataStore(ds);
            store.afterPropertiesSet();
            store.start();
            tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        }

        @Override
        String label() {
            return "spring-integration JdbcMetadataStore";
        }

        @Override
        String shortLabel() {
            return SPRING_INTEGRATION;
        }

        @Override
        long rows(BenchDatabase db, long scope) {
            return db.count("select count(*) from INT_METADATA_STORE where METADATA_KEY like '" + scope + ":%'");
        }

        @Override
        Outcome register(FileKey key) {
            String id = Long.toString(ids.incrementAndGet());
            String winner = tx.execute(status -> store.putIfAbsent(key.scope() + ":" + key.contentHash() + ":"
                    + key.fileName(), id));
            return winner == null ? new Outcome(true, Long.parseLong(id)) : new Outcome(false, Long.parseLong(winner));
        }

        @Override
        List<Outcome> registerAll(List<FileKey> keys) {
            List<Outcome> out = new ArrayList<>(keys.size());
            keys.forEach(k -> out.add(register(k)));
            return out;
        }

        @Override
        Held hold(FileKey key) {
            throw new UnsupportedOperationException("measured in own transactions only");
        }
    }

    /**
     * Camel's {@code JdbcMessageIdRepository.add} with a {@code TransactionTemplate} over a
     * {@code DataSourceTransactionManager}, on its {@code CAMEL_MESSAGEPROCESSED} table. The message id is
     * {@code scope:hash}: the column holds 100 characters, too few for the file name as well. The repository answers
     * only "added or not", no id.
     */
    private static final class Camel extends Subject {
        private final JdbcMessageIdRepository repository;

        Camel(DataSource ds) {
            super(CAMEL, null);
            repository = new JdbcMessageIdRepository(ds, new TransactionTemplate(new DataSourceTransactionManager(ds)),
                    "dedup-bench");
            repository.start();
        }

        @Override
        String label() {
            return "camel JdbcMessageIdRepository";
        }

        @Override
        String shortLabel() {
            return CAMEL;
        }

        @Override
        long rows(BenchDatabase db, long scope) {
            return db.count("select count(*) from CAMEL_MESSAGEPROCESSED where messageId like '" + scope + ":%'");
        }

        @Override
        Outcome register(FileKey key) {
            return new Outcome(repository.add(key.scope() + ":" + key.contentHash()), 0);
        }

        @Override
        List<Outcome> registerAll(List<FileKey> keys) {
            List<Outcome> out = new ArrayList<>(keys.size());
            keys.forEach(k -> out.add(register(k)));
            return out;
        }

        @Override
        Held hold(FileKey key) {
            throw new UnsupportedOperationException("measured in own transactions only");
        }
    }

    static <R> List<Outcome> outcomes(List<R> registrations, Function<R, Outcome> map) {
        List<Outcome> out = new ArrayList<>(registrations.size());
        registrations.forEach(r -> out.add(map.apply(r)));
        return out;
    }
}
