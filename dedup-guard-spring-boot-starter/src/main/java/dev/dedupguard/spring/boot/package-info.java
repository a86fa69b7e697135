/**
 * Spring Boot auto-configuration for dedup-guard: {@link dev.dedupguard.spring.boot.DedupGuardAutoConfiguration}
 * creates one {@link dev.dedupguard.spring.boot.SpringDuplicateGuard} that joins Spring-managed transactions,
 * configured by {@link dev.dedupguard.spring.boot.DedupGuardProperties} ({@code dedup-guard.*}), and reports to
 * Micrometer through {@link dev.dedupguard.spring.boot.MicrometerGuardListener} when a registry is present.
 */
package dev.dedupguard.spring.boot;
