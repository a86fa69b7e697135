package dev.dedupguard.spring.boot;

import dev.dedupguard.AttemptContext;
import java.util.function.Supplier;

/**
 * Supplies the actor and reference of the attempts the auto-configured guard logs (see
 * {@link DedupGuardProperties.AttemptLogSettings}) when a call gives no {@link AttemptContext} of its own. Define one
 * bean of this type to replace the starter's default, which takes the actor from Spring Security's current
 * authentication ({@link SecurityAttemptContextSupplier}) when spring-security-core is on the class path and
 * supplies no context otherwise:
 * <pre>{@code
 * @Bean
 * AttemptContextSupplier attemptContext(RequestIds ids) {
 *     return () -> AttemptContext.of(SecurityAttemptContextSupplier.currentActor(), ids.current());
 * }
 * }</pre>
 *
 * <p>The guard calls it on the registering thread before any database work, once per {@code register} call and once
 * per {@code registerAll} call; if it throws, the call fails with that exception and nothing is logged. It must be
 * thread-safe. Used only when {@code dedup-guard.attempt-log.enabled=true}; calls that pass their own context
 * ({@code register(file, context)}) do not use it.
 */
@FunctionalInterface
public interface AttemptContextSupplier extends Supplier<AttemptContext> {
    /**
     * The context of the attempt the current thread is making.
     *
     * @return who makes it and on behalf of what, or {@code null} (or {@link AttemptContext#NONE}) for none
     */
    @Override
    AttemptContext get();
}
