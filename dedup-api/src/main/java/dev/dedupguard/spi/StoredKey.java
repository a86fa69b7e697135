package dev.dedupguard.spi;

import dev.dedupguard.FileKey;
import java.util.Comparator;
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

    private static final Comparator<StoredKey> ORDER = Comparator.comparing((StoredKey k) -> k.file().scope())
            .thenComparing(k -> k.file().contentHash())
            .thenComparing(StoredKey::nameDigest);

    public StoredKey {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(nameKey, "nameKey");
        Objects.requireNonNull(nameDigest, "nameDigest");
    }

    /** The stripe this key locks among {@code stripes} stripes. */
    public int stripe(int stripes) {
        return (int) Math.floorMod(lockHash, (long) stripes);
    }

    /** A total order (scope, content hash, name digest) in which batches insert, so that they never deadlock. */
    @Override
    public int compareTo(StoredKey other) {
        return ORDER.compare(this, other);
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
