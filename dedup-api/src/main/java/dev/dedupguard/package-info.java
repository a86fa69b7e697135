/**
 * The dedup-guard API: {@link dev.dedupguard.DuplicateGuard} and its answer {@link dev.dedupguard.Registration}, the
 * key {@link dev.dedupguard.FileKey}, the {@link dev.dedupguard.Strategy strategies}, the settings every backend's
 * builder shares, and the library's exceptions. Nothing in this package is {@code null} unless marked
 * {@code @Nullable}.
 */
@NullMarked
package dev.dedupguard;

import org.jspecify.annotations.NullMarked;
