package dev.dedupguard.testing;

import dev.dedupguard.ContentHash;
import dev.dedupguard.FileKey;
import dev.dedupguard.HashAlgorithm;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Deterministic keys for tests. Scopes are numeric so that host tables (bigint case_id) accept them. */
public final class Keys {
    private Keys() {
    }

    /** The SHA-256 of a short text. */
    public static String sha256(String content) {
        return ContentHash.of(HashAlgorithm.SHA_256, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Key number {@code i} in scope {@code scope}. */
    public static FileKey key(long scope, int i) {
        return FileKey.of(Long.toString(scope), sha256("content-" + i), "server" + i + "_Security.evtx");
    }

    /** {@code count} distinct keys in scope {@code scope}. */
    public static List<FileKey> keys(long scope, int count) {
        List<FileKey> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add(key(scope, i));
        }
        return keys;
    }
}
