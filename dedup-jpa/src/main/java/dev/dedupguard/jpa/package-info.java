/**
 * The Jakarta Persistence backend on Hibernate ORM: {@link dev.dedupguard.jpa.JpaDuplicateGuard} for the library entity
 * {@link dev.dedupguard.jpa.DedupFile} or the host's own entity (mapped by {@link dev.dedupguard.jpa.EntityMapping}), on
 * PostgreSQL, H2 or MariaDB. Nothing in this package is {@code null} unless marked {@code @Nullable}.
 */
@NullMarked
package dev.dedupguard.jpa;

import org.jspecify.annotations.NullMarked;
