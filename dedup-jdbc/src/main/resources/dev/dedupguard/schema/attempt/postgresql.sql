-- dedup-guard: the attempt log for PostgreSQL (14 or later), for guards built with attemptLog(...). Apply with your
-- migration tool, or let the guard create it with createSchemaIfMissing(true).
--
-- One row per registration attempt: the key as the call gave it (name_key is the SHA-256 hex of the name after the
-- guard's name policy, as in dedup_file), the answer (NEW, DUPLICATE, or REFUSED with the exception's simple name),
-- the id of the row the answer names, the actor and the host's reference, and the database's time. id orders the
-- rows as they were inserted. The guard only ever inserts and selects.
--
-- Append-only: the trigger function refuses UPDATE, DELETE and TRUNCATE for every role, the owner included (an owner
-- or superuser can still drop the triggers: keep the table owned by a role the application does not use). Give the
-- application's role only what the guard needs:
--   GRANT SELECT, INSERT ON dedup_attempt TO app_role;
-- (the identity column needs no grant on its sequence).
-- The function body is a quoted string, not a dollar-quoted one, so that script runners that split at semicolons
-- (Spring's spring.sql.init) keep it whole.
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

CREATE OR REPLACE FUNCTION dedup_attempt_append_only() RETURNS trigger LANGUAGE plpgsql
    AS 'BEGIN RAISE EXCEPTION ''% is append-only: % refused'', TG_TABLE_NAME, TG_OP USING ERRCODE = ''42501''; END';

CREATE OR REPLACE TRIGGER dedup_attempt_no_change BEFORE UPDATE OR DELETE ON dedup_attempt
    FOR EACH ROW EXECUTE FUNCTION dedup_attempt_append_only();

CREATE OR REPLACE TRIGGER dedup_attempt_no_truncate BEFORE TRUNCATE ON dedup_attempt
    FOR EACH STATEMENT EXECUTE FUNCTION dedup_attempt_append_only();
