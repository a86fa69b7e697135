/**
 * The port that storage backends implement, and nothing else. A backend implements
 * {@link dev.dedupguard.spi.StorageBackend} and {@link dev.dedupguard.spi.StorageSession} (a handful of primitives:
 * find, lock, insert, insert-if-absent, delete, run in a transaction); the strategies, validation, batching and retries
 * live in the library and are shared by every backend. JDBC-based backends need not start from scratch: the
 * {@code dev.dedupguard.jdbc} module implements everything but the inserts.
 *
 * <p>Backends report database failures as {@link dev.dedupguard.spi.StorageException}, classified by SQLSTATE and
 * vendor code, never by message text. Nothing in this package is {@code null} unless marked {@code @Nullable}.
 */
@NullMarked
package dev.dedupguard.spi;

import org.jspecify.annotations.NullMarked;
