package dev.dedupguard.migration;

import java.sql.SQLException;

/**
 * The per-database SQL of a migration: the seam where MariaDB ({@code ALTER TABLE ... ADD UNIQUE KEY ...,
 * ALGORITHM=INPLACE, LOCK=NONE}) will plug in. Only {@link PostgresSql} exists so far.
 */
interface MigrationSql {

    /** The host table's name as the catalog functions take it (quoted, schema-qualified when given). */
    String tableRegclass();

    /** The quarantine table's name as the catalog functions take it. */
    String quarantineRegclass();

    /** Parameter: the table's regclass text. Rows: column name, type as {@code format_type} renders it. */
    String columns();

    /** Rows: scope as text, duplicate groups, rows to remove; most rows first. */
    String duplicatesByScope();

    /** One row: duplicate groups, rows to remove. */
    String duplicateTotals();

    String totalRows();

    String createQuarantine();

    /** One row: the quarantine table's regclass, or null when it does not exist. */
    String quarantineExists();

    String quarantinedRows();

    /** Parameter: the batch size. Rows: removed id, kept id. */
    String victims();

    /** Parameters: removed ids, kept ids (arrays). Locks both rows, keeps pairs whose keys still match. */
    String lockPairs();

    /** Parameters: removed ids, removed ids, kept ids. Deletes and inserts into quarantine in one statement. */
    String move();

    /** Parameter: a lock timeout text such as {@code 500ms}; applies to the current transaction. */
    String setLocalLockTimeout();

    /**
     * Parameters: table regclass text, index name. One row per index of that name in the table's schema: on this
     * table, valid, ready, unique, plain (no expression or predicate), key columns as a comma-separated list.
     */
    String indexState();

    /** Parameters: table regclass text, constraint name. Row: type, key columns as a comma-separated list. */
    String constraintState();

    String createIndexConcurrently();

    String dropIndexConcurrently();

    String attachConstraint();

    /** Parameter: the build's backend pid. Row: phase, done, total (blocks or tuples of the current phase). */
    String indexBuildProgress();

    /** Parameter: a lock key text. Returns true when this session got the lock. */
    String tryLock();

    /** Parameter: a lock key text. */
    String unlock();

    String backendId();

    boolean isUniqueViolation(SQLException e);

    boolean isLockTimeout(SQLException e);

    boolean isDeadlock(SQLException e);
}
