/**
 * Adopting the guard on a table that already holds duplicates: {@link dev.dedupguard.migration.DedupMigration}
 * reports them, moves all but the oldest row of each group into a quarantine table, builds the unique index
 * concurrently and attaches it as the unique constraint, each step resumable and idempotent, while the host keeps
 * writing through a guard with {@link dev.dedupguard.Strategy#SELECT_FOR_UPDATE}. PostgreSQL only.
 *
 * <p>The same steps as SQL files, for teams that run Flyway or Liquibase, are in this jar under
 * {@code dev/dedupguard/migration/postgresql/}.
 */
package dev.dedupguard.migration;
