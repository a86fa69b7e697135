package dev.dedupguard.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import dev.dedupguard.NamePolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StoredKeyTest {

    private static StoredKey key(String scope, char hashDigit, String name) {
        return StoredKey.of(FileKey.of(scope, String.valueOf(hashDigit).repeat(64), name), NamePolicy.EXACT);
    }

    @Test
    void ordersByScopeThenContentHashThenNameDigest() {
        StoredKey a = key("a", '1', "x.pdf");
        StoredKey b = key("a", '2', "a.pdf");
        StoredKey c = key("b", '0', "a.pdf");
        StoredKey sameAsA = key("a", '1', "x.pdf");
        StoredKey otherName = key("a", '1', "y.pdf");

        assertThat(a).isLessThan(b);
        assertThat(b).isLessThan(c);
        assertThat(a.compareTo(sameAsA)).isZero();
        assertThat(Integer.signum(a.compareTo(otherName)))
                .isEqualTo(Integer.signum(a.nameDigest().compareTo(otherName.nameDigest())))
                .isNotZero();
        assertThat(Integer.signum(otherName.compareTo(a))).isEqualTo(-Integer.signum(a.compareTo(otherName)));
    }

    @Test
    void sortingIsTheSameWhateverTheInputOrder() {
        List<StoredKey> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            keys.add(key("case-" + (i % 7), Character.forDigit(i % 16, 16), "f" + i + ".bin"));
        }
        List<StoredKey> sorted = new ArrayList<>(keys);
        Collections.sort(sorted);
        List<StoredKey> shuffled = new ArrayList<>(keys);
        Collections.shuffle(shuffled, new Random(7));
        Collections.sort(shuffled);
        assertThat(shuffled).isEqualTo(sorted);
        for (int i = 1; i < sorted.size(); i++) {
            StoredKey prev = sorted.get(i - 1);
            StoredKey next = sorted.get(i);
            int byScope = prev.file().scope().compareTo(next.file().scope());
            assertThat(byScope).isLessThanOrEqualTo(0);
            if (byScope == 0) {
                assertThat(prev.file().contentHash().compareTo(next.file().contentHash())).isLessThanOrEqualTo(0);
            }
        }
    }

    @Test
    void theDerivedFormsAreTheSameWhetherComputedLazilyOrGiven() throws Exception {
        StoredKey lazy = key("case-1", 'a', "Beweis \u00fc.pdf");
        String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("Beweis \u00fc.pdf".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        StoredKey given = new StoredKey(lazy.file(), lazy.nameKey(), digest, lazy.lockHash());
        assertThat(lazy.nameDigest()).isEqualTo(digest);
        assertThat(given).isEqualTo(lazy).hasSameHashCodeAs(lazy);
        assertThat(given.stripe(1024)).isEqualTo(lazy.stripe(1024));
        assertThat(key("case-1", 'a', "other.pdf")).isNotEqualTo(lazy);
        // the values 0.1.0's eager derivation gave: stripes must not move between versions of a running cluster
        assertThat(key("case-1", 'a', "Beweis \u00fc.pdf").lockHash()).isEqualTo(-5343252103178520803L);
        assertThat(lazy.nameDigest()).isEqualTo("2368f2cf006f83a5ce396b769ea26960a9f128ce25017de86a0364f4f51eb632");
        assertThat(lazy.stripe(1024)).isEqualTo(797);
    }
}
