package dev.dedupguard.benchmarks;

import static org.jooq.impl.DSL.name;

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
import java.util.function.Function;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * One thing that registers files, measured side by side: the raw JDBC baseline, or a guard (backend x strategy).
 * {@code UNIQUE_CONSTRAINT} and the baseline use {@code bench_file} (unique on the key); the other strategies use
 * {@code bench_file_nouniq}, the table they exist for, where a duplicate they admit is visible as a second row.
 * Thread-safe.
 */
abstract class Subject {
    /** The baseline's name in reports. */
    static final String BASELINE = "baseline";

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

    /** {@code baseline}, {@code jooq} or {@code jpa}, with a strategy for the last two. */
    static Subject create(String backend, Strategy strategy, BenchDatabase db, DataSource ds, EntityManagerFactory emf) {
        return switch (backend) {
            case BASELINE -> new Baseline(ds, db.postgres());
            case "jooq" -> new Jooq(strategy, ds, db.postgres() ? SQLDialect.POSTGRES
                    : db.mariadb() ? SQLDialect.MARIADB : SQLDialect.H2);
            case "jpa" -> new Jpa(strategy, emf);
            default -> throw new IllegalArgumentException("backend must be baseline, jooq or jpa, was " + backend);
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
        return strategy == null ? "baseline (raw JDBC insert on conflict + commit)" : backend + " " + strategy;
    }

    String table() {
        return strategy == null || strategy == Strategy.UNIQUE_CONSTRAINT ? "bench_file" : "bench_file_nouniq";
    }

    abstract Outcome register(FileKey key);

    abstract List<Outcome> registerAll(List<FileKey> keys);

    /** Begins a transaction of the caller's own and registers {@code key} in it, joined. */
    abstract Held hold(FileKey key);

    static Outcome outcome(Registration<?> r) {
        return new Outcome(r.isNew(), r.id());
    }

    /**
     * One raw JDBC statement per file and a commit, the floor: {@code insert ... on conflict do nothing returning id}
     * on PostgreSQL, a plain insert whose duplicate-key error is caught (then a lookup) on H2 and MariaDB.
     */
    private static final class Baseline extends Subject {
        private final DataSource ds;
        private final String insert;
        private final String find = "select id from bench_file where case_id = ? and file_hash = ? and "
                + "original_filename = ?";

        Baseline(DataSource ds, boolean postgres) {
            super(BASELINE, null);
            this.ds = ds;
            this.insert = "insert into bench_file (case_id, file_hash, original_filename) values (?, ?, ?)"
                    + (postgres ? " on conflict (case_id, file_hash, original_filename) do nothing returning id" : "");
        }

        @Override
        Outcome register(FileKey key) {
            try (Connection c = ds.getConnection()) {
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
            boolean postgres = insert.contains("returning");
            try (PreparedStatement ps = postgres ? c.prepareStatement(insert)
                    : c.prepareStatement(insert, new String[] {"ID"})) {
                bind(ps, key);
                if (postgres) {
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            return new Outcome(true, rs.getLong(1));
                        }
                    }
                } else {
                    try {
                        ps.executeUpdate();
                        try (ResultSet rs = ps.getGeneratedKeys()) {
                            rs.next();
                            return new Outcome(true, rs.getLong(1));
                        }
                    } catch (SQLException e) {
                        if (!"23505".equals(e.getSQLState()) && e.getErrorCode() != 1062) {
                            throw e;
                        }
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
            throw new UnsupportedOperationException("the baseline has no joined mode");
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

        Jooq(Strategy strategy, DataSource ds, SQLDialect dialect) {
            super("jooq", strategy);
            this.ds = ds;
            this.dialect = dialect;
            HostTable<Record> mapping = HostTable.of(DSL.table(name(table()))).id(ID).scope(CASE_ID)
                    .contentHash(FILE_HASH).fileName(NAME).build();
            this.guard = JooqDuplicateGuard.forHostTable(ds, dialect, mapping).strategy(strategy)
                    .lockStripes(BenchDatabase.STRIPES).build();
        }

        private Record row(FileKey key) {
            Record r = DSL.using(dialect).newRecord(CASE_ID, FILE_HASH, NAME);
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

        Jpa(Strategy strategy, EntityManagerFactory emf) {
            super("jpa", strategy);
            this.emf = emf;
            this.guard = strategy == Strategy.UNIQUE_CONSTRAINT ? build(Unique.class) : build(NoUnique.class);
        }

        private <E extends BenchFile> JpaDuplicateGuard<E> build(Class<E> type) {
            return JpaDuplicateGuard.forHostEntity(emf, EntityMapping.of(type).scope("caseId").contentHash("fileHash")
                    .fileName("originalFilename")).strategy(strategy()).lockStripes(BenchDatabase.STRIPES).build();
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

    static <R> List<Outcome> outcomes(List<R> registrations, Function<R, Outcome> map) {
        List<Outcome> out = new ArrayList<>(registrations.size());
        registrations.forEach(r -> out.add(map.apply(r)));
        return out;
    }
}
