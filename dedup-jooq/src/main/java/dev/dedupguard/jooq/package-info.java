/**
 * The jOOQ backend: {@link dev.dedupguard.jooq.JooqDuplicateGuard} for the library-owned table or the host's own table
 * (mapped by {@link dev.dedupguard.jooq.HostTable}), on PostgreSQL or H2. Nothing in this package is {@code null} unless
 * marked {@code @Nullable}.
 */
@NullMarked
package dev.dedupguard.jooq;

import org.jspecify.annotations.NullMarked;
