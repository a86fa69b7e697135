package dev.dedupguard.examples;

import dev.dedupguard.ContentHash;
import dev.dedupguard.HashAlgorithm;
import java.nio.charset.StandardCharsets;

/** An uploaded evidence file: its name, bytes and SHA-256, and a stand-in for the processing the host does with it. */
record Evidence(String name, byte[] content) {

    static Evidence of(String name, String content) {
        return new Evidence(name, content.getBytes(StandardCharsets.UTF_8));
    }

    String sha256() {
        return ContentHash.of(HashAlgorithm.SHA_256, content);
    }

    /** Parses the upload; fails for a file whose content is not an event log, as a real parser would. */
    void process() {
        if (!new String(content, StandardCharsets.UTF_8).startsWith("<Event")) {
            throw new IllegalStateException(name + " is not an event log: parser rejected it");
        }
    }
}
