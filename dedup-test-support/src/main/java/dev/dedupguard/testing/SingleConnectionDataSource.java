package dev.dedupguard.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * A data source that hands out one connection again and again and never closes it: a test can then look at the very
 * connection a guard used (its auto-commit, isolation and session settings) after each call. Not for concurrent use.
 */
public final class SingleConnectionDataSource {
    private SingleConnectionDataSource() {
    }

    /**
     * A data source whose {@code getConnection} returns {@code connection}, with {@code close} doing nothing; every
     * other method returns {@code null}. The caller closes {@code connection}.
     *
     * @param connection the connection to hand out
     * @return the data source
     */
    public static DataSource of(Connection connection) {
        Connection unclosable = (Connection) Proxy.newProxyInstance(SingleConnectionDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return (DataSource) Proxy.newProxyInstance(SingleConnectionDataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) ->
                        method.getName().equals("getConnection") ? unclosable : null);
    }
}
