package dev.dedupguard.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * A host table filled with {@code rows} rows of which {@code groups} duplicate groups: group g has 2 + g % 4 rows in
 * case 1 + g % 20, so it leaves 1 + g % 4 rows to remove. Rows are inserted in a shuffled order, so a group's rows
 * are spread over the id range. With legacy upper-case hashes, the first copy of every fifth group and every tenth
 * unique row store their hash in upper case (the same file as its lower-case twins). Remembers every row as text and
 * which ids the migration must remove.
 */
final class SeededTable {
    static final int CASES = 20;

    final TestDb db;
    final String table;
    final int rows;
    final int groups;
    /** id -> the row as the database renders it as text ({@link TestDb#rowText}), before the migration. */
    final Map<Long, String> original = new HashMap<>();
    /** removed id -> kept id (the group's smallest id). */
    final Map<Long, Long> expectedRemovals = new TreeMap<>();
    /** The key of each seeded row: {case, hash, name}. */
    final List<Object[]> keys = new ArrayList<>();
    /** The key of each seeded row by id. */
    final Map<Long, Object[]> keyById = new HashMap<>();
    /** Ids of the rows seeded with an upper-case hash. */
    final TreeSet<Long> upperCaseIds = new TreeSet<>();
    /**
     * The keys of the seeded files none of whose rows has an upper-case hash, which a guard finds from the start (it
     * looks hashes up in lower case): what writers re-upload while the migration runs.
     */
    final List<Object[]> lowerCaseFiles = new ArrayList<>();

    private SeededTable(TestDb db, String table, int rows, int groups) {
        this.db = db;
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

    static SeededTable create(TestDb db, DataSource ds, String table, int rows, int groups) throws SQLException {
        return create(db, ds, table, rows, groups, false);
    }

    static SeededTable create(TestDb db, DataSource ds, String table, int rows, int groups, boolean upperCaseHashes)
            throws SQLException {
        TestDb.execute(ds, db.legacyTable(table));
        SeededTable t = new SeededTable(db, table, rows, groups);
        List<Object[]> toInsert = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            Object[] key = {(long) (1 + g % CASES), TestDb.sha256("group-" + g), "group-" + g + "_Security.evtx"};
            for (int copy = 0; copy < 2 + g % 4; copy++) {
                String hash = upperCaseHashes && g % 5 == 0 && copy == 0 ? ((String) key[1]).toUpperCase()
                        : (String) key[1];
                toInsert.add(new Object[] {key[0], hash, key[2], "seed-copy-" + copy, 1000L + g});
            }
        }
        for (int u = 0; toInsert.size() < rows; u++) {
            String hash = TestDb.sha256("unique-" + u);
            toInsert.add(new Object[] {(long) (1 + u % CASES), upperCaseHashes && u % 10 == 0 ? hash.toUpperCase()
                    : hash, "unique-" + u + ".pdf", "seed", (long) u});
        }
        Collections.shuffle(toInsert, new Random(42));
        insert(ds, table, toInsert);
        Map<String, TreeSet<Long>> idsByKey = new HashMap<>();
        for (List<Object> r : TestDb.query(ds, "select id, case_id, file_hash, original_filename from " + table)) {
            long id = ((Number) r.get(0)).longValue();
            Object[] key = {((Number) r.get(1)).longValue(), r.get(2), r.get(3)};
            String hash = (String) key[1];
            idsByKey.computeIfAbsent(key[0] + "|" + hash.toLowerCase() + "|" + key[2], k -> new TreeSet<>()).add(id);
            t.keys.add(key);
            t.keyById.put(id, key);
            if (!hash.equals(hash.toLowerCase())) {
                t.upperCaseIds.add(id);
            }
        }
        Set<String> filesWithUpperCase = new HashSet<>();
        for (long id : t.upperCaseIds) {
            Object[] key = t.keyById.get(id);
            filesWithUpperCase.add(key[0] + "|" + ((String) key[1]).toLowerCase() + "|" + key[2]);
        }
        for (Object[] key : t.keys) {
            if (!filesWithUpperCase.contains(key[0] + "|" + ((String) key[1]).toLowerCase() + "|" + key[2])) {
                t.lowerCaseFiles.add(key);
            }
        }
        t.original.putAll(db.rows(ds, table));
        for (TreeSet<Long> ids : idsByKey.values()) {
            long kept = ids.first();
            ids.tailSet(kept, false).forEach(removed -> t.expectedRemovals.put(removed, kept));
        }
        return t;
    }

    /** How many hashes resolve lower-cases: those of the upper-case rows it keeps. */
    long expectedHashesLowerCased() {
        return upperCaseIds.stream().filter(id -> !expectedRemovals.containsKey(id)).count();
    }

    /** Inserts rows {case, hash, name, uploaded_by, size} in one transaction. */
    static void insert(DataSource ds, String table, List<Object[]> rows) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("insert into " + table
                + " (case_id, file_hash, original_filename, uploaded_by, size_bytes) values (?, ?, ?, ?, ?)")) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * The quarantine holds exactly {@code removals} (removed id -> kept id), and every one of them restores into a
     * copy of the table with the content it had (on PostgreSQL the stored JSON is the row's {@code to_jsonb} too).
     */
    void assertQuarantineHoldsExactly(DataSource ds, Map<Long, Long> removals) {
        String quarantine = table + "_quarantine";
        List<List<Object>> q = TestDb.query(ds, "select removed_id, kept_id from " + quarantine + " order by removed_id");
        assertThat(q).hasSize(removals.size());
        for (List<Object> row : q) {
            long removed = ((Number) row.get(0)).longValue();
            assertThat(removals).containsEntry(removed, ((Number) row.get(1)).longValue());
        }
        if (db == TestDb.POSTGRESQL) {
            for (List<Object> row : TestDb.query(ds, "select removed_id, row_data::text from " + quarantine)) {
                assertThat(row.get(1)).as("row content of %s", row.get(0))
                        .isEqualTo(original.get(((Number) row.get(0)).longValue()));
            }
        }
        String copy = table + "_restored";
        db.restoreInto(ds, table, copy, quarantine);
        Map<Long, String> restored = db.rows(ds, copy);
        assertThat(restored).hasSize(removals.size());
        restored.forEach((id, row) -> assertThat(row).as("restored row %d", id).isEqualTo(original.get(id)));
        TestDb.execute(ds, "drop table " + copy);
    }
}
