/**
 * Spring Boot auto-configuration for dedup-guard: {@link dev.dedupguard.spring.boot.DedupGuardAutoConfiguration}
 * creates one {@link dev.dedupguard.spring.boot.SpringDuplicateGuard} that joins Spring-managed transactions,
 * configured by {@link dev.dedupguard.spring.boot.DedupGuardProperties} ({@code dedup-guard.*}), and reports to
 * Micrometer through {@link dev.dedupguard.spring.boot.MicrometerGuardListener} when a registry is present. With
 * {@code dedup-guard.attempt-log.enabled=true} the guard logs every attempt with the context of an
 * {@link dev.dedupguard.spring.boot.AttemptContextSupplier} bean, by default the Spring Security user
 * ({@link dev.dedupguard.spring.boot.SecurityAttemptContextSupplier}).
 */
package dev.dedupguard.spring.boot;
