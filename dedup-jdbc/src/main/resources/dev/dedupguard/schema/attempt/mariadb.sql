-- dedup-guard: the attempt log for MariaDB (10.6 or later; tested on 11.4), InnoDB, for guards built with
-- attemptLog(...). Apply with your migration tool, or let the guard create it with createSchemaIfMissing(true). See
-- postgresql.sql for what each column holds. Text columns name utf8mb4, so every file name the guard accepts fits.
--
-- One secondary index, (scope, id), as in postgresql.sql.
--
-- Append-only: the triggers refuse UPDATE and DELETE for every account. TRUNCATE and DROP fire no trigger on
-- MariaDB: they need the DROP privilege, which the application's account must not have. Give it only:
--   GRANT SELECT, INSERT ON dedup_attempt TO 'app'@'%';
-- and keep TRIGGER, DROP and ALTER on the table to an administrator.
CREATE TABLE IF NOT EXISTS dedup_attempt (
    id           bigint        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scope        varchar(255)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    content_hash varchar(128)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    file_name    varchar(4096) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    name_key     char(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    outcome      varchar(9)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    refusal      varchar(255)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
    stored_id    bigint        NULL,
    actor        varchar(255)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
    reference    varchar(255)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
    recorded_at  timestamp(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    CHECK (outcome IN ('NEW', 'DUPLICATE', 'REFUSED')),
    CHECK ((outcome = 'REFUSED') = (refusal IS NOT NULL) AND (outcome = 'REFUSED') = (stored_id IS NULL)),
    KEY dedup_attempt_by_scope (scope, id)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;

CREATE TRIGGER IF NOT EXISTS dedup_attempt_no_update BEFORE UPDATE ON dedup_attempt FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dedup_attempt is append-only: UPDATE refused';

CREATE TRIGGER IF NOT EXISTS dedup_attempt_no_delete BEFORE DELETE ON dedup_attempt FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dedup_attempt is append-only: DELETE refused';
