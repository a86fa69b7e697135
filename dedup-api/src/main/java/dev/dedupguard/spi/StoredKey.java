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
 * A validated key in the forms a backend needs to store and find it: the key as the host gave it, its name key, and
 * the two forms derived from the name key by SHA-256 (the name digest and the lock hash), which are computed on first
 * use and then kept, so that a guard whose table stores no name digest and whose strategy takes no stripe lock never
 * pays for them. Immutable and safe to share between threads.
 */
public final class StoredKey implements Comparable<StoredKey> {
    private static final MessageDigest SHA256 = sha256();

    private final FileKey file;
    private final String nameKey;
    /** The name digest and the lock hash, derived together on first use; final fields, so a racy read is safe. */
    private Derived derived;

    /**
     * Takes the forms as given, without checking that they derive from each other; use {@link #of} to derive them.
     *
     * @param file the validated key; not {@code null}
     * @param nameKey the file name under the name policy; not {@code null}
     * @param nameDigest lower-case hex SHA-256 of {@code nameKey}; not {@code null}
     * @param lockHash the stable hash stripes are derived from
     * @throws NullPointerException if {@code file}, {@code nameKey} or {@code nameDigest} is {@code null}
     */
    public StoredKey(FileKey file, String nameKey, String nameDigest, long lockHash) {
        this(file, nameKey);
        this.derived = new Derived(Objects.requireNonNull(nameDigest, "nameDigest"), lockHash);
    }

    private StoredKey(FileKey file, String nameKey) {
        this.file = Objects.requireNonNull(file, "file");
        this.nameKey = Objects.requireNonNull(nameKey, "nameKey");
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
        return new StoredKey(key, policy.keyOf(key.fileName()));
    }

    /**
     * The key as the host gave it.
     *
     * @return the validated key (hash already lower case); {@code file().fileName()} is what to store
     */
    public FileKey file() {
        return file;
    }

    /**
     * The file name after the guard's name policy.
     *
     * @return the name key; equal to the file name under {@code EXACT}
     */
    public String nameKey() {
        return nameKey;
    }

    /**
     * The name key's digest, what a name-key column stores.
     *
     * @return lower-case hex SHA-256 of {@link #nameKey()} in UTF-8: 64 characters whatever the name's length, so that a
     *     unique index over it never exceeds a database's index entry size limit
     */
    public String nameDigest() {
        return derived().nameDigest;
    }

    /**
     * The hash lock stripes are derived from.
     *
     * @return a stable 64-bit hash of scope, content hash and name key, the same in every JVM and version
     */
    public long lockHash() {
        return derived().lockHash;
    }

    private Derived derived() {
        Derived d = derived;
        if (d == null) {
            d = derive(file, nameKey);
            derived = d;
        }
        return d;
    }

    private static Derived derive(FileKey key, String nameKey) {
        MessageDigest sha256 = sha256Copy();
        String nameDigest = HexFormat.of().formatHex(sha256.digest(nameKey.getBytes(StandardCharsets.UTF_8)));
        sha256.update(key.scope().getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
        sha256.update(key.contentHash().getBytes(StandardCharsets.US_ASCII));
        sha256.update((byte) 0);
        sha256.update(nameDigest.getBytes(StandardCharsets.US_ASCII));
        return new Derived(nameDigest, ByteBuffer.wrap(sha256.digest()).getLong());
    }

    private static MessageDigest sha256Copy() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return sha256();
        }
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
        return (int) Math.floorMod(lockHash(), (long) stripes);
    }

    /** A total order (scope, content hash, name digest) in which batches insert, so that they never deadlock. */
    @Override
    public int compareTo(StoredKey other) {
        int c = file.scope().compareTo(other.file.scope());
        if (c == 0) {
            c = file.contentHash().compareTo(other.file.contentHash());
        }
        return c != 0 ? c : nameDigest().compareTo(other.nameDigest());
    }

    /**
     * Equal keys are the same file: same scope, same content hash, same name key (and so the same name digest).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredKey k && file.scope().equals(k.file.scope())
                && file.contentHash().equals(k.file.contentHash()) && nameKey.equals(k.nameKey);
    }

    @Override
    public int hashCode() {
        return (file.scope().hashCode() * 31 + file.contentHash().hashCode()) * 31 + nameKey.hashCode();
    }

    @Override
    public String toString() {
        return "StoredKey[file=" + file + ", nameKey=" + nameKey + "]";
    }

    private record Derived(String nameDigest, long lockHash) {
    }
}
