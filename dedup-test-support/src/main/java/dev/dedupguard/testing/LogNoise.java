package dev.dedupguard.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * What the log-noise tests read: the WARN/ERROR lines a client logs while a race runs ({@link Capture}), and the
 * error lines of an embedded PostgreSQL whose server log goes to a file ({@link #startPostgres}, {@link
 * #serverNoiseSince}). An expected duplicate must leave both empty.
 */
public final class LogNoise {
    private static final Pattern CLIENT_NOISE = Pattern.compile("\\b(WARN|WARNING|ERROR|SEVERE)\\b");
    private static final Pattern SERVER_NOISE = Pattern.compile("\\b(ERROR|WARNING|FATAL|PANIC)\\b|duplicate key|23505");

    private LogNoise() {
    }

    /**
     * Starts an embedded PostgreSQL that writes its server log, in English with the SQLSTATE at the start of every
     * line and the failing statement of every error, to {@code serverLog} (created here).
     *
     * @param dataDirectory the cluster's directory, cleaned first
     * @param serverLog the file the server log goes to; must not exist yet
     * @return the started server
     * @throws IOException if the file cannot be created or the server does not start
     */
    public static EmbeddedPostgres startPostgres(Path dataDirectory, Path serverLog) throws IOException {
        Files.createFile(serverLog);
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(true)
                .setServerConfig("lc_messages", "C")
                .setServerConfig("log_line_prefix", "%e ")
                .setServerConfig("log_min_messages", "warning")
                .setServerConfig("log_min_error_statement", "error")
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(serverLog.toFile()))
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(serverLog.toFile()))
                .start();
    }

    /**
     * How many lines the server log has, to read only what comes after.
     *
     * @param serverLog the file given to {@link #startPostgres}
     * @return its number of lines
     * @throws IOException if the file cannot be read
     */
    public static int serverLogLineCount(Path serverLog) throws IOException {
        return Files.readAllLines(serverLog, StandardCharsets.UTF_8).size();
    }

    /**
     * The server log's error, warning and duplicate-key lines after line {@code line}.
     *
     * @param serverLog the file given to {@link #startPostgres}
     * @param line the {@link #serverLogLineCount} taken before the work
     * @return the noisy lines since; empty if there were none
     * @throws IOException if the file cannot be read
     */
    public static List<String> serverNoiseSince(Path serverLog, int line) throws IOException {
        List<String> lines = Files.readAllLines(serverLog, StandardCharsets.UTF_8);
        return lines.subList(Math.min(line, lines.size()), lines.size()).stream()
                .filter(l -> SERVER_NOISE.matcher(l).find()).toList();
    }

    /**
     * Runs test classes in this JVM, as a build would (tests tagged {@code slow} excluded), with the console and
     * java.util.logging captured, and returns what they logged at WARN or above; nothing of the run reaches the
     * console.
     *
     * @param testClasses the test classes, e.g. a backend's contract suites
     * @return the captured WARN/ERROR lines, see {@link Capture#noise()}
     * @throws AssertionError if no test ran or one failed: only a green run's console is judged
     */
    public static List<String> noiseOfGreenRun(Class<?>... testClasses) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(Arrays.stream(testClasses).map(DiscoverySelectors::selectClass).toList())
                .filters(TagFilter.excludeTags("slow")).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        Capture capture = Capture.start();
        try {
            LauncherFactory.create().execute(request, listener);
        } finally {
            capture.stop();
        }
        TestExecutionSummary summary = listener.getSummary();
        if (summary.getTotalFailureCount() > 0 || summary.getTestsSucceededCount() == 0) {
            StringWriter failures = new StringWriter();
            summary.printFailuresTo(new PrintWriter(failures), 20);
            throw new AssertionError("the run is not green: " + summary.getTestsSucceededCount() + " passed, "
                    + summary.getTotalFailureCount() + " failed\n" + failures);
        }
        return capture.noise();
    }

    /**
     * Everything logged at WARNING or above through java.util.logging (where the library's System.Logger, Hibernate's
     * JBoss Logging and pgjdbc log here) and every WARN/ERROR line written to System.err or System.out (slf4j-simple:
     * jOOQ, HikariCP, zonky), from {@link #start} to {@link #stop}.
     */
    public static final class Capture extends Handler {
        private final List<String> records = Collections.synchronizedList(new ArrayList<>());
        private final ByteArrayOutputStream streams = new ByteArrayOutputStream();
        private final PrintStream err = System.err;
        private final PrintStream out = System.out;

        private Capture() {
        }

        /**
         * Starts capturing: adds a root java.util.logging handler and redirects System.err and System.out.
         *
         * @return the capture, to {@link #stop} in a {@code finally}
         */
        public static Capture start() {
            Capture capture = new Capture();
            capture.setLevel(Level.ALL);
            Logger.getLogger("").addHandler(capture);
            PrintStream tee = new PrintStream(capture.streams, true, StandardCharsets.UTF_8);
            System.setErr(tee);
            System.setOut(tee);
            return capture;
        }

        /** Stops capturing and puts System.err and System.out back. */
        public void stop() {
            Logger.getLogger("").removeHandler(this);
            System.setErr(err);
            System.setOut(out);
        }

        /**
         * The captured WARN/ERROR lines.
         *
         * @return the java.util.logging records at WARNING or above, then the noisy lines of the redirected streams
         */
        public List<String> noise() {
            List<String> noise = new ArrayList<>();
            synchronized (records) {
                noise.addAll(records);
            }
            for (String line : streams.toString(StandardCharsets.UTF_8).split("\\R")) {
                if (CLIENT_NOISE.matcher(line).find()) {
                    noise.add(line);
                }
            }
            return noise;
        }

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                records.add(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage()
                        + (record.getParameters() == null ? "" : " " + Arrays.toString(record.getParameters())));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
