/**
 * JDBC support for storage backends: the {@link dev.dedupguard.jdbc.Dialect} that owns everything that differs by
 * database, the transaction handling ({@link dev.dedupguard.jdbc.JdbcStorage}, {@link dev.dedupguard.jdbc.JdbcTransactions}),
 * the key-based primitives with their SQL rendered once ({@link dev.dedupguard.jdbc.JdbcTable},
 * {@link dev.dedupguard.jdbc.JdbcSession}), and the schema checks run when a guard is built
 * ({@link dev.dedupguard.jdbc.SchemaValidator}). A JDBC backend implements only how it inserts its rows. For backend
 * authors, not for applications. Nothing in this package is {@code null} unless marked {@code @Nullable}.
 */
@NullMarked
package dev.dedupguard.jdbc;

import org.jspecify.annotations.NullMarked;
