package dev.dedupguard.spring.boot;

import dev.dedupguard.GuardListener;
import dev.dedupguard.Strategy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Reports a guard's events to a Micrometer {@link MeterRegistry}. Usable without Spring: pass it to
 * {@link dev.dedupguard.AbstractGuardBuilder#listener(GuardListener)}.
 *
 * <ul>
 *   <li>{@value #REGISTRATIONS} (counter, one per file): tags {@code outcome} (new, duplicate, lock_timeout,
 *       serialization_conflict, error), {@code strategy}, {@code backend}. A {@code registerAll} call adds its new
 *       and duplicate files; a failed one adds its size under the failure's outcome. <b>New and duplicate files
 *       count what was committed:</b> a call that joined a Spring-managed transaction (with transaction
 *       synchronization active, as under {@code @Transactional}) is counted when that transaction commits, and not
 *       at all if it rolls back; a call in the guard's own transaction has committed when the event arrives and is
 *       counted at once. Failures are counted at once.</li>
 *   <li>{@value #DURATION} (timer, one per {@code register} call): tags {@code outcome}, {@code strategy},
 *       {@code backend}.</li>
 *   <li>{@value #RETRIES} (counter): tags {@code reason} (serialization_failure, unique_violation),
 *       {@code strategy}, {@code backend}.</li>
 *   <li>{@value #BATCH_SIZE} (distribution summary, files per {@code registerAll} call) and {@value #BATCH_DURATION}
 *       (timer): tags {@code outcome} ({@code ok} or the failure's), {@code strategy}, {@code backend}.</li>
 * </ul>
 *
 * <p>Tag values come from small fixed sets: never a scope, content hash or file name, so the number of meters does
 * not grow with the files registered. Thread-safe.
 */
public final class MicrometerGuardListener implements GuardListener {
    /** Counter of registered files. */
    public static final String REGISTRATIONS = "dedup.registrations";
    /** Timer of {@code register} calls. */
    public static final String DURATION = "dedup.registration.duration";
    /** Counter of retried own transactions. */
    public static final String RETRIES = "dedup.retries";
    /** Distribution of files per {@code registerAll} call. */
    public static final String BATCH_SIZE = "dedup.batch.size";
    /** Timer of {@code registerAll} calls. */
    public static final String BATCH_DURATION = "dedup.batch.duration";

    private final MeterRegistry registry;

    /**
     * A listener that registers its meters in {@code registry}.
     *
     * @param registry where the meters go
     */
    public MicrometerGuardListener(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry must not be null");
    }

    @Override
    public void registered(RegistrationEvent event) {
        Tags tags = tags(event.backend(), event.strategy()).and("outcome", event.outcome().tag());
        count(event.joined(), counter(tags), 1);
        Timer.builder(DURATION).description("Duration of register calls").tags(tags).register(registry)
                .record(event.duration());
    }

    @Override
    public void batchRegistered(BatchEvent event) {
        Tags base = tags(event.backend(), event.strategy());
        boolean ok = event.outcome() == Outcome.NEW;
        if (ok) {
            count(event.joined(), base, Outcome.NEW, event.newFiles());
            count(event.joined(), base, Outcome.DUPLICATE, event.duplicates());
        } else {
            count(false, base, event.outcome(), event.size());
        }
        Tags batchTags = base.and("outcome", ok ? "ok" : event.outcome().tag());
        DistributionSummary.builder(BATCH_SIZE).description("Files per registerAll call").baseUnit("files")
                .tags(batchTags).register(registry).record(event.size());
        Timer.builder(BATCH_DURATION).description("Duration of registerAll calls").tags(batchTags)
                .register(registry).record(event.duration());
    }

    @Override
    public void retried(RetryEvent event) {
        Counter.builder(RETRIES).description("Own transactions run again after a retryable failure")
                .tags(tags(event.backend(), event.strategy()).and("reason", event.reason().tag()))
                .register(registry).increment();
    }

    private void count(boolean joined, Tags base, Outcome outcome, int files) {
        if (files > 0) {
            count(joined, counter(base.and("outcome", outcome.tag())), files);
        }
    }

    private Counter counter(Tags tags) {
        return Counter.builder(REGISTRATIONS).description("Files registered, by outcome").tags(tags)
                .register(registry);
    }

    /** Counts now, or when the Spring transaction a joined call ran in commits. */
    private void count(boolean joined, Counter counter, int files) {
        if (!joined || !TransactionSynchronizationManager.isSynchronizationActive()) {
            counter.increment(files);
            return;
        }
        AtCommit pending = (AtCommit) TransactionSynchronizationManager.getResource(this);
        if (pending == null) {
            pending = new AtCommit();
            TransactionSynchronizationManager.bindResource(this, pending);
            TransactionSynchronizationManager.registerSynchronization(pending);
        }
        pending.counts.merge(counter, (long) files, Long::sum);
    }

    /**
     * The counts of one Spring transaction, added to their counters when it commits. Bound to the transaction as a
     * resource keyed by the listener, so a transaction with many joined calls registers one synchronization.
     */
    private final class AtCommit implements TransactionSynchronization {
        final Map<Counter, Long> counts = new IdentityHashMap<>();

        @Override
        public void suspend() {
            TransactionSynchronizationManager.unbindResource(MicrometerGuardListener.this);
        }

        @Override
        public void resume() {
            TransactionSynchronizationManager.bindResource(MicrometerGuardListener.this, this);
        }

        @Override
        public void afterCompletion(int status) {
            TransactionSynchronizationManager.unbindResourceIfPossible(MicrometerGuardListener.this);
            if (status == STATUS_COMMITTED) {
                counts.forEach((counter, files) -> counter.increment(files));
            }
        }
    }

    private static Tags tags(String backend, Strategy strategy) {
        return Tags.of("backend", backend, "strategy", strategy.name().toLowerCase(Locale.ROOT));
    }
}
