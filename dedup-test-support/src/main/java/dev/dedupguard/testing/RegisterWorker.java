package dev.dedupguard.testing;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
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
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(args[1]);
        DuplicateGuard<Object> guard = factory.guard(ds, Strategy.valueOf(args[2]), table);
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
}
