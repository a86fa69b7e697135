-- dedup-guard migration, step 4 of 6 (transactional): attach the valid unique index as the seed's constraint. Needs
-- an ACCESS EXCLUSIVE lock for a moment only (no table scan); lock_timeout bounds how long writers queue behind
-- it. If it times out, run it again.
SET LOCAL lock_timeout = '2s';
ALTER TABLE case_file ADD CONSTRAINT uq_case_file_duplicate UNIQUE USING INDEX uq_case_file_duplicate;
