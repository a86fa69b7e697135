package dev.dedupguard.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The shared watcher cancels the running statement of a call whose thread is interrupted, also when the call starts
 * after the watcher found no call in flight and parked, and leaves the statement of a call that is not interrupted
 * alone. The statement stands in for one blocked in the driver: it records {@code cancel()}, and its call waits
 * without reacting to the interrupt, as a JDBC statement waiting for a lock does.
 */
class InterruptWatchTest {

    @Test
    void anInterruptedCallsStatementIsCancelledWithinAFewChecks() throws Exception {
        assertThat(interruptWhileBlocked()).isLessThan(TimeUnit.MILLISECONDS.toNanos(InterruptWatch.CHECK_MILLIS * 20));
    }

    @Test
    void aCallThatStartsAfterTheWatcherParkedIdleIsWatchedAsWell() throws Exception {
        for (int i = 0; i < 3; i++) {
            Thread.sleep(InterruptWatch.CHECK_MILLIS * 4);
            assertThat(interruptWhileBlocked()).as("call %d after an idle pause", i)
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(InterruptWatch.CHECK_MILLIS * 20));
        }
    }

    @Test
    void aCallWhoseThreadIsNotInterruptedIsNotCancelled() throws Exception {
        AtomicLong cancelledAt = new AtomicLong();
        try (InterruptWatch watch = InterruptWatch.start()) {
            watch.executing(statement(cancelledAt));
            Thread.sleep(InterruptWatch.CHECK_MILLIS * 6);
            assertThat(cancelledAt.get()).as("cancel() calls").isZero();
            assertThat(watch.interrupted()).isFalse();
        }
    }

    /** Runs a call blocked in a statement, interrupts it; returns the nanoseconds from the interrupt to the cancel. */
    private static long interruptWhileBlocked() throws Exception {
        AtomicLong cancelledAt = new AtomicLong();
        CountDownLatch blocked = new CountDownLatch(1);
        boolean[] seen = {false};
        Thread call = new Thread(() -> {
            try (InterruptWatch watch = InterruptWatch.start()) {
                watch.executing(statement(cancelledAt));
                blocked.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (cancelledAt.get() == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                seen[0] = watch.interrupted();
            }
        });
        call.start();
        assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(InterruptWatch.CHECK_MILLIS * 2);
        long interruptedAt = System.nanoTime();
        call.interrupt();
        call.join(15_000);
        assertThat(call.isAlive()).as("the call ended").isFalse();
        assertThat(cancelledAt.get()).as("the statement was cancelled").isNotZero();
        assertThat(seen[0]).as("the watch reports the interruption").isTrue();
        return cancelledAt.get() - interruptedAt;
    }

    private static Statement statement(AtomicLong cancelledAt) {
        return (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {Statement.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("cancel")) {
                        cancelledAt.compareAndSet(0, System.nanoTime());
                    }
                    return null;
                });
    }
}
