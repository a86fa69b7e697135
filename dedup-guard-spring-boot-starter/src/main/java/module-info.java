/**
 * Spring Boot auto-configuration for dedup-guard. The backends, jOOQ, JPA, Micrometer and Spring Security are
 * optional: the auto-configuration uses each only when it is on the class path. Spring instantiates the package's
 * configuration classes, conditions and failure analyzer reflectively, hence the qualified opens. Spring Boot
 * applications run on the class path, where this descriptor is not read; it states the module's dependencies and lets
 * modular builds compile against the starter.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.dedupguard.spring.boot {
    requires transitive dev.dedupguard;
    requires transitive spring.boot;
    requires transitive spring.boot.autoconfigure;
    requires transitive spring.beans;
    requires transitive spring.context;
    requires transitive spring.core;
    requires transitive spring.tx;
    requires spring.jdbc;
    requires static dev.dedupguard.jooq;
    requires static org.jooq;
    requires static dev.dedupguard.jpa;
    requires static jakarta.persistence;
    requires static spring.orm;
    requires static transitive micrometer.core;
    requires static spring.boot.sql;
    requires static spring.security.core;

    exports dev.dedupguard.spring.boot;
    opens dev.dedupguard.spring.boot to spring.core, spring.beans, spring.context;
}
