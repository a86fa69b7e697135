package dev.dedupguard.testing;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link DataSource} wrapper that records every round trip its connections make to the server: each executed
 * statement (with its SQL), and each commit, rollback and savepoint call. For counting SQL round trips per
 * registration; thread-safe.
 */
public final class CountingDataSource implements DataSource {
    private static final Set<String> EXECUTE = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate",
            "executeBatch", "executeLargeBatch");
    private static final Set<String> CONNECTION_ROUND_TRIPS = Set.of("commit", "rollback", "setSavepoint",
            "releaseSavepoint");

    private final DataSource delegate;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicReference<@Nullable Hook> hook = new AtomicReference<>();

    private record Hook(String fragment, Runnable action) {
    }

    public CountingDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    /** Every round trip since the last {@link #reset()}: the SQL of a statement, or {@code COMMIT}, {@code ROLLBACK}, ... */
    public List<String> roundTrips() {
        return List.copyOf(log);
    }

    /** How many recorded round trips start with {@code prefix} (case-insensitive), e.g. "insert" or "COMMIT". */
    public long count(String prefix) {
        String p = prefix.toLowerCase(Locale.ROOT);
        return log.stream().filter(s -> s.toLowerCase(Locale.ROOT).startsWith(p)).count();
    }

    /**
     * How many recorded round trips contain {@code fragment} (case-insensitive), wherever it stands: a statement
     * pipelined behind another (the lock timeout ahead of an insert) is one round trip whose text holds both.
     */
    public long countContaining(String fragment) {
        String f = fragment.toLowerCase(Locale.ROOT);
        return log.stream().filter(s -> s.toLowerCase(Locale.ROOT).contains(f)).count();
    }

    /**
     * Runs {@code action} once, in the calling thread, just before the next statement whose SQL contains
     * {@code fragment} (case-insensitive) is executed: to make another transaction commit at an exact point.
     */
    public void onceBefore(String fragment, Runnable action) {
        hook.set(new Hook(fragment.toLowerCase(Locale.ROOT), action));
    }

    public void reset() {
        log.clear();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return wrap(delegate.getConnection(user, password));
    }

    private Connection wrap(Connection connection) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (CONNECTION_ROUND_TRIPS.contains(method.getName())) {
                log.add(method.getName().toUpperCase(Locale.ROOT));
            }
            Object result = invoke(connection, method, args);
            if (result instanceof Statement statement) {
                String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : null;
                return wrapStatement(statement, method.getReturnType(), sql);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                handler);
    }

    private Object wrapStatement(Statement statement, Class<?> type, String preparedSql) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (EXECUTE.contains(method.getName())) {
                String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : preparedSql;
                log.add(sql == null ? "?" : sql.strip());
                Hook h = hook.get();
                if (h != null && sql != null && sql.toLowerCase(Locale.ROOT).contains(h.fragment())
                        && hook.compareAndSet(h, null)) {
                    h.action().run();
                }
            }
            return invoke(statement, method, args);
        };
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
