package dev.dedupguard.examples.upload;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The service on a random port and a fresh embedded PostgreSQL, driven by a real HTTP client: concurrent uploads of
 * one file, the error answers, names that must never become paths, per-case access, the chain of custody (the attempt
 * log's history), and (tagged slow) a multi-GB upload through a JVM whose heap is a quarter of it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"upload.embedded-dir=",
    "upload.store-dir=target/evidence-store-test", "upload.users.investigator.password={noop}pw-investigator",
    "upload.users.investigator.cases=4711,12,42,99,500,600,601", "upload.users.outsider.password={noop}pw-outsider",
    "upload.users.outsider.cases=7", "upload.users.analyst.password={noop}pw-analyst",
    "upload.users.analyst.cases=600"})
@ExtendWith(OutputCaptureExtension.class)
class UploadApplicationTest {
    private static final String BOUNDARY = "dedup-boundary-7d1f";
    private static final String INVESTIGATOR = "investigator:pw-investigator";
    private static final String OUTSIDER = "outsider:pw-outsider";
    private static final String ANALYST = "analyst:pw-analyst";
    /** Boot's log line: time, level, pid. */
    private static final String WARN_OR_ERROR = "(?m)^\\S+\\s+(WARN|ERROR)\\s+\\d+ ---";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Value("${local.server.port}")
    private int port;

    @Autowired
    private JdbcTemplate jdbc;

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] multipart(String fileName, byte[] content) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private HttpResponse<String> post(String user, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(60));
        if (user != null) {
            request.header("Authorization", basic(user));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> upload(String user, String caseId, String fileName, byte[] content) throws Exception {
        return post(user, "/cases/" + caseId + "/files", "multipart/form-data; boundary=" + BOUNDARY,
                multipart(fileName, content));
    }

    private HttpResponse<String> get(String user, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Authorization", basic(user))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String fileHistory(String caseId, String sha256, String fileName) {
        return "/cases/" + caseId + "/files/history?sha256=" + sha256 + "&fileName="
                + URLEncoder.encode(fileName, StandardCharsets.UTF_8);
    }

    private static String uploadId(HttpResponse<String> r) {
        return r.headers().firstValue("Upload-Id").orElseThrow();
    }

    private double metric(String name, String tag) throws Exception {
        HttpResponse<String> r = get(INVESTIGATOR, "/actuator/metrics/" + name + "?tag=" + tag);
        if (r.statusCode() == 404) {
            return 0;
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<Number> counts = JsonPath.read(r.body(), "$.measurements[?(@.statistic=='COUNT')].value");
        return counts.get(0).doubleValue();
    }

    private static String detail(HttpResponse<String> r) {
        return JsonPath.read(r.body(), "$.detail");
    }

    @Test
    void sixteenConcurrentUploadsOfOneFileStoreItOnce(CapturedOutput output) throws Exception {
        byte[] content = "EVTX evidence bytes\n".repeat(5_000).getBytes(StandardCharsets.UTF_8);
        int uploaders = 16;
        int logBefore = output.length();
        double newBefore = metric("dedup.registrations", "outcome:new");
        double duplicatesBefore = metric("dedup.registrations", "outcome:duplicate");
        ExecutorService pool = Executors.newFixedThreadPool(uploaders);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            CyclicBarrier start = new CyclicBarrier(uploaders);
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < uploaders; i++) {
                futures.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return upload(INVESTIGATOR, "4711", "server1_Security.evtx", content);
                }));
            }
            for (Future<HttpResponse<String>> f : futures) {
                responses.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(responses).filteredOn(r -> r.statusCode() == 201).hasSize(1);
        assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(15);
        List<Long> ids = responses.stream().map(r -> JsonPath.<Number>read(r.body(), "$.id").longValue()).toList();
        assertThat(ids).containsOnly(ids.get(0));
        assertThat(jdbc.queryForObject("select count(*) from case_file where case_id = 4711", Long.class))
                .isEqualTo(1);
        HttpResponse<String> created = responses.stream().filter(r -> r.statusCode() == 201).findFirst().orElseThrow();
        String location = created.headers().firstValue("Location").orElseThrow();
        assertThat(location).isEqualTo("/cases/4711/files/" + ids.get(0));
        HttpResponse<String> resolved = get(INVESTIGATOR, location);
        assertThat(resolved.statusCode()).as("Location resolves").isEqualTo(200);
        assertThat(JsonPath.<Number>read(resolved.body(), "$.id").longValue()).isEqualTo(ids.get(0));
        assertThat(JsonPath.<String>read(resolved.body(), "$.uploadedBy")).isEqualTo("investigator");
        HttpResponse<String> list = get(INVESTIGATOR, "/cases/4711/files");
        assertThat(JsonPath.<List<Object>>read(list.body(), "$[*].id")).hasSize(1);

        assertThat(output.toString().substring(logBefore)).as("no WARN/ERROR log line for expected duplicates")
                .doesNotContainPattern(WARN_OR_ERROR);
        assertThat(output.toString()).as("the pattern above matches Boot's log lines")
                .containsPattern("(?m)^\\S+\\s+INFO\\s+\\d+ ---");
        assertThat(metric("dedup.registrations", "outcome:new") - newBefore).isEqualTo(1);
        assertThat(metric("dedup.registrations", "outcome:duplicate") - duplicatesBefore).isEqualTo(15);

        String sha256 = JsonPath.read(created.body(), "$.sha256");
        HttpResponse<String> history = get(INVESTIGATOR, fileHistory("4711", sha256, "server1_Security.evtx"));
        assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
        assertThat(JsonPath.<List<String>>read(history.body(), "$[*].outcome")).as("one attempt per upload")
                .hasSize(16).containsOnlyOnce("NEW").containsOnly("NEW", "DUPLICATE");
        assertThat(JsonPath.<List<String>>read(history.body(), "$[?(@.outcome=='NEW')].reference"))
                .containsExactly(uploadId(created));
        assertThat(JsonPath.<List<String>>read(history.body(), "$[*].reference")).as("each upload's own id")
                .containsExactlyInAnyOrderElementsOf(responses.stream().map(UploadApplicationTest::uploadId).toList());
        assertThat(JsonPath.<List<Number>>read(history.body(), "$[*].storedId")).extracting(Number::longValue)
                .containsOnly(ids.get(0));
        assertThat(JsonPath.<List<String>>read(history.body(), "$[*].actor")).containsOnly("investigator");
    }

    /**
     * The question, answered over HTTP: who tried to add which file to the case, when, and what the service
     * answered, in the order it happened, a page at a time.
     */
    @Test
    void theHistoryShowsWhoUploadedAFileAndWhatEachUploadWasAnswered(CapturedOutput output) throws Exception {
        int logBefore = output.length();
        String name = "disk image 01 \u00fc.E01";
        byte[] content = "acquired image".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> first = upload(INVESTIGATOR, "600", name, content);
        HttpResponse<String> second = upload(ANALYST, "600", name, content);
        HttpResponse<String> other = upload(ANALYST, "600", "notes.txt", "notes".getBytes(StandardCharsets.UTF_8));
        assertThat(List.of(first.statusCode(), second.statusCode(), other.statusCode())).containsExactly(201, 200, 201);
        long id = JsonPath.<Number>read(first.body(), "$.id").longValue();
        String sha256 = JsonPath.read(first.body(), "$.sha256");

        HttpResponse<String> file = get(ANALYST, fileHistory("600", sha256, name));
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        assertThat(JsonPath.<List<Object>>read(file.body(), "$")).hasSize(2);
        assertThat(JsonPath.<String>read(file.body(), "$[0].outcome")).isEqualTo("NEW");
        assertThat(JsonPath.<String>read(file.body(), "$[0].actor")).isEqualTo("investigator");
        assertThat(JsonPath.<String>read(file.body(), "$[0].reference")).isEqualTo(uploadId(first));
        assertThat(JsonPath.<String>read(file.body(), "$[1].outcome")).isEqualTo("DUPLICATE");
        assertThat(JsonPath.<String>read(file.body(), "$[1].actor")).isEqualTo("analyst");
        assertThat(JsonPath.<String>read(file.body(), "$[1].reference")).isEqualTo(uploadId(second));
        assertThat(JsonPath.<List<Number>>read(file.body(), "$[*].storedId")).extracting(Number::longValue)
                .containsExactly(id, id);
        assertThat(JsonPath.<List<Object>>read(file.body(), "$[*].refusal")).containsExactly(null, null);
        assertThat(JsonPath.<List<String>>read(file.body(), "$[*].fileName")).containsOnly(name);
        assertThat(JsonPath.<List<String>>read(file.body(), "$[*].sha256")).containsOnly(sha256);
        List<Number> sequences = JsonPath.read(file.body(), "$[*].sequence");
        assertThat(sequences.get(0).longValue()).isLessThan(sequences.get(1).longValue());
        Instant firstAt = Instant.parse(JsonPath.read(file.body(), "$[0].recordedAt"));
        Instant secondAt = Instant.parse(JsonPath.read(file.body(), "$[1].recordedAt"));
        assertThat(firstAt).isBeforeOrEqualTo(secondAt).isAfter(Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(get(INVESTIGATOR, fileHistory("600", sha256.toUpperCase(Locale.ROOT), name)).body())
                .as("the hash in either case").isEqualTo(file.body());

        HttpResponse<String> all = get(INVESTIGATOR, "/cases/600/history");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<List<String>>read(all.body(), "$[*].fileName")).containsExactly(name, name, "notes.txt");
        assertThat(JsonPath.<List<String>>read(all.body(), "$[*].actor"))
                .containsExactly("investigator", "analyst", "analyst");
        HttpResponse<String> page1 = get(INVESTIGATOR, "/cases/600/history?limit=2");
        assertThat(JsonPath.<List<String>>read(page1.body(), "$[*].fileName")).containsExactly(name, name);
        long after = JsonPath.<Number>read(page1.body(), "$[1].sequence").longValue();
        HttpResponse<String> page2 = get(INVESTIGATOR, "/cases/600/history?limit=2&after=" + after);
        assertThat(JsonPath.<List<String>>read(page2.body(), "$[*].fileName")).containsExactly("notes.txt");
        assertThat(JsonPath.<List<Object>>read(get(INVESTIGATOR, "/cases/601/history").body(), "$"))
                .as("a case without uploads").isEmpty();
        assertThat(JsonPath.<List<Object>>read(get(INVESTIGATOR, fileHistory("600", sha256, "other.E01")).body(),
                "$")).as("a name never uploaded").isEmpty();

        assertThat(output.toString().substring(logBefore)).doesNotContainPattern(WARN_OR_ERROR);
    }

    @Test
    void badHistoryQueriesGetFixedTextsAndNoLogLine(CapturedOutput output) throws Exception {
        int logBefore = output.length();
        String hash = "ab".repeat(32);
        record Bad(String path, int status, String detail) {
        }
        List<Bad> bad = List.of(
                new Bad(fileHistory("600", "xyz", "a.evtx"), 400, "sha256 must be the 64 hex digits of a SHA-256"),
                new Bad(fileHistory("600", hash, " "), 400, "fileName must not be blank"),
                new Bad(fileHistory("600", hash, "bell\u0007.evtx"), 400, "the file name contains control characters"),
                new Bad("/cases/600/files/history?sha256=" + hash, 400, "the query parameter fileName is missing"),
                new Bad("/cases/600/history?limit=0", 400, "limit must be a whole number between 1 and 1000"),
                new Bad("/cases/600/history?limit=1001", 400, "limit must be a whole number between 1 and 1000"),
                new Bad("/cases/600/history?limit=all", 400, "limit must be a whole number between 1 and 1000"),
                new Bad("/cases/600/history?after=-1", 400, "after must be 0 or the sequence of an attempt"),
                new Bad("/cases/600/history?after=x", 400, "after must be 0 or the sequence of an attempt"),
                new Bad("/cases/0/history", 400, "the case id must be a positive whole number"));
        for (Bad b : bad) {
            HttpResponse<String> r = get(INVESTIGATOR, b.path());
            assertThat(r.statusCode()).as(b.path() + " " + r.body()).isEqualTo(b.status());
            assertThat(detail(r)).as(b.path()).isEqualTo(b.detail());
        }
        HttpResponse<String> post = post(INVESTIGATOR, "/cases/600/history", "application/json", "{}".getBytes());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(detail(post)).isEqualTo("this resource takes GET");
        assertThat(output.toString().substring(logBefore)).doesNotContainPattern(WARN_OR_ERROR);
    }

    @Test
    void badRequestsGetFixedTextsAndNoLogLine(CapturedOutput output) throws Exception {
        int logBefore = output.length();
        byte[] x = "x".getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> notANumber = upload(INVESTIGATOR, "abc", "a.evtx", x);
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(notANumber.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(detail(notANumber)).isEqualTo("the case id must be a positive whole number");
        assertThat(detail(upload(INVESTIGATOR, "-3", "a.evtx", x)))
                .isEqualTo("the case id must be a positive whole number");

        HttpResponse<String> json = post(INVESTIGATOR, "/cases/42/files", "application/json", "{}".getBytes());
        assertThat(json.statusCode()).as("a non-multipart POST").isEqualTo(415);
        assertThat(detail(json)).isEqualTo("send the file as multipart/form-data in a part named 'file'");

        byte[] otherPart = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--"
                + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> noFile = post(INVESTIGATOR, "/cases/42/files", "multipart/form-data; boundary="
                + BOUNDARY, otherPart);
        assertThat(noFile.statusCode()).isEqualTo(400);
        assertThat(detail(noFile)).isEqualTo("the request has no multipart part named 'file'");

        HttpResponse<String> longName = upload(INVESTIGATOR, "42", "n".repeat(1100) + ".evtx", x);
        assertThat(longName.statusCode()).as("the service's own limit, not Tomcat's 413").isEqualTo(400);
        assertThat(detail(longName)).isEqualTo("the file name is longer than 1024 bytes of UTF-8");
        HttpResponse<String> control = upload(INVESTIGATOR, "42", "bell\u0007.evtx", x);
        assertThat(control.statusCode()).isEqualTo(400);
        assertThat(detail(control)).isEqualTo("the file name contains control characters");

        HttpResponse<String> missing = get(INVESTIGATOR, "/cases/42/files/999999");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(detail(missing)).isEqualTo("no such file in this case");
        assertThat(detail(get(INVESTIGATOR, "/cases/42/files/xyz"))).isEqualTo("the file id must be a positive whole "
                + "number");
        assertThat(upload(null, "42", "a.evtx", x).statusCode()).as("no credentials").isEqualTo(401);

        assertThat(jdbc.queryForObject("select count(*) from case_file where case_id = 42", Long.class)).isZero();
        assertThat(output.toString().substring(logBefore)).as("refusals are answers, not log lines")
                .doesNotContainPattern(WARN_OR_ERROR);
    }

    @Test
    void namesAreStoredAsGivenNeverUsedAsPathsAndShownSafely() throws Exception {
        String traversal = "../../etc/passwd";
        String rightToLeft = "invoice\u202Etxt.exe";
        HttpResponse<String> first = upload(INVESTIGATOR, "99", traversal, "root:x:0:0".getBytes());
        HttpResponse<String> second = upload(INVESTIGATOR, "99", rightToLeft, "MZ payload".getBytes());
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(201);

        assertThat(JsonPath.<String>read(first.body(), "$.fileName")).isEqualTo(traversal);
        assertThat(JsonPath.<String>read(second.body(), "$.fileName")).isEqualTo(rightToLeft);
        assertThat(JsonPath.<String>read(second.body(), "$.displayName")).isEqualTo("invoice\\u202Etxt.exe");
        assertThat(jdbc.queryForList("select original_filename from case_file where case_id = 99 order by id",
                String.class)).containsExactly(traversal, rightToLeft);

        Path store = Path.of("target/evidence-store-test").toAbsolutePath();
        try (Stream<Path> files = Files.walk(store)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> store.relativize(p).toString()))
                    .as("only content addresses, never a client's name")
                    .allMatch(p -> p.matches("[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}"));
        }
        assertThat(store.resolve("../../etc/passwd").normalize()).as("nothing written outside the store")
                .doesNotExist();
    }

    @Test
    void aCallerWithoutAccessCanNeitherWriteToACaseNorLearnWhatItHolds() throws Exception {
        byte[] content = "held by case 500".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> stored = upload(INVESTIGATOR, "500", "held.evtx", content);
        assertThat(stored.statusCode()).isEqualTo(201);
        long id = JsonPath.<Number>read(stored.body(), "$.id").longValue();

        HttpResponse<String> sameFile = upload(OUTSIDER, "500", "held.evtx", content);
        HttpResponse<String> newFile = upload(OUTSIDER, "500", "other.evtx", "never stored".getBytes());
        HttpResponse<String> listing = get(OUTSIDER, "/cases/500/files");
        HttpResponse<String> existing = get(OUTSIDER, "/cases/500/files/" + id);
        HttpResponse<String> absent = get(OUTSIDER, "/cases/500/files/" + (id + 1000));
        String sha256 = JsonPath.read(stored.body(), "$.sha256");
        HttpResponse<String> fileHistory = get(OUTSIDER, fileHistory("500", sha256, "held.evtx"));
        HttpResponse<String> caseHistory = get(OUTSIDER, "/cases/500/history");
        for (HttpResponse<String> r : List.of(sameFile, newFile, listing, existing, absent, fileHistory,
                caseHistory)) {
            assertThat(r.statusCode()).as(r.request().method() + " " + r.uri()).isEqualTo(403);
            assertThat(r.body()).as("one answer, whatever the case holds").isEqualTo(sameFile.body());
        }
        assertThat(detail(sameFile)).isEqualTo("you have no access to this case");
        assertThat(jdbc.queryForObject("select count(*) from case_file where case_id = 500", Long.class))
                .isEqualTo(1);
        HttpResponse<String> custody = get(INVESTIGATOR, "/cases/500/history");
        assertThat(JsonPath.<List<String>>read(custody.body(), "$[*].actor")).as("refused before the guard: not logged")
                .containsExactly("investigator");
        assertThat(upload(OUTSIDER, "7", "own.evtx", content).statusCode()).as("its own case").isEqualTo(201);
        assertThat(JsonPath.<List<String>>read(get(OUTSIDER, "/cases/7/history").body(), "$[*].actor"))
                .containsExactly("outsider");
    }

    @Test
    void helpPrintsTheOptionsInsteadOfStarting() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        assertThat(UploadApplication.help(new String[] {"--help"}, new PrintStream(text, true, StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(text.toString(StandardCharsets.UTF_8)).startsWith("usage: UploadApplication")
                .contains("--upload.store-dir", "--spring.servlet.multipart.max-file-size", "--db=");
        assertThat(UploadApplication.help(new String[] {"--server.port=0"}, System.out)).isFalse();
    }

    /**
     * 2 GiB, generated while it is sent, through a server whose heap is 512 MiB (the module's surefire argLine): the
     * upload streams to the store and is hashed on the way, never held in memory.
     */
    @Test
    @Tag("slow")
    void aTwoGigabyteUploadStreamsThroughASmallHeap() throws Exception {
        long size = 2L << 30;
        Generated body = new Generated(size);
        HttpRequest request = HttpRequest.newBuilder(uri("/cases/12/files"))
                .header("Authorization", basic(INVESTIGATOR))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).timeout(Duration.ofMinutes(3)).build();
        long started = System.nanoTime();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String sha256 = JsonPath.read(r.body(), "$.sha256");
        assertThat(sha256).isEqualTo(body.sha256());
        assertThat(JsonPath.<Number>read(r.body(), "$.sizeBytes").longValue()).isEqualTo(size);
        assertThat(Runtime.getRuntime().maxMemory()).as("the heap the upload went through").isLessThan(size / 3);
        Path stored = Path.of("target/evidence-store-test", sha256.substring(0, 2), sha256.substring(2, 4), sha256);
        assertThat(Files.size(stored)).isEqualTo(size);
        Files.delete(stored);
        System.out.printf("2 GiB upload: %d s%n", seconds);
    }

    /** A multipart body with one part of {@code size} generated bytes, hashing them as it hands them out. */
    private static final class Generated extends InputStream {
        private final byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"disk.img\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        private final byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
        private final byte[] block = new byte[1 << 16];
        private final MessageDigest digest;
        private final long size;
        private long position;

        Generated(long size) throws Exception {
            this.size = size;
            this.digest = MessageDigest.getInstance("SHA-256");
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long total = head.length + size + tail.length;
            if (position >= total) {
                return -1;
            }
            int n;
            if (position < head.length) {
                n = (int) Math.min(len, head.length - position);
                System.arraycopy(head, (int) position, b, off, n);
            } else if (position < head.length + size) {
                long offset = position - head.length;
                int inBlock = (int) (offset % block.length);
                if (inBlock == 0) {
                    long index = offset / block.length;
                    for (int i = 0; i < block.length; i += 8) {
                        long v = index * 0x9E3779B97F4A7C15L + i;
                        for (int k = 0; k < 8; k++) {
                            block[i + k] = (byte) (v >>> (8 * k));
                        }
                    }
                }
                n = (int) Math.min(Math.min(len, block.length - inBlock), size - offset);
                System.arraycopy(block, inBlock, b, off, n);
                digest.update(b, off, n);
            } else {
                int inTail = (int) (position - head.length - size);
                n = Math.min(len, tail.length - inTail);
                System.arraycopy(tail, inTail, b, off, n);
            }
            position += n;
            return n;
        }
    }
}
