-- dedup-guard migration, step 2 of 4 (transactional): keep the oldest row (smallest id) of every group of rows
-- with the same (case_id, file_hash, original_filename) and move every other one, with its full content, into
-- case_file_quarantine, in one statement. On a large table prefer the Java helper, which moves small batches.
--
-- If other tables reference case_file, re-point them first, in this file, before the DELETE, e.g.:
--   UPDATE evidence_note n SET case_file_id = d.kept_id
--   FROM (SELECT id AS removed_id, first_value(id) OVER w AS kept_id, row_number() OVER w AS rn FROM case_file
--         WINDOW w AS (PARTITION BY case_id, file_hash, original_filename ORDER BY id)) d
--   WHERE d.rn > 1 AND n.case_file_id = d.removed_id;
WITH ranked AS (
    SELECT id AS removed_id,
           first_value(id) OVER w AS kept_id,
           row_number() OVER w AS rn
    FROM case_file
    WHERE case_id IS NOT NULL AND file_hash IS NOT NULL AND original_filename IS NOT NULL
    WINDOW w AS (PARTITION BY case_id, file_hash, original_filename ORDER BY id)
),
moved AS (
    DELETE FROM case_file t
    USING ranked r
    WHERE t.id = r.removed_id AND r.rn > 1
    RETURNING t.id AS removed_id, r.kept_id, to_jsonb(t) AS row_data
)
INSERT INTO case_file_quarantine (removed_id, kept_id, row_data)
SELECT removed_id, kept_id, row_data FROM moved;
