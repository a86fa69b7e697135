package dev.dedupguard.testing;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Strategy;
import javax.sql.DataSource;

/**
 * Builds a backend's guard on a given data source: inside a separate JVM for {@link ManyProcessesContract} (which cannot
 * share the parent's embedded server handle), or on the pool of {@link DatabaseRestartContract}'s own server.
 * Implementations need a public no-argument constructor.
 */
public interface ProcessGuardFactory {
    DuplicateGuard<Object> guard(DataSource dataSource, Strategy strategy, TestTable table);

    /** The host row for {@code key}, as {@link GuardBackend#file} makes it. */
    Object file(TestTable table, FileKey key);
}
