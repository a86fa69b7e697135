package dev.dedupguard.migration;

import java.sql.SQLException;

/** {@link MigrationSql} for PostgreSQL 12 and later. Every identifier is quoted; all come from a MigrationTable. */
final class PostgresSql implements MigrationSql {
    private final String table;
    private final String quarantine;
    private final String id;
    private final String keyColumns;
    private final String keyNotNull;
    private final String keysEqual;
    private final String order;
    private final String scope;
    private final String index;
    private final String qualifiedIndex;

    PostgresSql(MigrationTable t) {
        String schema = t.schema() == null ? "" : quote(t.schema()) + ".";
        this.table = schema + quote(t.table());
        this.quarantine = schema + quote(t.quarantineTable());
        this.id = quote(t.id());
        this.scope = quote(t.scope());
        this.keyColumns = scope + ", " + quote(t.contentHash()) + ", " + quote(t.fileName());
        this.keyNotNull = scope + " is not null and " + quote(t.contentHash()) + " is not null and "
                + quote(t.fileName()) + " is not null";
        this.keysEqual = "k." + scope + " = t." + scope + " and k." + quote(t.contentHash()) + " = t."
                + quote(t.contentHash()) + " and k." + quote(t.fileName()) + " = t." + quote(t.fileName());
        this.order = t.oldestBy().equals(t.id()) ? id : quote(t.oldestBy()) + " asc nulls last, " + id;
        this.index = quote(t.constraintName());
        this.qualifiedIndex = schema + index;
    }

    static String quote(String identifier) {
        return '"' + identifier + '"';
    }

    @Override
    public String tableRegclass() {
        return table;
    }

    @Override
    public String quarantineRegclass() {
        return quarantine;
    }

    @Override
    public String columns() {
        return "select attname::text, format_type(atttypid, atttypmod) from pg_attribute"
                + " where attrelid = to_regclass(?) and attnum > 0 and not attisdropped order by attnum";
    }

    private String groups() {
        return "select " + scope + "::text as scope_text, count(*) as n from " + table + " where " + keyNotNull
                + " group by " + keyColumns + " having count(*) > 1";
    }

    @Override
    public String duplicatesByScope() {
        return "select g.scope_text, count(*), sum(g.n - 1) from (" + groups() + ") g"
                + " group by g.scope_text order by 3 desc, 1";
    }

    @Override
    public String duplicateTotals() {
        return "select count(*), coalesce(sum(g.n - 1), 0) from (" + groups() + ") g";
    }

    @Override
    public String totalRows() {
        return "select count(*) from " + table;
    }

    @Override
    public String createQuarantine() {
        return "create table if not exists " + quarantine + " ("
                + "removed_id bigint primary key, "
                + "kept_id bigint not null, "
                + "moved_at timestamptz not null default now(), "
                + "row_data jsonb not null)";
    }

    @Override
    public String quarantineExists() {
        return "select to_regclass(?)::text";
    }

    @Override
    public String quarantinedRows() {
        return "select count(*) from " + quarantine;
    }

    @Override
    public String victims() {
        return "select r.removed_id, r.kept_id from (select " + id + " as removed_id, first_value(" + id
                + ") over w as kept_id, row_number() over w as rn from " + table + " where " + keyNotNull
                + " window w as (partition by " + keyColumns + " order by " + order + ")) r"
                + " where r.rn > 1 order by r.removed_id limit ?";
    }

    @Override
    public String lockPairs() {
        return "select t." + id + ", k." + id + " from unnest(?::bigint[], ?::bigint[]) p(removed_id, kept_id)"
                + " join " + table + " t on t." + id + " = p.removed_id"
                + " join " + table + " k on k." + id + " = p.kept_id"
                + " where " + keysEqual + " order by t." + id + " for update of t for share of k";
    }

    @Override
    public String move() {
        return "with moved as (delete from " + table + " t where t." + id + " = any(?::bigint[])"
                + " returning t." + id + " as removed_id, to_jsonb(t) as row_data)"
                + " insert into " + quarantine + " (removed_id, kept_id, row_data)"
                + " select m.removed_id, p.kept_id, m.row_data from moved m"
                + " join unnest(?::bigint[], ?::bigint[]) p(removed_id, kept_id) on p.removed_id = m.removed_id";
    }

    @Override
    public String setLocalLockTimeout() {
        return "select set_config('lock_timeout', ?, true)";
    }

    @Override
    public String indexState() {
        return "select i.indrelid = to_regclass(?), i.indisvalid, i.indisready, i.indisunique,"
                + " i.indpred is null and i.indexprs is null,"
                + " (select string_agg(a.attname::text, ',' order by k.ord)"
                + "    from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)"
                + "    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum)"
                + " from pg_class c join pg_index i on i.indexrelid = c.oid"
                + " where c.relname = ? and c.relnamespace = (select relnamespace from pg_class where oid = "
                + "to_regclass(?))";
    }

    @Override
    public String constraintState() {
        return "select c.contype::text, (select string_agg(a.attname::text, ',' order by k.ord)"
                + "    from unnest(c.conkey) with ordinality k(attnum, ord)"
                + "    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum)"
                + " from pg_constraint c where c.conrelid = to_regclass(?) and c.conname = ?";
    }

    @Override
    public String createIndexConcurrently() {
        return "create unique index concurrently " + index + " on " + table + " (" + keyColumns + ")";
    }

    @Override
    public String dropIndexConcurrently() {
        return "drop index concurrently if exists " + qualifiedIndex;
    }

    @Override
    public String attachConstraint() {
        return "alter table " + table + " add constraint " + index + " unique using index " + index;
    }

    @Override
    public String indexBuildProgress() {
        return "select phase, case when blocks_total > 0 then blocks_done else tuples_done end,"
                + " case when blocks_total > 0 then blocks_total else tuples_total end"
                + " from pg_stat_progress_create_index where pid = ?";
    }

    @Override
    public String tryLock() {
        return "select pg_try_advisory_lock(hashtext(?))";
    }

    @Override
    public String unlock() {
        return "select pg_advisory_unlock(hashtext(?))";
    }

    @Override
    public String backendId() {
        return "select pg_backend_pid()";
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    @Override
    public boolean isLockTimeout(SQLException e) {
        return "55P03".equals(e.getSQLState());
    }

    @Override
    public boolean isDeadlock(SQLException e) {
        return "40P01".equals(e.getSQLState());
    }
}
