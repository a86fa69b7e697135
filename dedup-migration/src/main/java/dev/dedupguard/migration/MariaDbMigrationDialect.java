package dev.dedupguard.migration;

import dev.dedupguard.jdbc.Dialect;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The migration's statements on MariaDB 11.4 with InnoDB. Keys compare as the guard's do: character key columns as
 * {@code binary}, the hash through {@code lower()} first. The lock is {@code GET_LOCK} on the table's schema and name
 * as the catalog stores them. The unique key is built with {@code ALTER TABLE ... ADD CONSTRAINT ... UNIQUE KEY,
 * ALGORITHM=INPLACE, LOCK=NONE}: writers go on during the build, a duplicate they insert meanwhile fails the build
 * (1062) and leaves nothing behind, and the key is the constraint (there is nothing to attach). The hash check needs
 * {@code ALGORITHM=COPY}, which MariaDB 11.2 and later run with {@code LOCK=NONE}: the table is copied while writers
 * go on; it runs with {@code check_constraint_checks=OFF}, so rows stored before it are not checked (MariaDB has no
 * {@code NOT VALID} and records no validation: a count of stored hashes that are not lower case stands for it). Both
 * wait for the table's metadata lock at most {@code WAIT n} seconds (the lock timeout rounded up to whole
 * seconds), so writers queue behind them for at most that long. Rows are quarantined as {@code JSON_OBJECT}s; binary
 * columns as base64 ({@code TO_BASE64}), {@code bit} as a number and geometry as WKT. Batches stage their pairs in a
 * temporary table.
 */
final class MariaDbMigrationDialect extends MigrationDialect {
    private static final String BATCH = "dedup_migration_batch";
    private static final Set<String> BINARY = Set.of("binary", "varbinary", "tinyblob", "blob", "mediumblob",
            "longblob");
    private static final Set<String> GEOMETRY = Set.of("geometry", "point", "linestring", "polygon", "multipoint",
            "multilinestring", "multipolygon", "geometrycollection");

    private final int waitSeconds;

    MariaDbMigrationDialect(MigrationTarget target, Duration lockTimeout) {
        super(Dialect.MARIADB, target, lockTimeout);
        this.waitSeconds = (int) Math.max(1, (lockTimeout.toMillis() + 999) / 1000);
    }

    /** The table as the catalog finds it in the named database, or in the connection's current one. */
    static MigrationDialect.@Nullable Identity identify(Connection c, TableMapping m) throws SQLException {
        Dialect d = Dialect.MARIADB;
        try (PreparedStatement ps = c.prepareStatement("select table_schema, table_name, table_type, engine"
                + " from information_schema.tables where table_schema = coalesce(?, database()) and table_name = ?")) {
            ps.setString(1, m.schema == null ? null : m.schema.stored(d));
            ps.setString(2, m.name.stored(d));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String kind = rs.getString(3).equals("BASE TABLE") ? "table" : rs.getString(3).toLowerCase();
                return new MigrationDialect.Identity(rs.getString(1), rs.getString(2), kind, rs.getString(4),
                        "dedup-migration:" + rs.getString(1) + "." + rs.getString(2));
            }
        }
    }

    @Override
    String keyExpression(String alias, String column) {
        if (column.equals(t.contentHash())) {
            return "cast(lower(" + alias + "." + q(column) + ") as binary)";
        }
        String c = alias + "." + q(column);
        return t.columns().get(column).collatable() ? "cast(" + c + " as binary)" : c;
    }

    @Override
    String nonCanonicalHash(String alias) {
        String h = alias + "." + q(t.contentHash());
        return "cast(" + h + " as binary) <> cast(lower(" + h + ") as binary)";
    }

    @Override
    String oldestFirst(String alias) {
        String id = alias + "." + q(t.id());
        String o = alias + "." + q(t.oldestBy());
        return t.oldestBy().equals(t.id()) ? id : o + " is null, " + o + ", " + id;
    }

    /** The row {@code alias} as a JSON object of every column, binary values base64, bits as numbers. */
    private String rowJson(String alias) {
        return "json_object(" + t.columns().values().stream().map(c -> jsonKey(c.name()) + ", " + jsonValue(alias, c))
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String jsonKey(String name) {
        if (name.indexOf('\'') < 0 && name.indexOf('\\') < 0) {
            return "'" + name + "'";
        }
        return "convert(x'" + HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8)) + "' using utf8mb4)";
    }

    private String jsonValue(String alias, MigrationTarget.Column c) {
        String v = alias + "." + q(c.name());
        if (BINARY.contains(c.dataType())) {
            return "to_base64(" + v + ")";
        }
        if (c.dataType().equals("bit")) {
            return "cast(" + v + " as unsigned)";
        }
        return GEOMETRY.contains(c.dataType()) ? "st_astext(" + v + ")" : v;
    }

    // ---------------------------------------------------------------- catalog

    static final String COLUMNS = "select column_name, column_type, lower(data_type), collation_name is not null"
            + " from information_schema.columns where table_schema = ? and table_name = ? order by ordinal_position";

    @Override
    String columns() {
        return COLUMNS;
    }

    @Override
    String foreignKeys() {
        return "select rc.constraint_name, rc.constraint_schema, rc.table_name, rc.delete_rule, k.ordinal_position,"
                + " k.column_name, k.referenced_column_name from information_schema.referential_constraints rc"
                + " join information_schema.key_column_usage k on k.constraint_schema = rc.constraint_schema"
                + " and k.constraint_name = rc.constraint_name and k.table_name = rc.table_name"
                + " where rc.unique_constraint_schema = ? and rc.referenced_table_name = ? order by 1, 2, 3, 5";
    }

    @Override
    String indexes() {
        return "select index_name, case when index_name = 'PRIMARY' then 'p' when non_unique = 0 then 'u' end, 1,"
                + " index_type = 'BTREE' and sub_part is null, 0, non_unique = 0, seq_in_index, column_name"
                + " from information_schema.statistics where table_schema = ? and table_name = ? order by 1, 7";
    }

    @Override
    @Nullable String relationsNamed() {
        return null;
    }

    @Override
    String checkConstraints() {
        return "select constraint_name, 0, check_clause from information_schema.check_constraints"
                + " where constraint_schema = ? and table_name = ? order by 1";
    }

    @Override
    @Nullable String privileges() {
        return null;
    }

    // ---------------------------------------------------------------- report

    @Override
    String duplicatesByScope() {
        return "select g.scope_text, count(*), sum(g.n - 1) from (select cast(min(t." + q(t.scope()) + ") as char)"
                + " as scope_text, count(*) as n from " + table() + " t where " + keyNotNull("t") + " group by "
                + key("t") + " having count(*) > 1) g group by g.scope_text order by 3 desc, 1";
    }

    // ---------------------------------------------------------------- lock

    @Override
    String tryLock() {
        return "select get_lock(?, 0) = 1";
    }

    @Override
    String unlock() {
        return "select release_lock(?) = 1";
    }

    @Override
    String lockHolder() {
        return "select concat('MariaDB connection ', p.id, ' (user ', p.user, ', host ', p.host, ', ', p.command,"
                + " ' for ', p.time, ' s)') from information_schema.processlist p where p.id = is_used_lock(?)";
    }

    // ---------------------------------------------------------------- resolve

    @Override
    List<String> beginTransaction() {
        return List.of();
    }

    private String work(String name) {
        return q(t.schema()) + "." + q(name);
    }

    @Override
    List<String> createWorkTables() {
        return List.of("create temporary table if not exists " + plan() + " (removed_id bigint primary key,"
                + " kept_id bigint not null) engine=InnoDB", "create temporary table if not exists " + work(BATCH)
                + " (removed_id bigint primary key, kept_id bigint not null) engine=InnoDB", "delete from " + plan(),
                "delete from " + work(BATCH));
    }

    @Override
    List<String> dropWorkTables() {
        return List.of("drop temporary table if exists " + plan(), "drop temporary table if exists " + work(BATCH));
    }

    @Override
    String plan() {
        return work(PLAN);
    }

    @Override
    String analyzePlan() {
        return "analyze table " + plan();
    }

    /** Carries the lock timeout itself ({@code SET STATEMENT innodb_lock_wait_timeout=n FOR}, whole seconds). */
    @Override
    String lockPairs() {
        String id = q(t.id());
        return jdbc.lockTimeoutStatementPrefix(jdbc.lockTimeoutValue(lockTimeout)) + "select t." + id + ", k." + id
                + " from " + plan() + " p join " + table() + " t on t." + id + " = p.removed_id join " + table()
                + " k on k." + id + " = p.kept_id where p.removed_id > ? and p.removed_id <= ? and "
                + keysEqual("t", "k") + " order by t." + id + " for update";
    }

    @Override
    String pairs() {
        return work(BATCH) + " p";
    }

    @Override
    void stagePairs(Connection c, long[] removed, long[] kept) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("delete from " + work(BATCH));
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + work(BATCH)
                + " (removed_id, kept_id) values (?, ?)")) {
            for (int i = 0; i < removed.length; i++) {
                ps.setLong(1, removed[i]);
                ps.setLong(2, kept[i]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    int bindPairs(PreparedStatement ps, int first, long[] removed, long[] kept) {
        return first;
    }

    @Override
    List<String> move() {
        String id = q(t.id());
        return List.of("insert into " + quarantine() + " (removed_id, kept_id, row_data) select t." + id
                        + ", p.kept_id, " + rowJson("t") + " from " + pairs() + " join " + table() + " t on t." + id
                        + " = p.removed_id",
                "delete t from " + table() + " t join " + pairs() + " on t." + id + " = p.removed_id");
    }

    @Override
    String rowsOfPairs() {
        return "select p.removed_id, p.kept_id, " + rowJson("t") + " from " + pairs() + " join " + table() + " t on t."
                + q(t.id()) + " = p.removed_id order by p.removed_id desc";
    }

    @Override
    String rewriteHashes() {
        return "update " + table() + " t set t." + q(t.contentHash()) + " = lower(t." + q(t.contentHash()) + ")"
                + " where t." + q(t.id()) + " > ? and t." + q(t.id()) + " <= ? and " + nonCanonicalHash("t");
    }

    @Override
    String createQuarantine() {
        return "create table if not exists " + quarantine() + " (removed_id bigint primary key,"
                + " kept_id bigint not null, moved_at timestamp(6) not null default current_timestamp(6),"
                + " row_data longtext character set utf8mb4 collate utf8mb4_bin not null check (json_valid(row_data)))"
                + " engine=InnoDB";
    }

    // ---------------------------------------------------------------- index, constraint, hash check

    @Override
    String createIndex() {
        return "alter table " + table() + " wait " + waitSeconds + " add constraint " + q(t.constraint())
                + " unique key (" + String.join(", ", t.keyColumns().stream().map(this::q).toList())
                + "), algorithm=inplace, lock=none";
    }

    /** Never needed: a failed build leaves no index behind. */
    @Override
    String dropInvalidIndex() {
        return "alter table " + table() + " wait " + waitSeconds + " drop index " + q(t.constraint());
    }

    @Override
    @Nullable String attachConstraint() {
        return null;
    }

    /**
     * MariaDB has no {@code NOT VALID}: with {@code check_constraint_checks=OFF} for this statement alone the table copy
     * skips checking the rows already stored, and the constraint is enforced for every later insert and update
     * (verified on 11.4: an upper-case legacy row stays, a new upper-case row is refused with error 4025).
     */
    @Override
    String addHashCheck() {
        return "set statement check_constraint_checks=off for alter table " + table() + " wait " + waitSeconds
                + " add constraint " + q(t.hashCheck()) + " check (" + q(t.contentHash()) + " = lower("
                + q(t.contentHash()) + ")), algorithm=copy, lock=none";
    }

    @Override
    String unvalidated() {
        return "check_constraint_checks=OFF for the table copy";
    }

    /** None: MariaDB records no validation; the count of non-canonical hashes is the proof. */
    @Override
    @Nullable String validateHashCheck() {
        return null;
    }

    @Override
    boolean alterInTransaction() {
        return false;
    }

    @Override
    String lockWait() {
        return waitSeconds + " s";
    }

    @Override
    String sessionId() {
        return "select connection_id()";
    }

    @Override
    String buildProgress() {
        return "select concat(coalesce(state, command), case when max_stage > 0 then concat(' (stage ', stage,"
                + " ' of ', max_stage, ')') else '' end), round(progress * 10), 1000"
                + " from information_schema.processlist where id = ?";
    }
}
