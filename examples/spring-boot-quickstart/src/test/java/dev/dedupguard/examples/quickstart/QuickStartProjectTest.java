package dev.dedupguard.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The README's quick starts as a newcomer uses them: every block marked {@code <!-- quickstart: project/path -->} is
 * written to {@code target/quickstart/project/path}, each project is built with {@code mvn -q package} against the
 * same local repository (with {@code -o} when the outer build is offline), and the Spring Boot ones are started on a
 * database of their own on embedded PostgreSQL and sent the same file twice: {@code 201} and then {@code 200} with
 * the same id, one row, and no WARN or ERROR line (nor an SLF4J warning) in the application's output.
 *
 * <p>The projects depend on dedup-guard's {@code 0.1.0-SNAPSHOT} artifacts. The test first copies the reactor's jars
 * and poms into the local repository, as {@code mvn install} would, so that it also runs under {@code mvn verify}.
 */
@Tag("slow")
class QuickStartProjectTest {
    private static final Pattern MARKER = Pattern.compile("<!-- quickstart: ([^>]+?) -->");
    private static final String VERSION = "0.1.0-SNAPSHOT";
    private static final Path ROOT = root();
    private static final Path WORK = Path.of("target", "quickstart").toAbsolutePath();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("README.md")) || !Files.exists(dir.resolve("dedup-api"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    /** The README's marked blocks, by the file they become. */
    static Map<String, String> projectFiles(List<String> readme) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher m = MARKER.matcher(readme.get(i));
            if (!m.find()) {
                continue;
            }
            assertThat(readme.get(i + 1)).as("README.md line %d: a quickstart marker must be followed by a code "
                    + "block", i + 2).startsWith("```");
            StringBuilder text = new StringBuilder();
            int j = i + 2;
            while (!readme.get(j).startsWith("```")) {
                text.append(readme.get(j)).append('\n');
                j++;
            }
            for (String file : m.group(1).trim().split("\\s+")) {
                assertThat(files.put(file, text.toString())).as("%s is given twice", file).isNull();
            }
            i = j;
        }
        return files;
    }

    @BeforeAll
    static void installReactorArtifactsAndWriteProjects() throws IOException {
        Path repo = Path.of(System.getProperty("quickstart.repo.local"));
        install(repo, "dedup-guard-parent", ROOT.resolve("pom.xml"), null);
        install(repo, "dedup-guard-bom", ROOT.resolve("dedup-guard-bom/pom.xml"), null);
        for (String module : List.of("dedup-api", "dedup-jdbc", "dedup-jooq", "dedup-jpa",
                "dedup-guard-spring-boot-starter")) {
            Path jar = ROOT.resolve(module).resolve("target").resolve(module + "-" + VERSION + ".jar");
            assertThat(jar).as("package the reactor first (mvn verify or install)").exists();
            install(repo, module, ROOT.resolve(module).resolve("pom.xml"), jar);
        }
        Map<String, String> files = projectFiles(Files.readAllLines(ROOT.resolve("README.md")));
        assertThat(files).containsKeys("boot-jpa/pom.xml", "boot-jooq/pom.xml", "plain-jooq/pom.xml");
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path target = WORK.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
    }

    private static void install(Path repo, String artifact, Path pom, Path jar) throws IOException {
        Path dir = repo.resolve("dev/dedupguard").resolve(artifact).resolve(VERSION);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifact + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void theSchemaBlockIsTheShippedHostTable() throws IOException {
        assertThat(Files.readString(WORK.resolve("boot-jpa/src/main/resources/schema.sql"))).isEqualTo(
                Files.readString(ROOT.resolve("dedup-jdbc/src/main/resources/dev/dedupguard/schema/host/postgresql.sql")));
    }

    @Test
    void thePlainJooqQuickStartBuildsWithItsOwnPom() throws Exception {
        Path project = WORK.resolve("plain-jooq");
        Path source = project.resolve("src/main/java/dev/dedupguard/examples/QuickStartJooq.java");
        Files.createDirectories(source.getParent());
        Files.copy(ROOT.resolve("examples/src/main/java/dev/dedupguard/examples/QuickStartJooq.java"), source,
                StandardCopyOption.REPLACE_EXISTING);
        mavenPackage(project);
        assertThat(project.resolve("target/classes/dev/dedupguard/examples/QuickStartJooq.class")).exists();
    }

    @Test
    void theJpaQuickStartStoresAFileOnceAndAnswersTheDuplicate() throws Exception {
        buildStartAndUploadTwice("boot-jpa");
    }

    @Test
    void theJooqQuickStartStoresAFileOnceAndAnswersTheDuplicate() throws Exception {
        buildStartAndUploadTwice("boot-jooq");
    }

    private void buildStartAndUploadTwice(String name) throws Exception {
        Path project = WORK.resolve(name);
        mavenPackage(project);
        Path jar = project.resolve("target/evidence-0.0.1-SNAPSHOT.jar");
        assertThat(jar).exists();

        String database = "quickstart_" + name.replace('-', '_');
        TestDatabase.POSTGRESQL.execute("drop database if exists " + database);
        TestDatabase.POSTGRESQL.execute("create database " + database);
        Matcher url = Pattern.compile("jdbc:postgresql://([^/]+)/").matcher(TestDatabase.POSTGRESQL.jdbcUrl());
        assertThat(url.find()).isTrue();
        int port = freePort();
        Path log = project.resolve("target/application.log");
        Process app = new ProcessBuilder(java(), "-jar", jar.toString(), "--server.port=" + port,
                "--spring.datasource.url=jdbc:postgresql://" + url.group(1) + "/" + database,
                "--spring.datasource.username=postgres", "--spring.datasource.password=unused")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitStarted(app, log);
            HttpResponse<String> first = upload(port, "server1_Security.evtx", "EVTX evidence\n".repeat(1000));
            HttpResponse<String> second = upload(port, "server1_Security.evtx", "EVTX evidence\n".repeat(1000));
            assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
            assertThat(first.body()).startsWith("new ");
            String id = first.body().substring("new ".length());
            assertThat(first.headers().firstValue("Location")).contains("/cases/42/files/" + id);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("duplicate of " + id);
        } finally {
            app.destroy();
            if (!app.waitFor(30, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
        String output = Files.readString(log);
        assertThat(output).as("the application's log lines (Boot's pattern: time, level, pid)")
                .containsPattern("(?m)^\\S+\\s+INFO\\s+\\d+ ---")
                .doesNotContainPattern("(?m)^\\S+\\s+(WARN|ERROR)\\s+\\d+ ---")
                .doesNotContain("SLF4J(W)");
    }

    private static void mavenPackage(Path project) throws Exception {
        Path mvn = Path.of(System.getProperty("quickstart.maven.home"), "bin", "mvn");
        Path log = project.resolve("build.log");
        Files.createDirectories(project);
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-q", "-B", "-ntp",
                "-Dmaven.repo.local=" + System.getProperty("quickstart.repo.local"), "package"));
        if ("offline=true".equals(System.getProperty("quickstart.mode"))) {
            command.add(1, "-o");
        }
        Process build = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertThat(build.waitFor(5, TimeUnit.MINUTES)).as("mvn package in %s", project).isTrue();
        assertThat(build.exitValue()).as("%s in %s:%n%s", command, project, Files.readString(log)).isZero();
    }

    private static void awaitStarted(Process app, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String output = Files.exists(log) ? Files.readString(log) : "";
            if (output.contains("Started EvidenceApplication")) {
                return;
            }
            assertThat(app.isAlive()).as("the application stopped:%n%s", output).isTrue();
            Thread.sleep(250);
        }
        throw new AssertionError("the application did not start within 120 s:\n" + Files.readString(log));
    }

    private HttpResponse<String> upload(int port, String fileName, String content) throws Exception {
        String boundary = "quickstart-7d1f";
        byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/cases/42/files"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(30)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString());
    }

}
