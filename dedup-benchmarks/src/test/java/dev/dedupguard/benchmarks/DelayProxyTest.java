package dev.dedupguard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The delaying proxy of the remote profile is a delay line: a round trip through it costs twice the one-way delay
 * (plus the timer's slack), messages sent without waiting are not serialised, order is kept and bandwidth is not
 * limited; and through it PostgreSQL's {@code SELECT 1} takes about 2 ms at 1 ms each way.
 */
class DelayProxyTest {
    private static final Duration ONE_MS = Duration.ofMillis(1);

    @Test
    void pipelinedMessagesEachArriveOneDelayLaterNotOneDelayEach() throws Exception {
        try (Echo echo = new Echo(); DelayProxy proxy = DelayProxy.start(echo.address(), ONE_MS);
             Socket client = connect(proxy)) {
            // one exchange first: the proxy connects to the server and starts its threads on the first connection
            client.getOutputStream().write(new byte[] {0, 0, 0, 0});
            new DataInputStream(client.getInputStream()).readInt();
            // the best of three bursts, so that one descheduled thread on a shared machine does not decide
            double medianRoundTrip = Double.MAX_VALUE;
            double lastAfterSpan = Double.MAX_VALUE;
            for (int burst = 0; burst < 3; burst++) {
                double[] figures = burst(client);
                medianRoundTrip = Math.min(medianRoundTrip, figures[0]);
                lastAfterSpan = Math.min(lastAfterSpan, figures[1]);
            }
            // each message: one delay to the echo and one back, not a delay for every message still in flight
            assertThat(medianRoundTrip).isBetween(2.0, 3.0);
            // the last answer comes one round trip after the last message was sent, not one per message
            assertThat(lastAfterSpan).isBetween(2.0, 3.0);
        }
    }

    /**
     * Ten messages about 0.5 ms apart, each sent before the answer to the previous one can be back; the median round trip
     * and how long after the last send the last answer came, in milliseconds.
     */
    private static double[] burst(Socket client) throws Exception {
        int messages = 10;
        long[] sent = new long[messages];
        long[] answered = new long[messages];
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            Future<?> reading = reader.submit(() -> {
                DataInputStream in = new DataInputStream(client.getInputStream());
                for (int i = 0; i < messages; i++) {
                    // answers come back in the order sent, each the message's own number
                    assertThat(in.readInt()).isEqualTo(i);
                    answered[i] = System.nanoTime();
                }
                return null;
            });
            OutputStream out = client.getOutputStream();
            for (int i = 0; i < messages; i++) {
                sent[i] = System.nanoTime();
                out.write(new byte[] {0, 0, 0, (byte) i});
                out.flush();
                LockSupport.parkNanos(500_000);
            }
            reading.get(10, TimeUnit.SECONDS);
        } finally {
            reader.shutdownNow();
        }
        double[] roundTrips = new double[messages];
        for (int i = 0; i < messages; i++) {
            roundTrips[i] = (answered[i] - sent[i]) / 1e6;
        }
        java.util.Arrays.sort(roundTrips);
        return new double[] {roundTrips[messages / 2], (answered[messages - 1] - sent[messages - 1]) / 1e6};
    }

    @Test
    void bandwidthIsNotLimited() throws Exception {
        try (Echo echo = new Echo(); DelayProxy proxy = DelayProxy.start(echo.address(), ONE_MS);
             Socket client = connect(proxy)) {
            byte[] chunk = new byte[64 * 1024];
            int chunks = 512;
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                long t0 = System.nanoTime();
                Future<Long> read = reader.submit(() -> {
                    InputStream in = client.getInputStream();
                    byte[] buffer = new byte[64 * 1024];
                    long total = 0;
                    for (int n; total < (long) chunk.length * chunks && (n = in.read(buffer)) > 0; ) {
                        total += n;
                    }
                    return total;
                });
                for (int i = 0; i < chunks; i++) {
                    client.getOutputStream().write(chunk);
                }
                client.getOutputStream().flush();
                assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo((long) chunk.length * chunks);
                // 32 MiB there and back: far less than one delay per 64 KiB chunk and direction (1 s)
                assertThat((System.nanoTime() - t0) / 1e6).isLessThan(800);
            } finally {
                reader.shutdownNow();
            }
        }
    }

    @Test
    void postgresSelectOneTakesAboutTwoMillisecondsAtOneMillisecondEachWay() throws Exception {
        try (BenchDatabase db = BenchDatabase.open("postgres", 10);
             BenchDatabase.Remote remote = db.remote(ONE_MS)) {
            double direct = ContentionReport.selectOne(db.dataSource());
            double proxied = ContentionReport.selectOne(remote.dataSource());
            assertThat(direct).isLessThan(1.0);
            assertThat(proxied).isBetween(2.0, 3.0);
            assertThat(proxied - direct).isBetween(2.0, 2.8);
        }
    }

    @Test
    void aPipelinedJdbcBatchCostsOneRoundTripThroughTheProxy() throws Exception {
        try (BenchDatabase db = BenchDatabase.open("postgres", 10);
             BenchDatabase.Remote remote = db.remote(ONE_MS)) {
            DataSource ds = remote.dataSource();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("create temporary table pipelined (n int)");
                try (PreparedStatement ps = c.prepareStatement("insert into pipelined values (?)")) {
                    double best = Double.MAX_VALUE;
                    for (int batch = 0; batch < 5; batch++) {
                        for (int i = 0; i < 50; i++) {
                            ps.setInt(1, i);
                            ps.addBatch();
                        }
                        long x0 = ExchangeCountingSocketFactory.exchanges();
                        long t0 = System.nanoTime();
                        ps.executeBatch();
                        best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                        // pgjdbc sends the 50 inserts without waiting, and one Sync: one exchange
                        assertThat(ExchangeCountingSocketFactory.exchanges() - x0).isEqualTo(1);
                    }
                    // about one 2 ms round trip, not fifty
                    assertThat(best).isLessThan(6.0);
                }
            }
        }
    }

    private static Socket connect(DelayProxy proxy) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setTcpNoDelay(true);
        return s;
    }

    /** A TCP server that sends back every byte it gets. */
    private static final class Echo implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new ArrayList<>();
        private final Thread acceptor = new Thread(this::serve, "echo");

        Echo() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        private void serve() {
            try {
                while (true) {
                    Socket s = server.accept();
                    s.setTcpNoDelay(true);
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    Thread t = new Thread(() -> {
                        byte[] buffer = new byte[64 * 1024];
                        try (s) {
                            for (int n; (n = s.getInputStream().read(buffer)) > 0; ) {
                                s.getOutputStream().write(buffer, 0, n);
                                s.getOutputStream().flush();
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    }, "echo-connection");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }
}
