package dev.dedupguard.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Cancels the statement one call is blocked in when the calling thread is interrupted, since a JDBC statement waiting
 * for a lock does not react to interruption. The call's connection is wrapped so that every statement it creates is
 * known; one shared daemon thread looks at the calling thread every {@value #CHECK_MILLIS} ms while the call runs,
 * and cancels the latest statement if the thread is interrupted. A call that ends sooner costs a schedule and a cancel
 * of that check, no thread hop. Cancelling leaves the connection usable (the database aborts the statement only).
 */
final class InterruptWatch implements AutoCloseable, InvocationHandler {
    static final long CHECK_MILLIS = 50;
    private static final ScheduledThreadPoolExecutor CHECKER = checker();

    private final Thread caller = Thread.currentThread();
    private final Connection target;
    private final ScheduledFuture<?> check;
    private volatile @Nullable Statement latest;
    private volatile boolean cancelled;
    private @Nullable Statement lastCancelled;

    private InterruptWatch(Connection target) {
        this.target = target;
        this.check = CHECKER.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts watching the current thread's work on {@code connection}; close when the work ends. */
    static InterruptWatch start(Connection connection) {
        return new InterruptWatch(connection);
    }

    private static ScheduledThreadPoolExecutor checker() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dedup-guard-interrupt-watch");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** The connection to work on: the watched one, with its statements recorded. */
    Connection connection() {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                this);
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
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Object result;
        try {
            result = method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        if (result instanceof Statement statement) {
            latest = statement;
        }
        return result;
    }

    @Override
    public void close() {
        check.cancel(false);
    }
}
