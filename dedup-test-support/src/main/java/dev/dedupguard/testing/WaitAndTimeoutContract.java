package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.DuplicateGuardException;
import dev.dedupguard.FileKey;
import dev.dedupguard.LockTimeoutException;
import dev.dedupguard.Registration;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A registration of a key whose first registration is still in an open transaction: it waits, then gets the duplicate
 * (commit) or stores the file (rollback), and waiting longer than the lock timeout ends in a
 * {@link dev.dedupguard.LockTimeoutException} carrying the key. NO_LOCK on a table without a unique constraint is shown
 * not to wait.
 *
 * @param <F> the backend's registered type
 */
public abstract class WaitAndTimeoutContract<F> extends ContractBase<F> {

    /** A part that runs on {@code setup}. */
    protected WaitAndTimeoutContract(Setup<F> setup) {
        super(setup);
    }

    @Test
    void secondRegistrationWaitsForAnOpenTransactionThenGetsTheDuplicate() throws Exception {
        FileKey key = Keys.key(42, 11);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        long heldId = holder.guard().register(file(key)).id();

        DuplicateGuard<F> guard = guard();
        Future<Object> second = pool().submit(() -> outcomeOf(() -> guard.register(file(key))));

        if (secondRegistrationWaits()) {
            assertBlocked(second);
            holder.commit();
            Object outcome = second.get(30, TimeUnit.SECONDS);
            if (guarded()) {
                assertThat(outcome).isInstanceOf(Registration.Duplicate.class);
                assertThat(((Registration<?>) outcome).id()).isEqualTo(heldId);
            } else {
                assertThat(outcome).isInstanceOf(DuplicateGuardException.class);
            }
            assertThat(rows(key)).isEqualTo(1);
        } else {
            Object outcome = second.get(30, TimeUnit.SECONDS);
            assertThat(outcome).as("NO_LOCK does not see the uncommitted row").isInstanceOf(Registration.New.class);
            holder.commit();
            assertThat(rows(key)).as("NO_LOCK stored the file twice").isEqualTo(2);
        }
    }

    @Test
    void whenTheFirstRegistrationRollsBackTheWaitingOneStoresTheFile() throws Exception {
        FileKey key = Keys.key(42, 12);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        holder.guard().register(file(key));

        DuplicateGuard<F> guard = guard();
        Future<Object> second = pool().submit(() -> outcomeOf(() -> guard.register(file(key))));
        if (secondRegistrationWaits()) {
            assertBlocked(second);
        }
        holder.rollback();

        Object outcome = second.get(30, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOf(Registration.New.class);
        assertThat(rows(key)).isEqualTo(1);
        assertThat(((Registration<?>) outcome).id()).isEqualTo(guard.register(file(key)).id());
    }

    @Test
    void waitingLongerThanTheLockTimeoutEndsInLockTimeoutExceptionCarryingTheKey() throws Exception {
        FileKey key = Keys.key(42, 13);
        GuardBackend.CallerTransaction<F> holder = begin(options().build(), null);
        holder.guard().register(file(key));
        Duration timeout = Duration.ofMillis(300);
        DuplicateGuard<F> impatient = guard(options().lockTimeout(timeout).build());

        long start = System.nanoTime();
        Object outcome = pool().submit(() -> outcomeOf(() -> impatient.register(file(key)))).get(30, TimeUnit.SECONDS);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        if (secondRegistrationWaits()) {
            assertThat(outcome).isInstanceOf(LockTimeoutException.class);
            LockTimeoutException e = (LockTimeoutException) outcome;
            assertThat(e.key()).contains(key);
            assertThat(e.timeout()).isEqualTo(timeout);
            assertThat(waited).isBetween(timeout.minusMillis(50), timeout.plusSeconds(5));
        } else {
            assertThat(outcome).as("NO_LOCK never waits").isInstanceOf(Registration.New.class);
        }
        holder.rollback();
    }
}
