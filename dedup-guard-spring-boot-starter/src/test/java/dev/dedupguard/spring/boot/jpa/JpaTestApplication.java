package dev.dedupguard.spring.boot.jpa;

import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.context.annotation.Configuration;

/** Makes Boot's JPA auto-configuration scan this package's entities. */
@Configuration(proxyBeanMethods = false)
@AutoConfigurationPackage
public class JpaTestApplication {
}
