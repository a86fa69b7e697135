package dev.dedupguard.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One process of {@link ManyProcessesContract}: builds the guard with the named {@link ProcessGuardFactory}, waits until
 * an agreed instant, registers keys 0..n-1 of a scope in order and prints {@code key isNew id} (or
 * {@code key error Type}) per key.
 */
public final class RegisterWorker {
    private RegisterWorker() {
    }

    public static void main(String[] args) throws Exception {
        ProcessGuardFactory factory = (ProcessGuardFactory) Class.forName(args[0]).getDeclaredConstructor()
                .newInstance();
        TestTable table = TestTable.valueOf(args[3]);
        DuplicateGuard<Object> guard = factory.guard(dataSource(args[1]), Strategy.valueOf(args[2]), table);
        long scope = Long.parseLong(args[4]);
        int keys = Integer.parseInt(args[5]);
        long startAt = Long.parseLong(args[6]);
        while (System.currentTimeMillis() < startAt) {
            Thread.onSpinWait();
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < keys; i++) {
            try {
                Registration<Object> r = guard.register(factory.file(table, Keys.key(scope, i)));
                out.append(i).append(' ').append(r.isNew()).append(' ').append(r.id()).append('\n');
            } catch (RuntimeException e) {
                out.append(i).append(" error ").append(e.getClass().getSimpleName()).append('\n');
            }
        }
        System.out.print(out);
        System.out.flush();
        System.exit(0);
    }

    /** A connection source for the URL: PostgreSQL's URLs carry the user; MariaDB's log in as {@link MariaDbServer#USER}. */
    private static DataSource dataSource(String url) {
        if (url.startsWith("jdbc:mariadb:")) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setUsername(MariaDbServer.USER);
            config.setMaximumPoolSize(2);
            return new HikariDataSource(config);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        return ds;
    }
}
