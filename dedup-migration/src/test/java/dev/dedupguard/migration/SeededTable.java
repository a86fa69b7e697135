package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * A host table filled with {@code rows} rows of which {@code groups} duplicate groups: group g has 2 + g % 4 rows in
 * case 1 + g % 20, so it leaves 1 + g % 4 rows to remove. Rows are inserted in a shuffled order, so a group's rows
 * are spread over the id range. Remembers every row as jsonb and which ids the migration must remove.
 */
final class SeededTable {
    static final int CASES = 20;

    final String table;
    final int rows;
    final int groups;
    /** id -> the row as PostgreSQL's to_jsonb renders it, before the migration. */
    final Map<Long, String> original = new HashMap<>();
    /** removed id -> kept id (the group's smallest id). */
    final Map<Long, Long> expectedRemovals = new TreeMap<>();
    /** The key of each seeded row: {case, hash, name}. */
    final List<Object[]> keys = new ArrayList<>();
    /** The key of each seeded row by id. */
    final Map<Long, Object[]> keyById = new HashMap<>();

    private SeededTable(String table, int rows, int groups) {
        this.table = table;
        this.rows = rows;
        this.groups = groups;
    }

    static long expectedRowsToRemove(int groups) {
        long n = 0;
        for (int g = 0; g < groups; g++) {
            n += 1 + g % 4;
        }
        return n;
    }

    /** Rows to remove in case {@code caseId} (1-based), given the group layout. */
    static long expectedRowsToRemoveInCase(int groups, long caseId) {
        long n = 0;
        for (int g = 0; g < groups; g++) {
            if (1 + g % CASES == caseId) {
                n += 1 + g % 4;
            }
        }
        return n;
    }

    static SeededTable create(DataSource ds, String table, int rows, int groups) throws SQLException {
        Pg.createCaseFile(ds, table);
        SeededTable t = new SeededTable(table, rows, groups);
        List<Object[]> toInsert = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            Object[] key = {(long) (1 + g % CASES), Pg.sha256("group-" + g), "group-" + g + "_Security.evtx"};
            for (int copy = 0; copy < 2 + g % 4; copy++) {
                toInsert.add(new Object[] {key[0], key[1], key[2], "seed-copy-" + copy, 1000L + g});
            }
        }
        for (int u = 0; toInsert.size() < rows; u++) {
            toInsert.add(new Object[] {(long) (1 + u % CASES), Pg.sha256("unique-" + u), "unique-" + u + ".pdf",
                    "seed", (long) u});
        }
        Collections.shuffle(toInsert, new Random(42));
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("insert into " + table
                + " (case_id, file_hash, original_filename, uploaded_by, size_bytes) values (?, ?, ?, ?, ?)")) {
            c.setAutoCommit(false);
            for (Object[] row : toInsert) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
            c.setAutoCommit(true);
        }
        Map<String, TreeSet<Long>> idsByKey = new HashMap<>();
        for (List<Object> r : Pg.query(ds, "select id, to_jsonb(t)::text, case_id, file_hash, original_filename from "
                + table + " t")) {
            long id = ((Number) r.get(0)).longValue();
            t.original.put(id, (String) r.get(1));
            idsByKey.computeIfAbsent(r.get(2) + "|" + r.get(3) + "|" + r.get(4), k -> new TreeSet<>()).add(id);
            Object[] key = {r.get(2), r.get(3), r.get(4)};
            t.keys.add(key);
            t.keyById.put(id, key);
        }
        for (TreeSet<Long> ids : idsByKey.values()) {
            long kept = ids.first();
            ids.tailSet(kept, false).forEach(removed -> t.expectedRemovals.put(removed, kept));
        }
        return t;
    }

    /**
     * The quarantine holds exactly {@code removals} (removed id -> kept id), each with the row as it was, and every
     * one of them restores into a copy of the table with the same content.
     */
    void assertQuarantineHoldsExactly(DataSource ds, Map<Long, Long> removals) {
        List<List<Object>> q = Pg.query(ds, "select removed_id, kept_id, row_data::text from " + table
                + "_quarantine order by removed_id");
        assertThat(q).hasSize(removals.size());
        for (List<Object> row : q) {
            long removed = ((Number) row.get(0)).longValue();
            assertThat(removals).containsEntry(removed, ((Number) row.get(1)).longValue());
            assertThat(row.get(2)).as("row content of %d", removed).isEqualTo(original.get(removed));
        }
        Pg.execute(ds, "create table " + table + "_restored (like " + table + ")");
        Pg.execute(ds, "insert into " + table + "_restored select (jsonb_populate_record(null::" + table
                + ", row_data)).* from " + table + "_quarantine");
        List<List<Object>> restored = Pg.query(ds, "select id, to_jsonb(r)::text from " + table + "_restored r");
        assertThat(restored).hasSize(removals.size());
        for (List<Object> row : restored) {
            assertThat(row.get(1)).isEqualTo(original.get(((Number) row.get(0)).longValue()));
        }
        Pg.execute(ds, "drop table " + table + "_restored");
    }
}
