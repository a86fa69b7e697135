package dev.dedupguard.examples.upload;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.security.core.Authentication;

/**
 * The authorisation hook: which caller may work on which case. Every endpoint asks it before it reads a request body
 * or a row, and answers a caller without access the same {@code 403} whether or not the case holds the file, so that
 * the {@code 201}/{@code 200} of an upload cannot tell an outsider what a case contains. This example takes the
 * cases per user from {@code upload.users.<name>.cases}; a real deployment asks its case-management system here.
 */
public final class CaseAccess {
    private final Map<String, Set<Long>> casesByUser;

    /**
     * Access as configured.
     *
     * @param casesByUser the cases each user may work on
     */
    public CaseAccess(Map<String, Set<Long>> casesByUser) {
        this.casesByUser = Map.copyOf(casesByUser);
    }

    /**
     * Whether {@code caller} may read and write case {@code caseId}.
     *
     * @param caller the authenticated caller, or {@code null}
     * @param caseId the case
     * @return {@code true} only for an authenticated caller that has the case
     */
    public boolean mayAccess(Authentication caller, long caseId) {
        return caller != null && caller.isAuthenticated()
                && casesByUser.getOrDefault(caller.getName(), Set.of()).contains(caseId);
    }

    /**
     * The cases of one user, for the configuration.
     *
     * @param password the user's password, as Spring Security stores it (e.g. {@code {noop}secret})
     * @param cases the case ids the user may work on
     */
    public record User(String password, List<Long> cases) {
    }
}
