package dev.dedupguard.examples.upload;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * one file, bad input, and the metrics Actuator shows.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "upload.embedded-dir=")
@ExtendWith(OutputCaptureExtension.class)
class UploadApplicationTest {
    private static final String BOUNDARY = "dedup-boundary-7d1f";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Value("${local.server.port}")
    private int port;

    @Autowired
    private JdbcTemplate jdbc;

    private HttpResponse<String> upload(String caseId, String fileName, byte[] content) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/cases/" + caseId
                        + "/files"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .timeout(Duration.ofSeconds(30)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private double metric(String name, String tag) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/actuator/metrics/" + name + "?tag=" + tag)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<Number> counts = JsonPath.read(r.body(), "$.measurements[?(@.statistic=='COUNT')].value");
        assertThat(counts).as(r.body()).hasSize(1);
        return counts.get(0).doubleValue();
    }

    @Test
    void eightConcurrentUploadsOfOneFileStoreItOnce(CapturedOutput output) throws Exception {
        byte[] content = "EVTX evidence bytes\n".repeat(5_000).getBytes(StandardCharsets.UTF_8);
        int uploaders = 8;
        int logBefore = output.length();
        ExecutorService pool = Executors.newFixedThreadPool(uploaders);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            CyclicBarrier start = new CyclicBarrier(uploaders);
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < uploaders; i++) {
                futures.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return upload("4711", "server1_Security.evtx", content);
                }));
            }
            for (Future<HttpResponse<String>> f : futures) {
                responses.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(responses).filteredOn(r -> r.statusCode() == 201).hasSize(1);
        assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(7);
        List<Long> ids = responses.stream().map(r -> JsonPath.<Number>read(r.body(), "$.id").longValue()).toList();
        assertThat(ids).containsOnly(ids.get(0));
        HttpResponse<String> created = responses.stream().filter(r -> r.statusCode() == 201).findFirst().orElseThrow();
        assertThat(created.headers().firstValue("Location")).contains("/cases/4711/files/" + ids.get(0));
        assertThat(jdbc.queryForObject("select count(*) from case_file where case_id = 4711", Long.class))
                .isEqualTo(1);
        // the application's own log lines (Boot's pattern: time, level, pid); the embedded server's output is
        // forwarded at INFO and may show the losing inserts of a true race, which the guard absorbs
        assertThat(output.toString().substring(logBefore)).as("no WARN/ERROR log line for expected duplicates")
                .doesNotContainPattern("(?m)^\\S+\\s+(WARN|ERROR)\\s+\\d+ ---");
        assertThat(output.toString()).as("the pattern above matches Boot's log lines")
                .containsPattern("(?m)^\\S+\\s+INFO\\s+\\d+ ---");

        assertThat(metric("dedup.registrations", "outcome:new")).isEqualTo(1);
        assertThat(metric("dedup.registrations", "outcome:duplicate")).isEqualTo(7);
        assertThat(metric("dedup.registration.duration", "backend:jpa")).isEqualTo(8);

        HttpResponse<String> other = upload("4711", "server2_Security.evtx", content);
        assertThat(other.statusCode()).isEqualTo(201);
        assertThat(JsonPath.<Boolean>read(other.body(), "$.duplicate")).isFalse();
    }

    @Test
    void badInputGetsA400ProblemDetailNamingTheField() throws Exception {
        HttpResponse<String> blankName = upload("12", "", "x".getBytes(StandardCharsets.UTF_8));
        assertThat(blankName.statusCode()).isEqualTo(400);
        assertThat(blankName.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(JsonPath.<String>read(blankName.body(), "$.detail")).contains("fileName");

        HttpResponse<String> negativeCase = upload("-3", "a.evtx", "x".getBytes(StandardCharsets.UTF_8));
        assertThat(negativeCase.statusCode()).isEqualTo(400);
        assertThat(JsonPath.<String>read(negativeCase.body(), "$.detail"))
                .isEqualTo("caseId must be a positive number, was -3");

        HttpResponse<String> notANumber = upload("abc", "a.evtx", "x".getBytes(StandardCharsets.UTF_8));
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(notANumber.headers().firstValue("Content-Type")).contains("application/problem+json");
    }
}
