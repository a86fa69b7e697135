package dev.dedupguard.examples.upload;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Who may do what: every request but {@code /actuator/health} needs a user (HTTP Basic), and every
 * {@code /cases/{caseId}/**} request needs {@link CaseAccess} to the case. The case check runs in the security filter
 * chain, before Spring MVC reads the multipart body or the guard runs, and answers one fixed {@code 403} for any
 * case the caller may not access, so an outsider learns nothing about what the case holds. Users come from
 * {@code upload.users.*} in this example ({@code {noop}} passwords; use {@code {bcrypt}} or your identity provider).
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {
    static final String NO_ACCESS = "you have no access to this case";

    /** Created by Spring. */
    public SecurityConfiguration() {
    }

    /**
     * The access rules.
     *
     * @param http Spring Security's builder
     * @param access the per-case hook
     * @return the filter chain
     * @throws Exception if Spring Security cannot build it
     */
    @Bean
    public SecurityFilterChain api(HttpSecurity http, CaseAccess access) throws Exception {
        byte[] body = ("{\"status\":403,\"title\":\"Forbidden\",\"detail\":\"" + NO_ACCESS + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        AccessDeniedHandler denied = (request, response, e) -> {
            response.setStatus(403);
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.getOutputStream().write(body);
        };
        http.authorizeHttpRequests(rules -> rules
                        .requestMatchers("/actuator/health").permitAll()
                        .requestMatchers("/cases/{caseId}/**").access((authentication, context) ->
                                new AuthorizationDecision(caseAllowed(access, authentication.get(),
                                        context.getVariables().get("caseId"))))
                        .anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .exceptionHandling(e -> e.accessDeniedHandler(denied))
                // a machine-to-machine API authenticated per request, no browser session to protect
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    /** A case id that is not a positive number is let through to get the API's 400; it can reach no case. */
    private static boolean caseAllowed(CaseAccess access, org.springframework.security.core.Authentication caller,
            String caseId) {
        long id;
        try {
            id = Long.parseLong(caseId);
        } catch (NumberFormatException e) {
            id = 0;
        }
        return id < 1 ? caller != null && caller.isAuthenticated() : access.mayAccess(caller, id);
    }

    /**
     * The users of {@code upload.users.*}.
     *
     * @param properties the service's settings
     * @return an in-memory user store
     */
    @Bean
    public UserDetailsService users(UploadProperties properties) {
        InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
        properties.users().forEach((name, user) -> users.createUser(User.withUsername(name).password(user.password())
                .roles("INVESTIGATOR").build()));
        return users;
    }

    /**
     * The cases each user may work on.
     *
     * @param properties the service's settings
     * @return the authorisation hook
     */
    @Bean
    public CaseAccess caseAccess(UploadProperties properties) {
        Map<String, Set<Long>> cases = new LinkedHashMap<>();
        properties.users().forEach((name, user) -> cases.put(name, new HashSet<>(user.cases())));
        return new CaseAccess(cases);
    }
}
