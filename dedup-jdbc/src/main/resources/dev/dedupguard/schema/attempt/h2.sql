-- dedup-guard: the attempt log for H2 2.x, for guards built with attemptLog(...). Apply with your migration tool, or
-- let the guard create it with createSchemaIfMissing(true). See postgresql.sql for what each column holds.
--
-- Append-only: the trigger refuses UPDATE and DELETE. H2 compiles its source when the trigger is created, which needs
-- a JDK (javax.tools), not a bare JRE. TRUNCATE fires no trigger in H2: give the application's user only
--   GRANT SELECT, INSERT ON dedup_attempt TO app_user;
CREATE TABLE IF NOT EXISTS dedup_attempt (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope        varchar(255)  NOT NULL,
    content_hash varchar(128)  NOT NULL,
    file_name    varchar(4096) NOT NULL,
    name_key     char(64)      NOT NULL,
    outcome      varchar(9)    NOT NULL CHECK (outcome IN ('NEW', 'DUPLICATE', 'REFUSED')),
    refusal      varchar(255),
    stored_id    bigint,
    actor        varchar(255),
    reference    varchar(255),
    recorded_at  timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((outcome = 'REFUSED') = (refusal IS NOT NULL) AND (outcome = 'REFUSED') = (stored_id IS NULL))
);

-- One index besides the primary key, (scope, id): it serves a scope's history and, filtering on the way, a file's
-- history within its scope. The log is written on every registration and read rarely; add (content_hash, id) if
-- files' histories in very large scopes are read often.
CREATE INDEX IF NOT EXISTS dedup_attempt_by_scope ON dedup_attempt (scope, id);

CREATE TRIGGER IF NOT EXISTS dedup_attempt_no_change BEFORE UPDATE, DELETE ON dedup_attempt FOR EACH ROW
    AS 'org.h2.api.Trigger create() { return new org.h2.api.Trigger() { public void fire(java.sql.Connection c, Object[] before, Object[] after) throws java.sql.SQLException { throw new java.sql.SQLException("dedup_attempt is append-only: UPDATE and DELETE refused", "42501"); } }; }';
