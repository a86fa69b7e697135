package dev.dedupguard.spi;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import java.util.Collection;
import java.util.List;

/**
 * Base class of a backend's public guard type: forwards the guard's calls to the guard that runs the strategies over the
 * backend's storage in own transactions, so that the backend class adds only its builder and its way of joining a
 * caller's transaction. Immutable and thread-safe if the delegate is.
 *
 * @param <F> the registered type
 */
public abstract class ForwardingDuplicateGuard<F> implements DuplicateGuard<F> {
    private final DuplicateGuard<F> own;
    private final GuardOptions options;

    /**
     * @param own the guard that runs the strategies in own transactions
     * @param options the settings {@code own} runs with
     */
    protected ForwardingDuplicateGuard(DuplicateGuard<F> own, GuardOptions options) {
        this.own = own;
        this.options = options;
    }

    @Override
    public Registration<F> register(F file) {
        return own.register(file);
    }

    @Override
    public List<Registration<F>> registerAll(Collection<? extends F> files) {
        return own.registerAll(files);
    }

    @Override
    public Registration<F> register(F file, AttemptContext context) {
        return own.register(file, context);
    }

    @Override
    public List<Registration<F>> registerAll(Collection<? extends F> files, AttemptContext context) {
        return own.registerAll(files, context);
    }

    @Override
    public List<Attempt> history(FileKey key, long after, int limit) {
        return own.history(key, after, limit);
    }

    @Override
    public List<Attempt> history(String scope, long after, int limit) {
        return own.history(scope, after, limit);
    }

    @Override
    public boolean release(F file) {
        return own.release(file);
    }

    @Override
    public Strategy strategy() {
        return options.strategy();
    }

    /**
     * The settings this guard runs with.
     *
     * @return the options given at construction; never {@code null}
     */
    public GuardOptions options() {
        return options;
    }
}
