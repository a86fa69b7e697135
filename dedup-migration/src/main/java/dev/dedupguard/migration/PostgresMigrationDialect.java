package dev.dedupguard.migration;

import dev.dedupguard.jdbc.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The migration's statements on PostgreSQL 12 and later. Keys compare as the guard's do: {@code COLLATE "C"} on every
 * character key column, the hash through {@code lower()}. The lock is a session advisory lock on
 * {@code ('migr' << 32) | oid}, so two spellings of one table share it. The unique index is built with
 * {@code CREATE UNIQUE INDEX CONCURRENTLY} and attached with {@code ADD CONSTRAINT ... USING INDEX}; the hash check is
 * added {@code NOT VALID} (an instant's ACCESS EXCLUSIVE lock, no scan; enforced for every row inserted or updated
 * from then on) and validated, once no stored hash is upper case, under SHARE UPDATE EXCLUSIVE, which writers do not
 * wait for. Batches pass their pairs as two {@code bigint[]} parameters.
 */
final class PostgresMigrationDialect extends MigrationDialect {
    /** {@code 'migr'}: the high half of every lock key, the table's oid is the low half. */
    private static final long LOCK_CLASS = 0x6D696772L;

    PostgresMigrationDialect(MigrationTarget target, Duration lockTimeout) {
        super(Dialect.POSTGRESQL, target, lockTimeout);
    }

    /** The table as {@code to_regclass} resolves the user's name (the search path for an unqualified one). */
    static MigrationDialect.@Nullable Identity identify(Connection c, TableMapping m) throws SQLException {
        Dialect d = Dialect.POSTGRESQL;
        String name = (m.schema == null ? "" : d.quoteIdentifier(m.schema.stored(d)) + ".")
                + d.quoteIdentifier(m.name.stored(d));
        try (PreparedStatement ps = c.prepareStatement("select n.nspname::text, c.relname::text, c.relkind::text,"
                + " c.oid::bigint from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where c.oid = to_regclass(?)")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String kind = switch (rs.getString(3)) {
                    case "r", "p" -> "table";
                    case "v" -> "view";
                    case "m" -> "materialized view";
                    case "f" -> "foreign table";
                    default -> "relation of kind " + rs.getString(3);
                };
                return new MigrationDialect.Identity(rs.getString(1), rs.getString(2), kind, null,
                        LOCK_CLASS << 32 | rs.getLong(4));
            }
        }
    }

    @Override
    String keyExpression(String alias, String column) {
        if (column.equals(t.contentHash())) {
            return "lower(" + alias + "." + q(column) + ") collate \"C\"";
        }
        return alias + "." + q(column) + (t.columns().get(column).collatable() ? " collate \"C\"" : "");
    }

    @Override
    String nonCanonicalHash(String alias) {
        String h = alias + "." + q(t.contentHash());
        return h + " collate \"C\" <> lower(" + h + ") collate \"C\"";
    }

    @Override
    String oldestFirst(String alias) {
        String id = alias + "." + q(t.id());
        return t.oldestBy().equals(t.id()) ? id : alias + "." + q(t.oldestBy()) + " asc nulls last, " + id;
    }

    // ---------------------------------------------------------------- catalog

    private static final String TABLE_OID = "(select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname = ? and c.relname = ?)";

    static final String COLUMNS = "select a.attname::text, format_type(a.atttypid, a.atttypmod), ty.typname::text,"
            + " a.attcollation <> 0 from pg_attribute a join pg_type ty on ty.oid = a.atttypid where a.attrelid = "
            + TABLE_OID + " and a.attnum > 0 and not a.attisdropped order by a.attnum";

    @Override
    String columns() {
        return COLUMNS;
    }

    @Override
    String foreignKeys() {
        return "select con.conname::text, cn.nspname::text, ct.relname::text, case con.confdeltype"
                + " when 'c' then 'CASCADE' when 'n' then 'SET NULL' when 'd' then 'SET DEFAULT'"
                + " when 'r' then 'RESTRICT' else 'NO ACTION' end, k.ord, ca.attname::text, pa.attname::text"
                + " from pg_constraint con join pg_class ct on ct.oid = con.conrelid"
                + " join pg_namespace cn on cn.oid = ct.relnamespace"
                + " cross join lateral unnest(con.conkey, con.confkey) with ordinality as k(child_att, parent_att, ord)"
                + " join pg_attribute ca on ca.attrelid = con.conrelid and ca.attnum = k.child_att"
                + " join pg_attribute pa on pa.attrelid = con.confrelid and pa.attnum = k.parent_att"
                + " where con.contype = 'f' and con.conparentid = 0 and con.confrelid = " + TABLE_OID
                + " order by 1, 2, 3, 5";
    }

    @Override
    String indexes() {
        return "select ic.relname::text, con.contype::text, i.indisvalid and i.indisready,"
                + " i.indpred is null and i.indexprs is null and am.amname = 'btree',"
                + " coalesce(con.condeferrable, false), i.indisunique, k.ord, a.attname::text"
                + " from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_am am on am.oid = ic.relam"
                + " left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid"
                + " and con.contype in ('u', 'p', 'x')"
                + " cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)"
                + " left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum and k.attnum > 0"
                + " where i.indrelid = " + TABLE_OID + " and k.ord <= i.indnkeyatts order by 1, 7";
    }

    /** (schema, name, table): an index name is a relation name, unique in its schema. */
    @Override
    String relationsNamed() {
        return "select c.relname::text || ' (' || case c.relkind when 'r' then 'a table' when 'p' then 'a table'"
                + " when 'v' then 'a view' when 'S' then 'a sequence' when 'm' then 'a materialized view'"
                + " when 'i' then 'an index on ' || i.indrelid::regclass::text"
                + " when 'I' then 'an index on ' || i.indrelid::regclass::text else 'a relation' end || ')'"
                + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " left join pg_index i on i.indexrelid = c.oid"
                + " where n.nspname = ? and c.relname = ? and (i.indrelid is null or i.indrelid <> (select t.oid"
                + " from pg_class t where t.relnamespace = n.oid and t.relname = ?))";
    }

    @Override
    String checkConstraints() {
        return "select con.conname::text, con.convalidated, pg_get_constraintdef(con.oid) from pg_constraint con"
                + " where con.contype = 'c' and con.conrelid = " + TABLE_OID + " order by 1";
    }

    @Override
    String privileges() {
        return "select has_schema_privilege(c.relnamespace, 'CREATE'), has_table_privilege(c.oid, 'SELECT')"
                + " and has_table_privilege(c.oid, 'UPDATE') and has_table_privilege(c.oid, 'DELETE'),"
                + " pg_has_role(c.relowner, 'USAGE') from pg_class c where c.oid = " + TABLE_OID;
    }

    // ---------------------------------------------------------------- report

    @Override
    String duplicatesByScope() {
        return "select g.scope_text, count(*), sum(g.n - 1) from (select (" + keyExpression("t", t.scope())
                + ")::text as scope_text, count(*) as n from " + table() + " t where " + keyNotNull("t")
                + " group by " + key("t") + " having count(*) > 1) g group by g.scope_text order by 3 desc, 1";
    }

    // ---------------------------------------------------------------- lock

    @Override
    String tryLock() {
        return "select pg_try_advisory_lock(?)";
    }

    @Override
    String unlock() {
        return "select pg_advisory_unlock(?)";
    }

    @Override
    String lockHolder() {
        return "select format('PostgreSQL backend %s (user %s, application %s, client %s, connected since %s, %s)',"
                + " a.pid, a.usename, coalesce(nullif(a.application_name, ''), '-'),"
                + " coalesce(a.client_addr::text, 'local'), a.backend_start, a.state)"
                + " from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory'"
                + " and l.granted and l.objsubid = 1 and (l.classid::bigint << 32 | l.objid::bigint) = ?";
    }

    // ---------------------------------------------------------------- resolve

    @Override
    List<String> beginTransaction() {
        return List.of("select set_config('lock_timeout', '" + lockTimeout.toMillis() + "ms', true)");
    }

    @Override
    List<String> createWorkTables() {
        return List.of("create temporary table if not exists " + PLAN
                + " (removed_id bigint primary key, kept_id bigint not null)", "delete from " + plan());
    }

    @Override
    List<String> dropWorkTables() {
        return List.of("drop table if exists " + plan());
    }

    @Override
    String plan() {
        return "pg_temp." + PLAN;
    }

    @Override
    String analyzePlan() {
        return "analyze " + plan();
    }

    @Override
    String lockPairs() {
        String id = q(t.id());
        return "select t." + id + ", k." + id + " from " + plan() + " p join " + table() + " t on t." + id
                + " = p.removed_id join " + table() + " k on k." + id + " = p.kept_id where p.removed_id > ?"
                + " and p.removed_id <= ? and " + keysEqual("t", "k") + " order by t." + id
                + " for update of t for share of k";
    }

    @Override
    String pairs() {
        return "unnest(?::bigint[], ?::bigint[]) as p(removed_id, kept_id)";
    }

    @Override
    void stagePairs(Connection c, long[] removed, long[] kept) {
    }

    @Override
    int bindPairs(PreparedStatement ps, int first, long[] removed, long[] kept) throws SQLException {
        Connection c = ps.getConnection();
        ps.setArray(first, c.createArrayOf("bigint", Arrays.stream(removed).boxed().toArray()));
        ps.setArray(first + 1, c.createArrayOf("bigint", Arrays.stream(kept).boxed().toArray()));
        return first + 2;
    }

    @Override
    List<String> move() {
        return List.of("with moved as (delete from " + table() + " t using " + pairs() + " where t." + q(t.id())
                + " = p.removed_id returning t." + q(t.id()) + " as removed_id, p.kept_id as kept_id,"
                + " to_jsonb(t) as row_data) insert into " + quarantine() + " (removed_id, kept_id, row_data)"
                + " select removed_id, kept_id, row_data from moved");
    }

    @Override
    String rowsOfPairs() {
        return "select p.removed_id, p.kept_id, to_jsonb(t)::text from " + pairs() + " join " + table() + " t on t."
                + q(t.id()) + " = p.removed_id order by p.removed_id desc";
    }

    @Override
    String rewriteHashes() {
        return "update " + table() + " t set " + q(t.contentHash()) + " = lower(t." + q(t.contentHash()) + ")"
                + " where t." + q(t.id()) + " > ? and t." + q(t.id()) + " <= ? and " + nonCanonicalHash("t");
    }

    @Override
    String createQuarantine() {
        return "create table if not exists " + quarantine() + " (removed_id bigint primary key,"
                + " kept_id bigint not null, moved_at timestamptz not null default now(), row_data jsonb not null)";
    }

    // ---------------------------------------------------------------- index, constraint, hash check

    @Override
    String createIndex() {
        return "create unique index concurrently " + q(t.constraint()) + " on " + table() + " ("
                + String.join(", ", t.keyColumns().stream().map(this::q).toList()) + ")";
    }

    @Override
    String dropInvalidIndex() {
        return "drop index concurrently if exists " + q(t.schema()) + "." + q(t.constraint());
    }

    @Override
    String attachConstraint() {
        return "alter table " + table() + " add constraint " + q(t.constraint()) + " unique using index "
                + q(t.constraint());
    }

    @Override
    String addHashCheck() {
        return "alter table " + table() + " add constraint " + q(t.hashCheck()) + " check (" + q(t.contentHash())
                + " = lower(" + q(t.contentHash()) + ")) not valid";
    }

    @Override
    String unvalidated() {
        return "NOT VALID";
    }

    @Override
    String validateHashCheck() {
        return "alter table " + table() + " validate constraint " + q(t.hashCheck());
    }

    @Override
    boolean alterInTransaction() {
        return true;
    }

    @Override
    String lockWait() {
        return lockTimeout.toMillis() + " ms";
    }

    @Override
    String sessionId() {
        return "select pg_backend_pid()";
    }

    @Override
    String buildProgress() {
        return "select phase, case when blocks_total > 0 then blocks_done else tuples_done end,"
                + " case when blocks_total > 0 then blocks_total else tuples_total end"
                + " from pg_stat_progress_create_index where pid = ?";
    }
}
