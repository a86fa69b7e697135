package dev.dedupguard.internal;

import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.spi.StoredKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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
        String nameKey = options.namePolicy().keyOf(key.fileName());
        MessageDigest sha256 = sha256();
        String nameDigest = HexFormat.of().formatHex(sha256.digest(nameKey.getBytes(StandardCharsets.UTF_8)));
        sha256.update(key.scope().getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
        sha256.update(key.contentHash().getBytes(StandardCharsets.US_ASCII));
        sha256.update((byte) 0);
        sha256.update(nameDigest.getBytes(StandardCharsets.US_ASCII));
        long lockHash = ByteBuffer.wrap(sha256.digest()).getLong();
        return new StoredKey(key, nameKey, nameDigest, lockHash);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256 digest", e);
        }
    }
}
