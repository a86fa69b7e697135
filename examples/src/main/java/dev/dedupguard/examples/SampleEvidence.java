package dev.dedupguard.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a realistic sample evidence folder: Windows event logs from several servers, the same log copied under a
 * second name, a different log that happens to have the same name, re-uploads of files already in the set, and a batch
 * of ordinary files. With the default 40 extra files, one ingest stores 46 files and reports 3 duplicates.
 */
final class SampleEvidence {
    /** Files the sample holds when generated with {@code extra} extra files. */
    static int fileCount(int extra) {
        return 9 + extra;
    }

    /** Distinct (content, name) pairs among them: what one ingest stores. */
    static int distinctCount(int extra) {
        return 6 + extra;
    }

    private SampleEvidence() {
    }

    static void generate(Path folder, int extra) throws IOException {
        Files.createDirectories(folder.resolve("host-a"));
        Files.createDirectories(folder.resolve("host-b"));
        Files.createDirectories(folder.resolve("reupload"));
        Files.createDirectories(folder.resolve("host-c"));
        byte[] security1 = log("server1", "Security", 4624, 2_000);
        byte[] system2 = log("server2", "System", 7036, 1_500);
        byte[] security3 = log("server3", "Security", 4625, 1_800);
        write(folder.resolve("host-a/server1_Security.evtx"), security1);
        write(folder.resolve("host-a/server2_System.evtx"), system2);
        // the same content under a second name: a different file as far as the case is concerned
        write(folder.resolve("host-a/server1_Security_copy.evtx"), security1);
        // another server's log with the same name as server1's: different content, so a different file
        write(folder.resolve("host-b/server1_Security.evtx"), security3);
        write(folder.resolve("host-b/memory.raw"), bytes(7, 64 * 1024));
        write(folder.resolve("host-b/prefetch.zip"), bytes(8, 16 * 1024));
        // re-uploads of files already in the set: same content, same name, other folder
        write(folder.resolve("reupload/server1_Security.evtx"), security1);
        write(folder.resolve("reupload/server2_System.evtx"), system2);
        write(folder.resolve("reupload/memory.raw"), bytes(7, 64 * 1024));
        for (int i = 0; i < extra; i++) {
            write(folder.resolve(String.format("host-c/browser-cache-%04d.bin", i)), bytes(1000 + i, 4096));
        }
    }

    private static byte[] log(String host, String channel, int eventId, int records) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < records; i++) {
            sb.append("<Event><System><Computer>").append(host).append("</Computer><Channel>").append(channel)
                    .append("</Channel><EventID>").append(eventId).append("</EventID><EventRecordID>").append(i)
                    .append("</EventRecordID></System></Event>\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
    }
}
