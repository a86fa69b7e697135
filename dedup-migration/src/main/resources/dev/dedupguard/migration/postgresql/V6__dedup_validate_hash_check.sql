-- dedup-guard migration, step 6 of 6 (transactional): check the existing rows against ck_case_file_hash_lower. It
-- scans the table under a SHARE UPDATE EXCLUSIVE lock, which writers do not wait for. Afterwards the guard may use
-- strategy UNIQUE_CONSTRAINT.
ALTER TABLE case_file VALIDATE CONSTRAINT ck_case_file_hash_lower;
