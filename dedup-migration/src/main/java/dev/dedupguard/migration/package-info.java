/**
 * Adopting the guard on a table that already holds duplicates: {@link dev.dedupguard.migration.DedupMigration}
 * reports them, moves all but the oldest row of each group into a quarantine table, lower-cases stored hashes, builds
 * the unique key online and adds the canonical-hash check, each step resumable and idempotent, while the host keeps
 * writing through a guard with {@link dev.dedupguard.Strategy#SELECT_FOR_UPDATE}. PostgreSQL and MariaDB.
 * {@link dev.dedupguard.migration.DedupMigration.Builder#doctor()} examines a table read-only first.
 *
 * <p>The PostgreSQL steps as SQL files, for teams that run Flyway or Liquibase, are in this jar under
 * {@code dev/dedupguard/migration/postgresql/}.
 */
package dev.dedupguard.migration;
