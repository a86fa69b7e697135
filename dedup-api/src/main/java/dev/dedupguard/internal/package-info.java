/** Implementation of the guard. Not API: may change in any release; do not use from outside the library. */
package dev.dedupguard.internal;
