package dev.dedupguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.spi.StoredKey;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** Properties of keys and their normalisation, over generated input. */
class KeyPropertiesTest {

    @Provide
    Arbitrary<String> hashes() {
        return Arbitraries.strings().withChars("0123456789abcdefABCDEF").ofLength(64);
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().all().ofMinLength(1).ofMaxLength(300)
                .filter(s -> !s.isBlank() && s.chars().noneMatch(c -> Character.isISOControl(c)
                        || Character.isSurrogate((char) c)));
    }

    @Property
    void hashCaseNeverMatters(@ForAll("hashes") String hash) {
        FileKey lower = FileKey.of("1", hash.toLowerCase(Locale.ROOT), "a");
        FileKey upper = FileKey.of("1", hash.toUpperCase(Locale.ROOT), "a");
        assertThat(lower).isEqualTo(upper);
        assertThat(StoredKey.of(lower, NamePolicy.EXACT)).isEqualTo(StoredKey.of(upper, NamePolicy.EXACT));
    }

    @Property
    void validNamesAreKeptExactlyAndTheirDigestHasFixedWidth(@ForAll("names") String name) {
        FileKey key = FileKey.of("1", "a".repeat(64), name);
        assertThat(key.fileName()).isEqualTo(name);
        for (NamePolicy p : NamePolicy.values()) {
            StoredKey stored = StoredKey.of(key, p);
            assertThat(stored.nameDigest()).hasSize(64).matches("[0-9a-f]{64}");
            assertThat(stored.file().fileName()).isEqualTo(name);
        }
    }

    @Property
    void nfcMakesComposedAndDecomposedFormsTheSameKey(@ForAll("names") String name) {
        String nfd = Normalizer.normalize(name, Normalizer.Form.NFD);
        String nfc = Normalizer.normalize(name, Normalizer.Form.NFC);
        if (nfd.isBlank() || nfc.getBytes(StandardCharsets.UTF_8).length > FileKey.MAX_FILE_NAME_BYTES) {
            return;
        }
        for (NamePolicy p : new NamePolicy[] {NamePolicy.NFC, NamePolicy.NFC_CASE_INSENSITIVE}) {
            assertThat(StoredKey.of(FileKey.of("1", "a".repeat(64), nfd), p))
                    .isEqualTo(StoredKey.of(FileKey.of("1", "a".repeat(64), nfc), p));
        }
    }

    @Provide
    Arbitrary<String> caseFoldableNames() {
        return Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                .withChars("._- \u00e9\u00c9\u00f6\u00d6\u03b1\u0391").ofMinLength(1).ofMaxLength(80)
                .filter(s -> !s.isBlank());
    }

    @Property
    void caseInsensitivePolicyIgnoresTheCaseOfLettersAndIsIdempotent(@ForAll("caseFoldableNames") String name) {
        String swapped = name.codePoints().map(c -> Character.isUpperCase(c) ? Character.toLowerCase(c)
                : Character.toUpperCase(c)).collect(StringBuilder::new, StringBuilder::appendCodePoint,
                StringBuilder::append).toString();
        NamePolicy p = NamePolicy.NFC_CASE_INSENSITIVE;
        assertThat(p.keyOf(swapped)).isEqualTo(p.keyOf(name));
        assertThat(p.keyOf(p.keyOf(name))).isEqualTo(p.keyOf(name));
        assertThat(NamePolicy.EXACT.keyOf(swapped).equals(NamePolicy.EXACT.keyOf(name)))
                .isEqualTo(swapped.equals(name));
    }

    @Property
    void controlCharactersAnywhereAreRejectedNamingTheField(@ForAll @StringLength(min = 1, max = 40) String prefix,
            @ForAll("controls") char control) {
        String name = "n" + prefix.replaceAll("[\\p{Cc}\\p{Cs}]", "") + control;
        assertThatThrownBy(() -> FileKey.of("1", "a".repeat(64), name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileName must not contain control characters");
    }

    /** The ISO control characters (C0 and DEL-C1), generated directly: filtering all chars misses 1,000 times per hit. */
    @Provide
    Arbitrary<Character> controls() {
        return Arbitraries.oneOf(Arbitraries.chars().range('\u0000', '\u001F'), Arbitraries.chars().range('\u007F', '\u009F'));
    }

    @Property
    void stripeIsStableAndInRange(@ForAll("hashes") String hash, @ForAll("names") String name) {
        FileKey key = FileKey.of("42", hash, name);
        int stripe = StoredKey.of(key, NamePolicy.EXACT).stripe(1024);
        assertThat(stripe).isBetween(0, 1023);
        assertThat(StoredKey.of(FileKey.of("42", hash, name), NamePolicy.EXACT).stripe(1024)).isEqualTo(stripe);
    }
}
