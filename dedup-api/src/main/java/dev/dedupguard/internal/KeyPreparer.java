package dev.dedupguard.internal;

import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.spi.StoredKey;
import java.nio.charset.StandardCharsets;

/** Checks a key against the guard's settings and the backend's limits, and derives its stored forms. */
final class KeyPreparer {
    private final GuardOptions options;
    private final int maxFileNameBytes;

    KeyPreparer(GuardOptions options, int maxFileNameBytes) {
        this.options = options;
        this.maxFileNameBytes = maxFileNameBytes;
    }

    StoredKey prepare(FileKey key) {
        int expected = options.hashAlgorithm().hexLength();
        if (key.contentHash().length() != expected) {
            throw new IllegalArgumentException("contentHash must be " + expected + " hex digits for "
                    + options.hashAlgorithm() + ", was " + key.contentHash().length() + ": \"" + key.contentHash()
                    + "\"");
        }
        byte[] nameBytes = key.fileName().getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > maxFileNameBytes) {
            throw new IllegalArgumentException("fileName must be at most " + maxFileNameBytes
                    + " bytes in UTF-8 for this table (its unique index holds the raw name), was " + nameBytes.length
                    + " bytes; map a name-key column to store longer names");
        }
        return StoredKey.of(key, options.namePolicy());
    }

}
