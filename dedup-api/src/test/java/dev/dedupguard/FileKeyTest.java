package dev.dedupguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileKeyTest {
    private static final String HASH = "a".repeat(64);

    @Test
    void keepsScopeAndNameExactlyAndLowerCasesTheHash() {
        FileKey key = FileKey.of("case-7", "ABCDEF" + "0".repeat(58), "  Report (1).PDF ");
        assertThat(key.scope()).isEqualTo("case-7");
        assertThat(key.contentHash()).isEqualTo("abcdef" + "0".repeat(58));
        assertThat(key.fileName()).isEqualTo("  Report (1).PDF ");
    }

    @Test
    void nullFieldsAreNamed() {
        assertThatThrownBy(() -> FileKey.of(null, HASH, "a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scope must not be null");
        assertThatThrownBy(() -> FileKey.of("s", null, "a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("contentHash must not be null");
        assertThatThrownBy(() -> FileKey.of("s", HASH, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fileName must not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t ", "\u2003"})
    void blankScopeOrNameIsRejected(String blank) {
        assertThatThrownBy(() -> FileKey.of(blank, HASH, "a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("scope must not be");
        assertThatThrownBy(() -> FileKey.of("s", HASH, blank)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("fileName must not be");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 63, 65, 129})
    void hashLengthOutsideTheAlgorithmsIsRejectedWithTheLength(int length) {
        assertThatThrownBy(() -> FileKey.of("s", "a".repeat(length), "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contentHash").hasMessageContaining("was " + length + " characters");
    }

    @Test
    void nonHexHashIsRejectedWithTheCharacterAndItsIndex() {
        assertThatThrownBy(() -> FileKey.of("s", "a".repeat(10) + "g" + "a".repeat(53), "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contentHash must contain only hex digits")
                .hasMessageContaining("U+0067 at index 10");
        assertThatThrownBy(() -> FileKey.of("s", " " + "a".repeat(63), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+0020 at index 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "a\nb", "a\rb", "a\u007fb", "a\u0085b", "a\u001bb"})
    void controlCharactersInNamesAreRejectedAndEscapedInTheMessage(String name) {
        assertThatThrownBy(() -> FileKey.of("s", HASH, name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileName must not contain control characters")
                .hasMessageContaining("at index 1")
                .hasMessageContaining("\"a\\u");
    }

    @Test
    void controlCharactersInScopeAreRejected() {
        assertThatThrownBy(() -> FileKey.of("case\u00007", HASH, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scope must not contain control characters");
    }

    @Test
    void unpairedSurrogatesAreRejectedButPairsAreFine() {
        assertThat(FileKey.of("s", HASH, "\uD83D\uDCC1.txt").fileName()).isEqualTo("\uD83D\uDCC1.txt");
        assertThatThrownBy(() -> FileKey.of("s", HASH, "a\uD83Db")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> FileKey.of("s", HASH, "a\uDCC1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
    }

    @Test
    void nameLengthIsCountedInUtf8Bytes() {
        String atLimit = "\u00e9".repeat(2048);
        assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(4096);
        assertThat(FileKey.of("s", HASH, atLimit).fileName()).isEqualTo(atLimit);
        assertThatThrownBy(() -> FileKey.of("s", HASH, atLimit + "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 4096 bytes").hasMessageContaining("was 4097 bytes")
                .hasMessageContaining("(2049 characters)");
    }

    @Test
    void scopeLengthIsLimited() {
        assertThat(FileKey.of("s".repeat(255), HASH, "x").scope()).hasSize(255);
        assertThatThrownBy(() -> FileKey.of("s".repeat(256), HASH, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scope must be at most 255 characters, was 256");
    }

    @Test
    void combiningCharactersAndRightToLeftMarksAreKeptExactly() {
        String name = "e\u0301\u200F\u202Efdp.exe";
        assertThat(FileKey.of("s", HASH, name).fileName()).isEqualTo(name);
    }
    @Test
    void unpairedSurrogateInTheScopeIsRejectedLikeInTheName() {
        assertThat(FileKey.of("case-\uD83D\uDCC1", HASH, "x").scope()).isEqualTo("case-\uD83D\uDCC1");
        for (String scope : new String[] {"case-7\uD800", "case-7\uDC00", "\uDC00case", "a\uD800b"}) {
            assertThatThrownBy(() -> FileKey.of(scope, HASH, "x.pdf")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("scope must be valid Unicode; found an unpaired surrogate");
        }
    }
}
