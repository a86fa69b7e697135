package dev.dedupguard.internal;

import dev.dedupguard.FileKey;
import dev.dedupguard.KeyCollisionException;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import org.jspecify.annotations.Nullable;

/**
 * The guard's own equality, applied to a row the database matched to a requested key before any answer is given: the
 * same scope, the same lower-case content hash, and the same name under the guard's {@link NamePolicy} (and, where the
 * table has a name-key column, the same digest). A row that differs raises {@link Collision}, which the engine turns
 * into a {@link KeyCollisionException}.
 */
final class KeyCheck {
    private final NamePolicy policy;

    KeyCheck(NamePolicy policy) {
        this.policy = policy;
    }

    /**
     * {@code row}, if it holds {@code key} under the guard's equality.
     *
     * @throws Collision naming the first field that differs
     */
    StoredRow requireSame(StoredKey key, StoredRow row) {
        FileKey requested = key.file();
        if (!row.scope().equals(requested.scope())) {
            throw new Collision(key, row, "scope", "the scope column compares scopes differently from the guard (a "
                    + "case-, accent- or trailing-space-insensitive collation, or a type that normalises the value): "
                    + "give it a byte-wise collation, or pass scopes in the form the column stores");
        }
        if (!stripPadding(row.contentHash()).equals(requested.contentHash())) {
            throw new Collision(key, row, "contentHash", "the content hash column holds a hash that is not the "
                    + "lower-case hex the guard writes, or compares hashes case-insensitively: store hashes in lower "
                    + "case (a CHECK (hash = lower(hash)) constraint keeps them so) with a byte-wise collation");
        }
        String digest = row.nameDigest() == null ? null : stripPadding(row.nameDigest());
        if (digest != null && !digest.equals(key.nameDigest())) {
            throw new Collision(key, row, "fileName", "the name-key column compares name keys differently from the "
                    + "guard (it must hold lower-case hex compared byte-wise): give it a byte-wise collation");
        }
        if (!policy.keyOf(row.fileName()).equals(key.nameKey())) {
            throw new Collision(key, row, "fileName", digest == null
                    ? "the file name column compares names differently from the guard's NamePolicy." + policy + " (a "
                            + "case-, accent- or trailing-space-insensitive collation): give it a byte-wise collation "
                            + "(build() names the DDL), or map a name-key column and choose the NamePolicy you want"
                    : "the stored row's name key was not written under the guard's NamePolicy." + policy + ": the row "
                            + "was registered by a guard with another name policy, or its name key by other code");
        }
        return row;
    }

    /** A fixed-width hex value as a {@code CHAR} column returns it: hex never ends in a blank. */
    private static String stripPadding(String hex) {
        int end = hex.length();
        while (end > 0 && hex.charAt(end - 1) == ' ') {
            end--;
        }
        return hex.substring(0, end);
    }

    private static String describe(String scope, String contentHash, String fileName) {
        return "(scope " + Texts.quote(scope) + ", contentHash " + Texts.quote(contentHash) + ", fileName "
                + Texts.quote(fileName) + ")";
    }

    /** A stored row the database matched to a key that the guard's equality says is another key. */
    static final class Collision extends StorageException {
        private final transient StoredKey key;
        private final transient StoredRow row;
        private final String field;

        Collision(StoredKey key, StoredRow row, String field, String advice) {
            super(Kind.KEY_COLLISION, "the database matched the requested key " + describe(key.file().scope(),
                    key.file().contentHash(), key.file().fileName()) + " to the stored row " + row.id() + " "
                    + describe(row.scope(), row.contentHash(), row.fileName()) + ", which the guard considers a "
                    + "different key: " + field + " differs. " + Character.toUpperCase(advice.charAt(0))
                    + advice.substring(1) + ". Nothing was registered", null);
            this.key = key;
            this.row = row;
            this.field = field;
        }

        KeyCollisionException toPublic(@Nullable Throwable cause) {
            return new KeyCollisionException(getMessage(), key.file(), new KeyCollisionException.StoredValues(row.id(),
                    row.scope(), row.contentHash(), row.fileName()), field, cause);
        }
    }
}
