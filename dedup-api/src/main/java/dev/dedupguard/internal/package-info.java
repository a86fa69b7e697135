/**
 * Implementation of the guard: the engine that runs a strategy over a backend, and its factory. Not API: exported only
 * to the project's own modules; may change in any release.
 */
@NullMarked
package dev.dedupguard.internal;

import org.jspecify.annotations.NullMarked;
