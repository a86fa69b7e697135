package dev.dedupguard.jooq;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.testing.Keys;
import dev.dedupguard.testing.TestTable;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One process of {@link ManyProcessesTest}: waits until an agreed instant, then registers keys 0..n-1 of a scope in
 * order and prints one line per key: {@code key isNew id}, or {@code key error message}.
 */
public final class RegisterWorker {
    private RegisterWorker() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Strategy strategy = Strategy.valueOf(args[1]);
        TestTable table = TestTable.valueOf(args[2]);
        long scope = Long.parseLong(args[3]);
        int keys = Integer.parseInt(args[4]);
        long startAt = Long.parseLong(args[5]);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        DuplicateGuard<Record> guard = JooqDuplicateGuard.forHostTable(ds, SQLDialect.POSTGRES,
                JooqBackend.mapping(table)).strategy(strategy).build();
        while (System.currentTimeMillis() < startAt) {
            Thread.onSpinWait();
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < keys; i++) {
            FileKey key = Keys.key(scope, i);
            try {
                Registration<Record> r = guard.register((Record) JooqBackend.INSTANCE.file(table, key));
                out.append(i).append(' ').append(r.isNew()).append(' ').append(r.id()).append('\n');
            } catch (RuntimeException e) {
                out.append(i).append(" error ").append(e.getClass().getSimpleName()).append('\n');
            }
        }
        System.out.print(out);
        System.out.flush();
    }
}
