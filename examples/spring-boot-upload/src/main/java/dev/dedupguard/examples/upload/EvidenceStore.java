package dev.dedupguard.examples.upload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where uploaded bytes go: a content-addressed directory. Each upload streams through SHA-256 into a temporary file
 * under {@code incoming/}, in constant memory, and is then moved to {@code ab/cd/<sha256>} (the hash's first two
 * byte pairs as directories). Identical content is stored once, whoever uploads it under whatever name: a file name
 * never becomes a path here, so names such as {@code ../../etc/passwd} are harmless. Thread-safe.
 */
public final class EvidenceStore {
    private static final int BUFFER = 1 << 16;

    private final Path root;
    private final Path incoming;

    /**
     * A store in {@code root}, created if absent.
     *
     * @param root the store's directory
     * @throws IOException if it cannot be created
     */
    public EvidenceStore(Path root) throws IOException {
        this.root = root.toAbsolutePath();
        this.incoming = Files.createDirectories(this.root.resolve("incoming"));
    }

    /**
     * What was stored.
     *
     * @param sha256 the content's SHA-256, lower-case hex
     * @param size the content's length in bytes
     * @param path where the content is
     */
    public record Stored(String sha256, long size, Path path) {
    }

    /**
     * Streams {@code content} to the end into the store, hashing it on the way.
     *
     * @param content the bytes; read to the end, not closed
     * @return the hash, size and place of the content
     * @throws IOException if reading or writing fails; nothing is left behind then
     */
    public Stored store(InputStream content) throws IOException {
        MessageDigest sha256 = sha256();
        Path temp = Files.createTempFile(incoming, "upload-", ".part");
        long size = 0;
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                byte[] buffer = new byte[BUFFER];
                for (int n = content.read(buffer); n >= 0; n = content.read(buffer)) {
                    sha256.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    size += n;
                }
            }
            String hash = HexFormat.of().formatHex(sha256.digest());
            Path target = pathOf(hash);
            Files.createDirectories(target.getParent());
            move(temp, target);
            return new Stored(hash, size, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Where content with this hash is (or would be) stored.
     *
     * @param sha256 lower-case hex
     * @return {@code root/ab/cd/<sha256>}
     */
    public Path pathOf(String sha256) {
        return root.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }

    private static void move(Path temp, Path target) throws IOException {
        if (Files.exists(target)) {
            return;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // the same content arrived concurrently: the copy in place is identical
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
