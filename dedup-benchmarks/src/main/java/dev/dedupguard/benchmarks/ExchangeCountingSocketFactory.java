package dev.dedupguard.benchmarks;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.LongAdder;
import javax.net.SocketFactory;

/**
 * A JDBC driver's socket factory (pgjdbc's and MariaDB Connector/J's {@code socketFactory} connection property) that
 * counts the driver's <em>exchanges</em> with the server: an exchange begins each time the driver sends after it has
 * received (or sends for the first time), so a request and its answer are one exchange however many packets carry
 * them, and messages the driver sends one after another without waiting (a pipelined multi-statement text, a
 * batch) are one exchange too. This is the round trip as the network sees it: it includes what the JDBC boundary
 * does not show (a driver's {@code set autocommit}, a pool's validation query), and costs the driver two field writes
 * per read or write. Counts of all sockets of this factory are summed in one JVM-wide counter; the report reads it
 * before and after each cell, in which only one subject runs.
 */
public final class ExchangeCountingSocketFactory extends SocketFactory {
    private static final LongAdder EXCHANGES = new LongAdder();

    /** For the drivers, which instantiate the factory by its class name. */
    public ExchangeCountingSocketFactory() {
    }

    /**
     * For pgjdbc, which passes {@code socketFactoryArg} to a one-string constructor when there is one.
     *
     * @param ignored the connection's {@code socketFactoryArg}
     */
    public ExchangeCountingSocketFactory(String ignored) {
    }

    /** Exchanges counted so far by every socket of this factory in this JVM. */
    static long exchanges() {
        return EXCHANGES.sum();
    }

    @Override
    public Socket createSocket() {
        return new CountingSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private static Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket s = new CountingSocket();
        if (local != null) {
            s.bind(local);
        }
        s.connect(remote);
        return s;
    }

    /** A plain TCP socket whose streams note the direction of the last transfer. */
    private static final class CountingSocket extends Socket {
        /** Whether the last transfer was a receive (true before the first send, so the first send counts). */
        private volatile boolean received = true;
        private InputStream input;
        private OutputStream output;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new FilterInputStream(super.getInputStream()) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) {
                            received = true;
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            received = true;
                        }
                        return n;
                    }
                };
            }
            return input;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (output == null) {
                output = new FilterOutputStream(super.getOutputStream()) {
                    @Override
                    public void write(int b) throws IOException {
                        sending();
                        out.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (len > 0) {
                            sending();
                        }
                        out.write(b, off, len);
                    }
                };
            }
            return output;
        }

        private void sending() {
            if (received) {
                received = false;
                EXCHANGES.increment();
            }
        }
    }
}
