package dev.dedupguard.internal;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.spi.StorageBackend;

/** Creates the engine over a backend; {@link dev.dedupguard.spi.Guards} is its public entry. */
public final class GuardFactory {
    private GuardFactory() {
    }

    /**
     * A guard over {@code backend}. The guard is immutable and as thread-safe as the backend (see
     * {@link StorageBackend}).
     */
    public static <F> DuplicateGuard<F> create(StorageBackend<F> backend, GuardOptions options) {
        return new GuardEngine<>(backend, options);
    }
}
