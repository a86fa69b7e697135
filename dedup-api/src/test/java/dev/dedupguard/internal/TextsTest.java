package dev.dedupguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextsTest {

    @Test
    void utf8LengthIsTheEncodedLengthForEveryWidthOfCharacter() {
        for (String s : new String[] {"", "a", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff", "\ud83d\ude00",
                "Beweis-\u00fcbersicht \u2013 \u8a3c\u62e0 \ud83d\udcc1.pdf"}) {
            assertThat(Texts.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = random.nextInt(40); n > 0; n--) {
                b.appendCodePoint(switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(0x80);
                    case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
                    case 2 -> 0xe000 + random.nextInt(0x2000);
                    default -> 0x10000 + random.nextInt(0x100000);
                });
            }
            String s = b.toString();
            assertThat(Texts.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
