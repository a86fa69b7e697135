package dev.dedupguard.spi;

import dev.dedupguard.FileKey;
import dev.dedupguard.NamePolicy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A validated key in the forms a backend needs to store and find it.
 *
 * @param file the key as the host gave it (hash already lower case); {@code file().fileName()} is what to store
 * @param nameKey the file name after the guard's {@link dev.dedupguard.NamePolicy}; equal to the file name under
 *     {@code EXACT}
 * @param nameDigest lower-case hex SHA-256 of {@code nameKey} in UTF-8: 64 characters whatever the name's length,
 *     so that a unique index over it never exceeds a database's index entry size limit
 * @param lockHash a stable 64-bit hash of scope, content hash and name key (the same in every JVM and version),
 *     from which the engine derives lock stripes
 */
public record StoredKey(FileKey file, String nameKey, String nameDigest, long lockHash) implements Comparable<StoredKey> {

    /**
     * Takes the forms as given, without checking that they derive from each other; use {@link #of} to derive them.
     *
     * @param file the validated key; not {@code null}
     * @param nameKey the file name under the name policy; not {@code null}
     * @param nameDigest lower-case hex SHA-256 of {@code nameKey}; not {@code null}
     * @param lockHash the stable hash stripes are derived from
     * @throws NullPointerException if {@code file}, {@code nameKey} or {@code nameDigest} is {@code null}
     */
    public StoredKey {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(nameKey, "nameKey");
        Objects.requireNonNull(nameDigest, "nameDigest");
    }

    /**
     * The stored forms of {@code key} under {@code policy}: the derivation every guard uses, public so that tools (the
     * benchmarks, a migration that back-fills name keys) compute exactly what the guard would.
     *
     * @param key a validated key; not {@code null}
     * @param policy the guard's name policy; not {@code null}
     * @return the stored forms, the same for equal inputs in every JVM and version
     */
    public static StoredKey of(FileKey key, NamePolicy policy) {
        String nameKey = policy.keyOf(key.fileName());
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

    /**
     * The stripe this key locks among {@code stripes} stripes.
     *
     * @param stripes number of stripes, at least 1 (see {@link dev.dedupguard.GuardOptions#lockStripes()})
     * @return 0 to {@code stripes} - 1, derived from {@link #lockHash()}
     */
    public int stripe(int stripes) {
        return (int) Math.floorMod(lockHash, (long) stripes);
    }

    /** A total order (scope, content hash, name digest) in which batches insert, so that they never deadlock. */
    @Override
    public int compareTo(StoredKey other) {
        int c = file.scope().compareTo(other.file.scope());
        if (c == 0) {
            c = file.contentHash().compareTo(other.file.contentHash());
        }
        return c != 0 ? c : nameDigest.compareTo(other.nameDigest);
    }

    /** Equal keys are the same file: same scope, same content hash, same name key. */
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredKey k && file.scope().equals(k.file.scope())
                && file.contentHash().equals(k.file.contentHash()) && nameDigest.equals(k.nameDigest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(file.scope(), file.contentHash(), nameDigest);
    }
}
