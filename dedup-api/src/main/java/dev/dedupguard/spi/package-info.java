/**
 * The service-provider interface for storage backends. A backend implements {@link dev.dedupguard.spi.StorageBackend}
 * and {@link dev.dedupguard.spi.StorageSession} (a handful of primitives: find, lock, insert, insert-if-absent, delete,
 * run in a transaction) and hands the backend to {@link dev.dedupguard.spi.GuardFactory#create}; the strategies,
 * validation, batching and retries live in {@code dev.dedupguard} and are shared by every backend.
 *
 * <p>Backends report database failures as {@link dev.dedupguard.spi.StorageException}, classified by SQLSTATE and
 * vendor code with {@link dev.dedupguard.spi.SqlErrors}, never by message text.
 */
package dev.dedupguard.spi;
