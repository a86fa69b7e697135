package dev.dedupguard.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on the loopback interface that delays every byte between a client and a server by a fixed one-way
 * delay, in both directions: a database "across a network" on a machine where {@code tc netem} is not available.
 *
 * <p>Each direction of each connection is a delay line: a reader thread takes whatever arrived (a chunk), stamps it
 * with its arrival time and queues it; a writer thread sends each chunk, in arrival order, as soon as its arrival
 * time plus the delay has passed. A chunk that arrives while earlier ones are still in flight is not held up by
 * them (messages the client sends without waiting for an answer reach the server one delay later, not one delay
 * each), nothing is reordered, and bandwidth is not limited. The writer waits with {@code LockSupport.parkNanos}, so
 * a chunk leaves up to about 0.1 ms after its time (the timer's slack); {@code DelayProxyTest} measures the round trip
 * the proxy really adds. Half-closes are passed on. The proxy's threads run in this JVM: {@link #cpuNanos()} is their
 * CPU time, which the report keeps apart from the client's and the server's. Thread-safe.
 */
final class DelayProxy implements AutoCloseable {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int BUFFER = 64 * 1024;
    private static final Chunk END = new Chunk(0, null);

    private final InetSocketAddress target;
    private final long delayNanos;
    private final ServerSocket listener;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final LongAdder endedThreadsCpu = new LongAdder();
    private volatile boolean closed;

    private DelayProxy(InetSocketAddress target, Duration oneWay) throws IOException {
        this.target = target;
        this.delayNanos = oneWay.toNanos();
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        start("delay-proxy-accept-" + listener.getLocalPort(), this::accept);
    }

    /**
     * Starts a proxy on a free loopback port that forwards every connection to {@code target} with {@code oneWay}
     * added in each direction.
     *
     * @throws IllegalArgumentException if the delay is negative
     */
    static DelayProxy start(InetSocketAddress target, Duration oneWay) throws IOException {
        if (oneWay.isNegative()) {
            throw new IllegalArgumentException("oneWay must not be negative, was " + oneWay);
        }
        return new DelayProxy(target, oneWay);
    }

    /** The loopback port clients connect to instead of the server's. */
    int port() {
        return listener.getLocalPort();
    }

    /** The delay added to each direction. */
    Duration oneWay() {
        return Duration.ofNanos(delayNanos);
    }

    /** CPU time of the proxy's threads so far (accepting, reading, writing), in nanoseconds. */
    long cpuNanos() {
        long sum = endedThreadsCpu.sum();
        for (Thread t : threads) {
            long cpu = THREADS.getThreadCpuTime(t.getId());
            sum += Math.max(cpu, 0);
        }
        return sum;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                try {
                    server.connect(target, 10_000);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                for (Socket s : new Socket[] {client, server}) {
                    s.setTcpNoDelay(true);
                    sockets.add(s);
                }
                String name = "delay-proxy-" + client.getPort();
                AtomicInteger open = new AtomicInteger(2);
                pipe(name + "-up", client, server, open);
                pipe(name + "-down", server, client, open);
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException("delay proxy to " + target + " cannot accept", e);
                }
            }
        }
    }

    /** One direction: a reader that stamps and queues, a writer that sends each chunk when it is due. */
    private void pipe(String name, Socket from, Socket to, AtomicInteger open) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        BlockingQueue<Chunk> line = new LinkedBlockingQueue<>();
        start(name + "-read", () -> {
            byte[] buffer = new byte[BUFFER];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (n > 0) {
                        line.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
                    }
                }
            } catch (IOException e) {
                // the connection was closed
            }
            line.add(END);
        });
        start(name + "-write", () -> {
            try {
                for (Chunk c = line.take(); c != END; c = line.take()) {
                    for (long wait = c.due - System.nanoTime(); wait > 0; wait = c.due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(c.bytes);
                    out.flush();
                }
                to.shutdownOutput();
                if (open.decrementAndGet() > 0) {
                    return;
                }
            } catch (IOException e) {
                // the other side is gone: close both
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        });
    }

    private void start(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
                endedThreadsCpu.add(THREADS.getCurrentThreadCpuTime());
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Stops accepting and closes every proxied connection. */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        sockets.forEach(DelayProxy::closeQuietly);
    }

    private record Chunk(long due, byte[] bytes) {
    }
}
