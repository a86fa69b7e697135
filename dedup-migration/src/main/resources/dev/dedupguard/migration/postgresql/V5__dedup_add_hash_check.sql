-- dedup-guard migration, step 5 of 6 (transactional): the CHECK constraint that keeps stored hashes lower case, which
-- the guard's build() requires. Added NOT VALID: new and changed rows are checked at once, no table scan happens
-- under the ACCESS EXCLUSIVE lock it needs for a moment; lock_timeout bounds how long writers queue behind it.
SET LOCAL lock_timeout = '2s';
ALTER TABLE case_file ADD CONSTRAINT ck_case_file_hash_lower CHECK (file_hash = lower(file_hash)) NOT VALID;
