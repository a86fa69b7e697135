-- Runs after the host table dedup-api ships (dev/dedupguard/schema/host/postgresql.sql, see
-- spring.sql.init.schema-locations): the service also records who stored each file first.
ALTER TABLE case_file ADD COLUMN IF NOT EXISTS uploaded_by varchar(100) NOT NULL;
