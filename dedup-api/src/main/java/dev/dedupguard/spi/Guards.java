package dev.dedupguard.spi;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.internal.GuardFactory;
import java.util.Objects;

/**
 * The engine's entry for backends: turns a {@link StorageBackend} into the guard that runs the configured
 * {@link dev.dedupguard.Strategy} on it, with the engine's input validation, retries, equality check of every
 * duplicate and exception mapping. The project's own backends use it as a third-party backend would.
 */
public final class Guards {
    private Guards() {
    }

    /**
     * A guard over {@code backend}.
     *
     * @param <F> the registered type
     * @param backend the storage the strategies run on; not {@code null}
     * @param options the guard's settings; not {@code null}
     * @return an immutable guard, as thread-safe as {@code backend} (see {@link StorageBackend})
     * @throws NullPointerException if an argument is {@code null}
     */
    public static <F> DuplicateGuard<F> create(StorageBackend<F> backend, GuardOptions options) {
        return GuardFactory.create(Objects.requireNonNull(backend, "backend"), Objects.requireNonNull(options,
                "options"));
    }
}
