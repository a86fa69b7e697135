-- dedup-guard migration, step 2 of 6 (transactional): keep the oldest row (smallest id) of every group of rows the
-- guard takes for one file -- the same case_id and original_filename (compared byte for byte, COLLATE "C") and the
-- same file_hash compared lower-cased -- and move every other one, with its full content, into case_file_quarantine;
-- then store every hash in lower case, as the guard looks them up. On a large table prefer the Java helper, which
-- moves small batches.
--
-- First, before anything is deleted, the step refuses (and the whole file rolls back) if a row of another table
-- references a duplicate it would remove: ON DELETE CASCADE would delete that row with the duplicate, SET NULL would
-- detach it, NO ACTION would fail halfway. Re-point such rows to the kept row in a file that runs before this one, e.g.
--   UPDATE evidence_note n SET case_file_id = d.kept_id
--   FROM (SELECT id AS removed_id, first_value(id) OVER w AS kept_id, row_number() OVER w AS rn FROM case_file
--         WINDOW w AS (PARTITION BY case_id, lower(file_hash) COLLATE "C", original_filename COLLATE "C" ORDER BY id)) d
--   WHERE d.rn > 1 AND n.case_file_id = d.removed_id;
DO $$
DECLARE
    fk record;
    n bigint;
BEGIN
    FOR fk IN
        SELECT c.conrelid::regclass AS child, c.conname,
               (SELECT string_agg(format('c.%I = t.%I', ca.attname, pa.attname), ' AND ')
                  FROM unnest(c.conkey, c.confkey) AS k(child_att, parent_att)
                  JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child_att
                  JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent_att) AS joined,
               CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
                   WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS on_delete
        FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = 'case_file'::regclass
    LOOP
        EXECUTE format('SELECT count(*) FROM %s c JOIN case_file t ON %s WHERE t.id IN (SELECT r.id FROM'
                || ' (SELECT id, row_number() OVER (PARTITION BY case_id, lower(file_hash) COLLATE "C",'
                || ' original_filename COLLATE "C" ORDER BY id) AS rn FROM case_file) r WHERE r.rn > 1)',
                fk.child, fk.joined) INTO n;
        IF n > 0 THEN
            RAISE EXCEPTION 'dedup-guard: % rows of % reference duplicates of case_file that step 2 would remove'
                ' (foreign key %, ON DELETE %); re-point them to the kept row first. Nothing was removed.',
                n, fk.child, fk.conname, fk.on_delete;
        END IF;
    END LOOP;
END $$;

WITH ranked AS (
    SELECT id AS removed_id,
           first_value(id) OVER w AS kept_id,
           row_number() OVER w AS rn
    FROM case_file
    WHERE case_id IS NOT NULL AND file_hash IS NOT NULL AND original_filename IS NOT NULL
    WINDOW w AS (PARTITION BY case_id, lower(file_hash) COLLATE "C", original_filename COLLATE "C" ORDER BY id)
),
moved AS (
    DELETE FROM case_file t
    USING ranked r
    WHERE t.id = r.removed_id AND r.rn > 1
    RETURNING t.id AS removed_id, r.kept_id, to_jsonb(t) AS row_data
)
INSERT INTO case_file_quarantine (removed_id, kept_id, row_data)
SELECT removed_id, kept_id, row_data FROM moved;

UPDATE case_file SET file_hash = lower(file_hash) WHERE file_hash COLLATE "C" <> lower(file_hash) COLLATE "C";
