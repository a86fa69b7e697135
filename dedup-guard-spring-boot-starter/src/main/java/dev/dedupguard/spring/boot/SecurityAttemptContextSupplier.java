package dev.dedupguard.spring.boot;

import dev.dedupguard.AttemptContext;
import org.springframework.security.authentication.AuthenticationTrustResolver;
import org.springframework.security.authentication.AuthenticationTrustResolverImpl;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The starter's default {@link AttemptContextSupplier} when spring-security-core is on the class path: the actor is
 * the {@linkplain Authentication#getName() name} of the calling thread's authentication in
 * {@link SecurityContextHolder}, or none when there is no authentication, it is not authenticated, it is anonymous
 * ({@code AnonymousAuthenticationToken}) or its name is empty. No reference. A name longer than
 * {@value AttemptContext#MAX_LENGTH} characters or holding a control character is refused by {@link AttemptContext},
 * which fails the registration before any database work rather than log a different actor.
 *
 * <p>The authentication is read on the registering thread: work handed to another thread sees it only if the
 * application propagates the security context (e.g. {@code DelegatingSecurityContextExecutor}). Stateless and
 * thread-safe.
 */
public final class SecurityAttemptContextSupplier implements AttemptContextSupplier {
    private static final AuthenticationTrustResolver TRUST = new AuthenticationTrustResolverImpl();

    /** The supplier; it holds no state. */
    public SecurityAttemptContextSupplier() {
    }

    /**
     * The current actor, as this class's javadoc describes, for suppliers of one's own that add a reference.
     *
     * @return the authenticated, non-anonymous user's name, or {@code null}
     */
    public static String currentActor() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null || !authentication.isAuthenticated() || TRUST.isAnonymous(authentication)) {
            return null;
        }
        String name = authentication.getName();
        return name == null || name.isEmpty() ? null : name;
    }

    /**
     * The current actor without a reference.
     *
     * @return {@link AttemptContext#actor(String)} of {@link #currentActor()}, or {@link AttemptContext#NONE}
     */
    @Override
    public AttemptContext get() {
        String actor = currentActor();
        return actor == null ? AttemptContext.NONE : AttemptContext.actor(actor);
    }
}
