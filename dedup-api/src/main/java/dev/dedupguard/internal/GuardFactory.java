package dev.dedupguard.internal;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.spi.StorageBackend;

/** Creates the guard that runs the configured strategy on a backend. The project's backends' builders call this. */
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
