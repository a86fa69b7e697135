-- dedup-guard: library-owned tables for MariaDB (10.6 or later; tested on 11.4), InnoDB. Apply with your migration
-- tool, or let the guard create them with createSchemaIfMissing(true). See postgresql.sql for what each column is for.
--
-- Every text column names its character set and collation, so the server's and the database's defaults (often
-- case-insensitive) do not matter: scope and file_name compare byte for byte (utf8mb4_nopad_bin; utf8mb4_bin would
-- ignore trailing spaces), the hex columns are ascii. The unique key stays far below InnoDB's 3072-byte limit, so
-- MariaDB never turns it into a USING HASH key: scope 255 characters x 4 bytes = 1020, content_hash 128 bytes (the
-- hex of a hash of up to 512 bits), name_key 64 bytes (the SHA-256 hex of the policy-normalised name): 1212 bytes
-- plus 3 length bytes. file_name (up to 4096 bytes of UTF-8) is stored, not indexed. The CHECK keeps content
-- hashes in the lower-case hex the guard writes and looks up (under ascii_bin, a binary comparison). InnoDB, since
-- the guard's build() refuses an engine that ignores transactions.
-- registered_at is a TIMESTAMP (an instant, stored in UTC), whose range on MariaDB 11.4 ends in 2038.
CREATE TABLE IF NOT EXISTS dedup_file (
    id            bigint        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scope         varchar(255)  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    content_hash  varchar(128)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    file_name     varchar(4096) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    name_key      char(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    registered_at timestamp(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    CONSTRAINT ck_dedup_file_hash_lower CHECK (content_hash = lower(content_hash)),
    CONSTRAINT uq_dedup_file_key UNIQUE (scope, content_hash, name_key)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;

-- Lock stripes for the SELECT_FOR_UPDATE strategy: one row per stripe 0..lockStripes-1 (default 1024), which must
-- all exist before the guard runs. The rows come from a recursive CTE; SET STATEMENT lifts MariaDB's default cap of
-- 1000 recursive iterations (error 1931) for this one statement.
CREATE TABLE IF NOT EXISTS dedup_lock_stripe (
    stripe        integer NOT NULL PRIMARY KEY,
    registrations bigint  NOT NULL DEFAULT 0
) ENGINE = InnoDB;

SET STATEMENT max_recursive_iterations = 4294967295 FOR
INSERT INTO dedup_lock_stripe (stripe)
WITH RECURSIVE stripe_bounds (lo, hi) AS (VALUES (0, 1023)),
    stripe_numbers (n) AS (SELECT lo FROM stripe_bounds
                           UNION ALL SELECT n + 1 FROM stripe_numbers, stripe_bounds WHERE n < hi)
SELECT n FROM stripe_numbers
WHERE n NOT IN (SELECT stripe FROM dedup_lock_stripe);
