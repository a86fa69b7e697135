package dev.dedupguard.spi;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.internal.GuardEngine;

/** Creates a guard that runs the configured strategy on a backend. Backends' builders call this. */
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
