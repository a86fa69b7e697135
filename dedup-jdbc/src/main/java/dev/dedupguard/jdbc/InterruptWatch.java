package dev.dedupguard.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Cancels the statement one call is blocked in when the calling thread is interrupted, since a JDBC statement waiting
 * for a lock does not react to interruption. A call registers itself for its duration and names each statement before
 * it runs it ({@link #executing}); one long-lived daemon thread looks at every call in flight every
 * {@value #CHECK_MILLIS} ms and cancels the statement of a call whose thread is interrupted. A call costs an add and a
 * remove in a concurrent set: no scheduling, no proxy, no reflection, and no wake-up of the watcher, which parks
 * without a deadline only after it found no call in flight (the next call then unparks it once). Statements the guard
 * does not run itself (a backend that inserts through its own means) are seen through {@link #recording}. Cancelling
 * leaves the connection usable (the database aborts the statement only).
 */
final class InterruptWatch implements AutoCloseable {
    static final long CHECK_MILLIS = 50;
    private static final Set<InterruptWatch> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    private static volatile boolean idle;
    private static final Thread WATCHER = watcher();

    private final Thread caller = Thread.currentThread();
    private volatile @Nullable Statement latest;
    private volatile boolean cancelled;
    private @Nullable Statement lastCancelled;

    private InterruptWatch() {
    }

    /** Starts watching the current thread's call; close when the call ends. */
    static InterruptWatch start() {
        InterruptWatch watch = new InterruptWatch();
        IN_FLIGHT.add(watch);
        if (idle) {
            LockSupport.unpark(WATCHER);
        }
        return watch;
    }

    private static Thread watcher() {
        Thread t = new Thread(InterruptWatch::watch, "dedup-guard-interrupt-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void watch() {
        long period = TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);
        while (true) {
            if (IN_FLIGHT.isEmpty()) {
                idle = true;
                if (IN_FLIGHT.isEmpty()) {
                    LockSupport.park();
                }
                idle = false;
                continue;
            }
            LockSupport.parkNanos(period);
            for (InterruptWatch watch : IN_FLIGHT) {
                watch.check();
            }
        }
    }

    /** The statement the call runs next, which is cancelled if the calling thread is interrupted while it runs. */
    void executing(Statement statement) {
        latest = statement;
    }

    /**
     * {@code connection} with every statement created through it recorded as {@link #executing}, for statements the
     * guard does not create itself (a backend's own insert); one proxy per transaction of such a backend.
     */
    Connection recording(Connection connection) {
        InvocationHandler handler = new InvocationHandler() {
            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                Object result;
                try {
                    result = method.invoke(connection, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
                if (result instanceof Statement statement) {
                    latest = statement;
                }
                return result;
            }
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                handler);
    }

    /** Whether the calling thread was interrupted during the call (so that a failure is the interruption's). */
    boolean interrupted() {
        return cancelled || caller.isInterrupted();
    }

    private void check() {
        Statement statement = latest;
        if (statement != null && statement != lastCancelled && caller.isInterrupted()) {
            cancelled = true;
            lastCancelled = statement;
            try {
                statement.cancel();
            } catch (SQLException | RuntimeException e) {
                // the statement ended or the connection broke: the call fails or returns on its own
            }
        }
    }

    @Override
    public void close() {
        IN_FLIGHT.remove(this);
        latest = null;
    }
}
