/**
 * The JDBC half of every backend, for backend authors (not for applications). A backend supplies its rows as a
 * {@link dev.dedupguard.jdbc.HostRows} (key of a file, how a row is bound or inserted) and hands its builder's settings
 * to {@link dev.dedupguard.jdbc.JdbcGuards#storage}, which checks the database and the schema
 * ({@link dev.dedupguard.jdbc.SchemaValidator}) and returns the one storage every backend shares
 * ({@link dev.dedupguard.jdbc.JdbcStorage}): transactions, interrupts, and the whole statements of each operation, which
 * the {@link dev.dedupguard.jdbc.Dialect} of each database renders once. Nothing in this package is {@code null}
 * unless marked {@code @Nullable}.
 */
@NullMarked
package dev.dedupguard.jdbc;

import org.jspecify.annotations.NullMarked;
