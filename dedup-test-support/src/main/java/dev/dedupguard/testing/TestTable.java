package dev.dedupguard.testing;

import dev.dedupguard.AttemptLog;
import dev.dedupguard.FileKey;
import dev.dedupguard.jdbc.LibrarySchema;
import dev.dedupguard.Strategy;
import java.util.List;

/**
 * The tables the contract suite registers into.
 *
 * <ul>
 *   <li>{@link #LIBRARY}: the library-owned {@code dedup_file}, from {@link LibrarySchema}, unique on
 *       (scope, content_hash, name_key);</li>
 *   <li>{@link #HOST}: the seed's host table {@code case_file} as is, with {@code uq_case_file_duplicate} on
 *       (case_id, file_hash, original_filename) and columns of the host's own;</li>
 *   <li>{@link #HOST_UNCONSTRAINED}: the same columns without any unique constraint ({@code case_file_legacy}): a
 *       table that cannot carry one, where only {@link Strategy#SELECT_FOR_UPDATE} keeps out duplicates;</li>
 *   <li>{@link #HOST_PARTITIONED} (PostgreSQL only): the seed's columns in {@code case_file_part}, declaratively
 *       partitioned {@code PARTITION BY HASH (case_id)} into 4 partitions, with the unique constraint on the key
 *       (which includes the partition key, as PostgreSQL requires).</li>
 * </ul>
 * Host rows have numeric scopes (case ids), so the suite's keys always use numeric scopes.
 */
public enum TestTable {
    LIBRARY("dedup_file", "scope", "content_hash", "file_name", true),
    HOST("case_file", "case_id", "file_hash", "original_filename", true),
    HOST_UNCONSTRAINED("case_file_legacy", "case_id", "file_hash", "original_filename", false),
    HOST_PARTITIONED("case_file_part", "case_id", "file_hash", "original_filename", true);

    /** Length of the host tables' name column on MariaDB: the longest that keeps the unique key a BTREE. */
    private static final int MARIADB_NAME_LENGTH = 750;

    private final String table;
    private final String scopeColumn;
    private final String hashColumn;
    private final String nameColumn;
    private final boolean uniqueConstraint;

    TestTable(String table, String scopeColumn, String hashColumn, String nameColumn, boolean uniqueConstraint) {
        this.table = table;
        this.scopeColumn = scopeColumn;
        this.hashColumn = hashColumn;
        this.nameColumn = nameColumn;
        this.uniqueConstraint = uniqueConstraint;
    }

    public String table() {
        return table;
    }

    public boolean hasUniqueConstraint() {
        return uniqueConstraint;
    }

    public boolean isHost() {
        return this != LIBRARY;
    }

    /** Whether the suite creates this table on {@code db}: the partitioned table only on PostgreSQL. */
    public boolean existsOn(TestDatabase db) {
        return this != HOST_PARTITIONED || db == TestDatabase.POSTGRESQL;
    }

    /** Whether {@code strategy} can be built on this table (UNIQUE_CONSTRAINT needs the constraint). */
    public boolean supports(Strategy strategy) {
        return strategy != Strategy.UNIQUE_CONSTRAINT || uniqueConstraint;
    }

    /** Value of the scope column for {@code key}. */
    public Object scopeValue(FileKey key) {
        return isHost() ? (Object) Long.valueOf(key.scope()) : key.scope();
    }

    /** How many rows have the key's scope, hash and exact name. */
    public long rowsWith(TestDatabase db, FileKey key) {
        return db.queryLong("select count(*) from " + table + " where " + scopeColumn + " = ? and " + hashColumn
                + " = ? and " + nameColumn + " = ?", scopeValue(key), key.contentHash(), key.fileName());
    }

    /** How many rows have the key's scope and hash, whatever the name. */
    public long rowsWithContent(TestDatabase db, FileKey key) {
        return db.queryLong("select count(*) from " + table + " where " + scopeColumn + " = ? and " + hashColumn
                + " = ?", scopeValue(key), key.contentHash());
    }

    /** The stored file name of the row with this id. */
    public String storedName(TestDatabase db, long id) {
        return db.queryString("select " + nameColumn + " from " + table + " where id = ?", id);
    }

    public long totalRows(TestDatabase db) {
        return db.queryLong("select count(*) from " + table);
    }

    /**
     * The longest file name, in UTF-8 bytes, a guard on this table accepts on {@code db}: a host table keys on its raw
     * name, so on PostgreSQL its {@code bigint} scope, {@code char(64)} hash and name share one 2,704-byte btree entry,
     * leaving 2,612 bytes for the name; the library table keys on a digest of the name and takes the full 4096 bytes.
     * On MariaDB the host name column's declared length limits names instead, see {@link #maxNameChars}.
     *
     * @param db the database
     * @return the limit in UTF-8 bytes
     */
    public int maxNameBytes(TestDatabase db) {
        if (!isHost()) {
            return FileKey.MAX_FILE_NAME_BYTES;
        }
        return switch (db) {
            case POSTGRESQL -> 2612;
            case H2, MARIADB, MARIADB_SNAPSHOT_ISOLATION -> FileKey.MAX_FILE_NAME_BYTES;
        };
    }

    /**
     * The declared length, in characters, of this table's name column on {@code db} where it is the tighter limit: the
     * MariaDB host tables' {@code varchar(750)} utf8mb4 (see {@link #createAll}), which holds 750 characters of up to 4
     * bytes each; otherwise {@link Integer#MAX_VALUE}.
     *
     * @param db the database
     * @return the limit in characters (code points)
     */
    public int maxNameChars(TestDatabase db) {
        return isHost() && db.isMariaDb() ? MARIADB_NAME_LENGTH : Integer.MAX_VALUE;
    }

    /**
     * Creates every test table, the stripe table and the attempt log ({@value AttemptLog#DEFAULT_TABLE}, the shipped
     * DDL) on {@code db} if absent. On MariaDB the host tables differ from
     * the seed's in two ways: {@code file_hash} is ascii and {@code original_filename} is a {@code varchar(750)}, so
     * that the unique key stays within InnoDB's 3072 bytes (the seed's {@code varchar(4096)} would silently get a
     * {@code USING HASH} key, which the guard refuses); ids are {@code AUTO_INCREMENT}.
     */
    public static void createAll(TestDatabase db) {
        for (LibrarySchema.Statement s : LibrarySchema.ddl(db.ddl(), LibrarySchema.DEFAULT_FILE_TABLE,
                LibrarySchema.DEFAULT_STRIPE_TABLE, 1024)) {
            db.execute(s.sql());
        }
        for (String sql : LibrarySchema.attemptLogDdl(db.ddl(), AttemptLog.DEFAULT_TABLE)) {
            db.execute(sql);
        }
        if (db.isMariaDb()) {
            createAllOnMariaDb(db);
            return;
        }
        for (String table : List.of("case_file", "case_file_legacy")) {
            db.execute("create table if not exists " + table + " ("
                    + " id bigint generated by default as identity primary key,"
                    + " case_id bigint not null,"
                    + " file_hash char(64) not null,"
                    + " original_filename varchar(4096) not null,"
                    + " uploaded_by varchar(100),"
                    + " size_bytes bigint,"
                    + " status varchar(20) default 'received' not null,"
                    + " constraint ck_" + table + "_hash_lower check (file_hash = lower(file_hash))"
                    + (table.equals("case_file")
                            ? ", constraint uq_case_file_duplicate unique (case_id, file_hash, original_filename)"
                            : "")
                    + ")");
        }
        db.execute("create table if not exists host_audit (id bigint generated by default as identity primary key,"
                + " note varchar(200) not null)");
        if (db == TestDatabase.POSTGRESQL) {
            createPartitioned(db);
        }
    }

    private static void createPartitioned(TestDatabase db) {
        db.execute("create table if not exists case_file_part ("
                + " id bigint generated by default as identity,"
                + " case_id bigint not null,"
                + " file_hash char(64) not null,"
                + " original_filename varchar(4096) not null,"
                + " uploaded_by varchar(100),"
                + " size_bytes bigint,"
                + " status varchar(20) default 'received' not null,"
                + " constraint ck_case_file_part_hash_lower check (file_hash = lower(file_hash)),"
                + " constraint uq_case_file_part_duplicate unique (case_id, file_hash, original_filename)"
                + ") partition by hash (case_id)");
        for (int i = 0; i < 4; i++) {
            db.execute("create table if not exists case_file_part_" + i + " partition of case_file_part"
                    + " for values with (modulus 4, remainder " + i + ")");
        }
    }

    private static void createAllOnMariaDb(TestDatabase db) {
        for (String table : List.of("case_file", "case_file_legacy")) {
            db.execute("create table if not exists " + table + " ("
                    + " id bigint auto_increment primary key,"
                    + " case_id bigint not null,"
                    + " file_hash char(64) character set ascii collate ascii_bin not null,"
                    + " original_filename varchar(" + MARIADB_NAME_LENGTH + ") character set utf8mb4"
                    + " collate utf8mb4_nopad_bin not null,"
                    + " uploaded_by varchar(100),"
                    + " size_bytes bigint,"
                    + " status varchar(20) default 'received' not null,"
                    + " constraint ck_" + table + "_hash_lower check (file_hash = lower(file_hash))"
                    + (table.equals("case_file")
                            ? ", constraint uq_case_file_duplicate unique (case_id, file_hash, original_filename)"
                            : "")
                    + ") engine = InnoDB");
        }
        db.execute("create table if not exists host_audit (id bigint auto_increment primary key,"
                + " note varchar(200) not null) engine = InnoDB");
    }

    /** Deletes every row of the test tables (the stripe rows stay). */
    public static void clearAll(TestDatabase db) {
        for (String table : List.of("dedup_file", "case_file", "case_file_legacy", "host_audit")) {
            db.execute("delete from " + table);
        }
        if (HOST_PARTITIONED.existsOn(db)) {
            db.execute("delete from " + HOST_PARTITIONED.table);
        }
    }
}
