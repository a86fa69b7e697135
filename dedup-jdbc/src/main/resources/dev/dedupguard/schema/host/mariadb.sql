-- dedup-guard: a host table the guard accepts, for MariaDB (tested on 11.4), InnoDB: the design note's case_file, one
-- row per file of a case. Copy it into your migrations (rename the table and its constraints together) and put your
-- own columns where size_bytes and uploaded_at are. The guard creates no host table: createSchemaIfMissing(true) only
-- creates the library's own tables (../mariadb.sql).
--
-- What build() checks and this table has:
--   uq_case_file_duplicate   a plain unique constraint on exactly (case_id, file_hash, original_filename), which
--                            UNIQUE_CONSTRAINT needs, and no other unique key besides the primary key. It stays a
--                            BTREE key within InnoDB's 3,072 bytes (8 + 64 + 750 x 4): a longer name column would
--                            silently make it a USING HASH key, which the guard refuses;
--   ck_case_file_hash_lower  stored hashes are lower-case hex, as the guard writes them;
--   collations               file_hash ascii_bin, original_filename utf8mb4_nopad_bin: byte for byte, trailing spaces
--                            included (utf8mb4_bin ignores them, *_ci collations ignore case, and a column declared
--                            with a character set but no collation gets a case-insensitive one);
--   InnoDB, and a server in STRICT_TRANS_TABLES mode (MariaDB's default sql_mode), so a value too long is an error,
--   never silently cut.
-- uploaded_at is a TIMESTAMP (an instant, stored in UTC), whose range on MariaDB 11.4 ends in 2038.
CREATE TABLE IF NOT EXISTS case_file (
    id                bigint       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    case_id           bigint       NOT NULL,
    file_hash         char(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    original_filename varchar(750) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    size_bytes        bigint,
    uploaded_at       timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    CONSTRAINT ck_case_file_hash_lower CHECK (file_hash = lower(file_hash)),
    CONSTRAINT uq_case_file_duplicate UNIQUE (case_id, file_hash, original_filename)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
