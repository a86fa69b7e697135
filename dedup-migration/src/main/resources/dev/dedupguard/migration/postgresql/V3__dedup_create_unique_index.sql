-- dedup-guard migration, step 3 of 6: NON-TRANSACTIONAL. CREATE INDEX CONCURRENTLY cannot run inside a transaction
-- block, and waits for every transaction older than itself.
--   Flyway:    V3__dedup_create_unique_index.sql.conf next to this file says executeInTransaction=false; also set
--              flyway.postgresql.transactional.lock=false, or Flyway's own lock transaction makes this step hang.
--   Liquibase: its own changeSet with runInTransaction="false" (as in dedup-migration.changelog.xml here).
--
-- If a duplicate slipped in after step 2 (a writer not using the guard), the build fails and leaves an INVALID
-- index that enforces nothing. Resolve again (step 2's statement, or DedupMigration.resolve()), then rerun this
-- file (Flyway: repair, then migrate): its first statement drops such a leftover.
DROP INDEX CONCURRENTLY IF EXISTS uq_case_file_duplicate;
CREATE UNIQUE INDEX CONCURRENTLY uq_case_file_duplicate ON case_file (case_id, file_hash, original_filename);
