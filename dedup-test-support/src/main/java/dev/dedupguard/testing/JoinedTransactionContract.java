package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.Isolation;
import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.Registration;
import dev.dedupguard.SerializationConflictException;
import dev.dedupguard.Strategy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A guard joined to the caller's transaction: its registration rolls back with the caller's, and a duplicate, a lock
 * timeout or a stale REPEATABLE READ snapshot leaves the caller's transaction usable with its other work intact.
 *
 * @param <F> the backend's registered type
 */
public abstract class JoinedTransactionContract<F> extends ContractBase<F> {

    /** A part that runs on {@code setup}. */
    protected JoinedTransactionContract(Setup<F> setup) {
        super(setup);
    }

    @Test
    void joinedRegistrationRollsBackWithTheCallersTransaction() {
        FileKey key = Keys.key(42, 21);
        try (GuardBackend.CallerTransaction<F> tx = begin(options().build(), null)) {
            assertThat(tx.guard().register(file(key)).isNew()).isTrue();
            tx.rollback();
        }
        assertThat(rows(key)).isZero();
        assertThat(guard().register(file(key)).isNew()).as("a retry stores it").isTrue();
        assertThat(rows(key)).isEqualTo(1);
    }

    @Test
    void joinedDuplicateLeavesTheCallersTransactionUsableAndItsWorkIntact() {
        FileKey existing = Keys.key(42, 22);
        FileKey fresh = Keys.key(42, 23);
        long existingId = guard().register(file(existing)).id();

        try (GuardBackend.CallerTransaction<F> tx = begin(options().build(), null)) {
            tx.execute("insert into host_audit (note) values ('before')");
            Registration<F> dup = tx.guard().register(file(existing));
            assertThat(dup.isNew()).isFalse();
            assertThat(dup.id()).isEqualTo(existingId);
            tx.execute("insert into host_audit (note) values ('after')");
            assertThat(tx.guard().register(file(fresh)).isNew()).isTrue();
            tx.commit();
        }
        assertThat(database().queryLong("select count(*) from host_audit")).isEqualTo(2);
        assertThat(rows(existing)).isEqualTo(1);
        assertThat(rows(fresh)).isEqualTo(1);
    }

    @Test
    void joinedLockTimeoutLeavesTheCallersTransactionUsable() throws Exception {
        FileKey key = Keys.key(42, 24);
        FileKey other = Keys.key(42, 25);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        holder.guard().register(file(key));

        Object outcome = pool().submit(() -> {
            try (GuardBackend.CallerTransaction<F> tx = begin(options().lockTimeout(Duration.ofMillis(300)).build(),
                    null)) {
                tx.execute("insert into host_audit (note) values ('kept')");
                Object result = outcomeOf(() -> tx.guard().register(file(key)));
                tx.guard().register(file(other));
                tx.execute("insert into host_audit (note) values ('after')");
                tx.commit();
                return result;
            }
        }).get(60, TimeUnit.SECONDS);
        holder.rollback();

        if (secondRegistrationWaits()) {
            assertThat(outcome).isInstanceOf(LockTimeoutException.class);
            assertThat(rows(key)).isZero();
        } else {
            assertThat(outcome).isInstanceOf(Registration.New.class);
        }
        assertThat(database().queryLong("select count(*) from host_audit")).isEqualTo(2);
        assertThat(rows(other)).isEqualTo(1);
    }

    /**
     * A caller's REPEATABLE READ transaction takes its snapshot, another registration of the key commits, then the
     * caller registers the key: it must never get a fresh "new" (a duplicate row); it gets the duplicate if the
     * database lets it see the row, or a SerializationConflictException telling it to retry its transaction. On
     * MariaDB with UNIQUE_CONSTRAINT it is always the duplicate, on both backends: a locking re-read follows the 1062.
     */
    @Test
    void joinedRegistrationInAStaleRepeatableReadSnapshotIsNeverANewRow() {
        FileKey key = Keys.key(42, 26);
        try (GuardBackend.CallerTransaction<F> tx = begin(options().build(), Isolation.REPEATABLE_READ)) {
            tx.execute("select count(*) from " + table().table());
            long winner = guard().register(file(key)).id();
            Object outcome = outcomeOf(() -> tx.guard().register(file(key)));
            if (strategy() == Strategy.SELECT_FOR_UPDATE && database() == TestDatabase.H2) {
                assertThat(outcome).as("H2 snapshots per table: the guard refuses instead of risking a duplicate")
                        .isInstanceOf(DuplicateGuardException.class)
                        .satisfies(e -> assertThat((Throwable) e).hasMessageContaining("REPEATABLE READ"));
            } else if (strategy() == Strategy.UNIQUE_CONSTRAINT && database().isMariaDb()) {
                assertThat(outcome).as("the locking re-read after 1062 sees the row the stale snapshot hides")
                        .isInstanceOf(Registration.Duplicate.class);
                assertThat(((Registration<?>) outcome).id()).isEqualTo(winner);
            } else if (guarded()) {
                assertThat(outcome).satisfiesAnyOf(
                        o -> assertThat(o).isInstanceOf(SerializationConflictException.class),
                        o -> {
                            assertThat(o).isInstanceOf(Registration.Duplicate.class);
                            assertThat(((Registration<?>) o).id()).isEqualTo(winner);
                        });
            } else {
                assertThat(outcome).as("NO_LOCK's check cannot see the row in the old snapshot")
                        .isNotInstanceOf(Registration.Duplicate.class);
            }
            tx.rollback();
        }
        assertThat(rows(key)).isEqualTo(1);
    }
}
