package dev.dedupguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentHashTest {

    @Test
    void knownVectors() throws IOException {
        assertThat(ContentHash.sha256(InputStream.nullInputStream()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(ContentHash.of(HashAlgorithm.SHA_256, "abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(ContentHash.of(HashAlgorithm.MD5, "abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("900150983cd24fb0d6963f7d28e17f72");
        for (HashAlgorithm a : HashAlgorithm.values()) {
            assertThat(ContentHash.of(a, new byte[0])).hasSize(a.hexLength());
        }
    }

    @Test
    void streamsAFileLargerThanItsBufferWithoutReadingItWhole(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("evidence.bin");
        byte[] block = new byte[1 << 20];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31);
        }
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < 8; i++) {
                out.write(block);
                expected.update(block);
            }
        }
        assertThat(ContentHash.sha256(file)).isEqualTo(HexFormat.of().formatHex(expected.digest()));
    }

    /** A 1 GiB stream that exists only as a counter: hashing it must not need 1 GiB of memory. */
    @Test
    void hashesAGibibyteStreamInConstantMemory() throws IOException {
        long size = 1L << 30;
        InputStream generated = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        assertThat(ContentHash.sha256(generated))
                .isEqualTo("49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14");
    }
}
