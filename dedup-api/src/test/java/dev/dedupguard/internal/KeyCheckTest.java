package dev.dedupguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.FileKey;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.spi.StorageException;
import dev.dedupguard.spi.StoredKey;
import dev.dedupguard.spi.StoredRow;
import org.junit.jupiter.api.Test;

/** The guard's equality applied to rows as databases return them: padding, case, scopes in their stored form. */
class KeyCheckTest {
    private static final String HASH = "ab".repeat(32);
    private static final StoredKey KEY = StoredKey.of(FileKey.of("7", HASH, "a.pdf"), NamePolicy.EXACT);
    private final KeyCheck exact = new KeyCheck(NamePolicy.EXACT);

    @Test
    void aRowWithTheKeysValuesIsTheSameKeyWhateverTheHashColumnsPadding() {
        StoredRow padded = new StoredRow(1, "7", HASH + "  ", "a.pdf", null);
        assertThat(exact.requireSame(KEY, padded)).isSameAs(padded);
        assertThat(exact.requireSame(KEY, new StoredRow(1, "7", HASH, "a.pdf", KEY.nameDigest() + " "))).isNotNull();
    }

    @Test
    void eachFieldThatDiffersIsNamed() {
        assertCollision(new StoredRow(1, "07", HASH, "a.pdf", null), "scope");
        assertCollision(new StoredRow(1, "7", HASH.toUpperCase(), "a.pdf", null), "contentHash");
        assertCollision(new StoredRow(1, "7", HASH, "a.pdf ", null), "fileName");
        assertCollision(new StoredRow(1, "7", HASH, "A.pdf", null), "fileName");
        assertCollision(new StoredRow(1, "7", HASH, "a.pdf", "00".repeat(32)), "fileName");
        StoredKey upper = StoredKey.of(FileKey.of("7", HASH, "A.PDF"), NamePolicy.EXACT);
        assertThatThrownBy(() -> exact.requireSame(upper, new StoredRow(1, "7", HASH, "a.pdf", upper.nameDigest())))
                .hasMessageContaining("another name policy");
    }

    @Test
    void aNamePolicyComparesTheStoredNameUnderThatPolicy() {
        StoredKey key = StoredKey.of(FileKey.of("7", HASH, "re\u0301sume\u0301.PDF"), NamePolicy.NFC_CASE_INSENSITIVE);
        StoredRow row = new StoredRow(3, "7", HASH, "r\u00e9sum\u00e9.pdf", key.nameDigest());
        assertThat(new KeyCheck(NamePolicy.NFC_CASE_INSENSITIVE).requireSame(key, row)).isSameAs(row);
    }

    private void assertCollision(StoredRow row, String field) {
        assertThatThrownBy(() -> exact.requireSame(KEY, row)).isInstanceOfSatisfying(KeyCheck.Collision.class,
                c -> {
                    assertThat(c.kind()).isEqualTo(StorageException.Kind.KEY_COLLISION);
                    assertThat(c.toPublic(null).field()).contains(field);
                });
    }
}
