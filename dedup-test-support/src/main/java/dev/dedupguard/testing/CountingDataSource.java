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
import java.util.logging.Logger;
import javax.sql.DataSource;

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
