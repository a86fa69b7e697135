package dev.dedupguard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Computes the content hash of a file for a {@link FileKey}, streaming: memory use is one fixed buffer whatever
 * the file's size. The result is lower-case hex.
 */
public final class ContentHash {
    private static final int BUFFER_SIZE = 64 * 1024;

    private ContentHash() {
    }

    /**
     * SHA-256 of the file's bytes.
     *
     * @param file a readable regular file; not {@code null}
     * @return 64 lower-case hex digits
     * @throws IOException if the file does not exist or cannot be read
     */
    public static String sha256(Path file) throws IOException {
        return of(HashAlgorithm.SHA_256, file);
    }

    /**
     * SHA-256 of everything the stream yields; the stream is read to its end but not closed.
     *
     * @param content the bytes to hash, from the stream's current position; not {@code null}
     * @return 64 lower-case hex digits
     * @throws IOException if reading the stream fails
     */
    public static String sha256(InputStream content) throws IOException {
        return of(HashAlgorithm.SHA_256, content);
    }

    /**
     * The digest of the file's bytes with the given algorithm.
     *
     * @param algorithm the digest to compute; not {@code null}
     * @param file a readable regular file; not {@code null}
     * @return {@link HashAlgorithm#hexLength()} lower-case hex digits
     * @throws IOException if the file does not exist or cannot be read
     */
    public static String of(HashAlgorithm algorithm, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            return of(algorithm, in);
        }
    }

    /**
     * The digest of everything the stream yields; the stream is read to its end but not closed.
     *
     * @param algorithm the digest to compute; not {@code null}
     * @param content the bytes to hash, from the stream's current position; not {@code null}
     * @return {@link HashAlgorithm#hexLength()} lower-case hex digits
     * @throws IOException if reading the stream fails
     */
    public static String of(HashAlgorithm algorithm, InputStream content) throws IOException {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(content, "content");
        MessageDigest digest = newDigest(algorithm);
        byte[] buffer = new byte[BUFFER_SIZE];
        for (int n; (n = content.read(buffer)) != -1; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The digest of a byte array; for small contents and tests.
     *
     * @param algorithm the digest to compute; not {@code null}
     * @param content the bytes to hash, all of them; not {@code null}, may be empty
     * @return {@link HashAlgorithm#hexLength()} lower-case hex digits
     */
    public static String of(HashAlgorithm algorithm, byte[] content) {
        Objects.requireNonNull(content, "content");
        return HexFormat.of().formatHex(newDigest(Objects.requireNonNull(algorithm, "algorithm")).digest(content));
    }

    private static MessageDigest newDigest(HashAlgorithm algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.jcaName());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no " + algorithm.jcaName() + " digest", e);
        }
    }
}
