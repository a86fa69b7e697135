-- dedup-guard migration, step 1 of 6 (transactional): the quarantine table for the duplicates step 2 removes.
-- For the seed's table case_file; rename case_file, its columns, uq_case_file_duplicate and ck_case_file_hash_lower
-- for another table, and renumber the files to follow your own migrations. The Java helper
-- dev.dedupguard.migration.DedupMigration runs the same steps in small batches, with a hook for child rows, and
-- retries a failed index build by itself; its doctor (DedupMigration.Builder.doctor()) reports what is to do first.
--
-- While steps 2 to 6 run, every writer must register through the guard with strategy SELECT_FOR_UPDATE: until
-- step 4 has run, nothing else keeps new duplicates out.
--
-- A quarantined row is restored (into a copy of the table, since it is a duplicate) with
--   INSERT INTO case_file_copy SELECT (jsonb_populate_record(NULL::case_file, row_data)).*
--   FROM case_file_quarantine WHERE removed_id = 42;
CREATE TABLE IF NOT EXISTS case_file_quarantine (
    removed_id bigint PRIMARY KEY,
    kept_id bigint NOT NULL,
    moved_at timestamptz NOT NULL DEFAULT now(),
    row_data jsonb NOT NULL
);
