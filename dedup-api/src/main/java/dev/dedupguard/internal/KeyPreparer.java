package dev.dedupguard.internal;

import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.spi.StorageBackend;
import dev.dedupguard.spi.StoredKey;

/** Checks a key against the guard's settings and the backend's limits, and derives its stored forms. */
final class KeyPreparer {
    private final GuardOptions options;
    private final StorageBackend<?> backend;

    KeyPreparer(GuardOptions options, StorageBackend<?> backend) {
        this.options = options;
        this.backend = backend;
    }

    StoredKey prepare(FileKey key) {
        int expected = options.hashAlgorithm().hexLength();
        if (key.contentHash().length() != expected) {
            throw new IllegalArgumentException("contentHash must be " + expected + " hex digits for "
                    + options.hashAlgorithm() + ", was " + key.contentHash().length() + ": \"" + key.contentHash()
                    + "\"");
        }
        StoredKey stored = StoredKey.of(key, options.namePolicy());
        backend.checkKey(stored);
        return stored;
    }

}
