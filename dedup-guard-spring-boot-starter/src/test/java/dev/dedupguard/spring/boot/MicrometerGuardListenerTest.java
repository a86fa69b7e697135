package dev.dedupguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.GuardListener.BatchEvent;
import dev.dedupguard.GuardListener.Outcome;
import dev.dedupguard.GuardListener.RegistrationEvent;
import dev.dedupguard.GuardListener.RetryEvent;
import dev.dedupguard.GuardListener.RetryReason;
import dev.dedupguard.Strategy;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The meters each event produces, without Spring. */
class MicrometerGuardListenerTest {
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final MicrometerGuardListener listener = new MicrometerGuardListener(meters);

    private double registrations(String outcome) {
        return meters.get(MicrometerGuardListener.REGISTRATIONS).tag("outcome", outcome).tag("backend", "jooq")
                .tag("strategy", "select_for_update").counter().count();
    }

    @Test
    void aBatchCountsItsFilesByOutcomeAndRecordsItsSize() {
        listener.batchRegistered(new BatchEvent("jooq", Strategy.SELECT_FOR_UPDATE, 10, 7, 3, Outcome.NEW,
                Duration.ofMillis(12), false));
        listener.batchRegistered(new BatchEvent("jooq", Strategy.SELECT_FOR_UPDATE, 4, 0, 0, Outcome.LOCK_TIMEOUT,
                Duration.ofMillis(30), false));

        assertThat(registrations("new")).isEqualTo(7);
        assertThat(registrations("duplicate")).isEqualTo(3);
        assertThat(registrations("lock_timeout")).isEqualTo(4);
        DistributionSummary ok = meters.get(MicrometerGuardListener.BATCH_SIZE).tag("outcome", "ok").summary();
        assertThat(ok.count()).isEqualTo(1);
        assertThat(ok.totalAmount()).isEqualTo(10);
        assertThat(meters.get(MicrometerGuardListener.BATCH_SIZE).tag("outcome", "lock_timeout").summary()
                .totalAmount()).isEqualTo(4);
        assertThat(meters.get(MicrometerGuardListener.BATCH_DURATION).tag("outcome", "ok").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(12);
        assertThat(meters.find(MicrometerGuardListener.DURATION).timers()).as("register calls only").isEmpty();
    }

    @Test
    void retriesAndRegistrationsAreTaggedWithFixedValues() {
        listener.retried(new RetryEvent("jooq", Strategy.SELECT_FOR_UPDATE, RetryReason.SERIALIZATION_FAILURE, 1));
        listener.retried(new RetryEvent("jooq", Strategy.SELECT_FOR_UPDATE, RetryReason.SERIALIZATION_FAILURE, 2));
        listener.registered(new RegistrationEvent("jooq", Strategy.SELECT_FOR_UPDATE, Outcome.SERIALIZATION_CONFLICT,
                Duration.ofMillis(5), false));

        assertThat(meters.get(MicrometerGuardListener.RETRIES).tag("reason", "serialization_failure").counter()
                .count()).isEqualTo(2);
        assertThat(registrations("serialization_conflict")).isEqualTo(1);
        assertThat(meters.get(MicrometerGuardListener.DURATION).tag("outcome", "serialization_conflict").timer()
                .count()).isEqualTo(1);
    }
}
