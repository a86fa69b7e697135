package dev.dedupguard.spring.boot;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.spring.boot.DedupGuardProperties.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.ClassUtils;

/**
 * Turns the starter's start-up failures into Spring Boot's "Description / Action" report, each naming the
 * {@code dedup-guard.*} property concerned and what to change:
 *
 * <ul>
 *   <li>a {@link DedupGuardConfigurationException} (a property out of range or without its unit, an incomplete host
 *       mapping, an unsupported jOOQ or Hibernate version, a table that does not fit);</li>
 *   <li>a {@code dedup-guard.*} value that does not convert (the valid values; a {@code #} in the value is a trailing
 *       comment, which {@code .properties} files do not have), and an unknown key under {@code dedup-guard.} (the
 *       nearest known key, and all of them);</li>
 *   <li>no {@code DuplicateGuard} bean where the application asks for one: no {@code DataSource}, several without a
 *       {@code @Primary} one, neither dedup-jooq nor dedup-jpa on the class path, or the JPA backend without an
 *       {@code EntityManagerFactory}.</li>
 * </ul>
 *
 * <p>Registered in {@code META-INF/spring.factories}, where Spring Boot loads failure analyzers, and ordered before
 * Boot's own, whose generic analyses of the same exceptions would otherwise win.
 */
public final class DedupGuardFailureAnalyzer implements FailureAnalyzer, Ordered {
    private final BeanFactory beans;
    private final Environment environment;

    /**
     * Created by Spring Boot when an application fails to start.
     *
     * @param beans the failed context's bean factory, to tell why no guard was configured
     * @param environment the application's environment, to tell which backend was chosen
     */
    public DedupGuardFailureAnalyzer(BeanFactory beans, Environment environment) {
        this.beans = beans;
        this.environment = environment != null ? environment : new StandardEnvironment();
    }

    @Override
    public int getOrder() {
        return 0;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        DedupGuardConfigurationException configuration = cause(failure, DedupGuardConfigurationException.class);
        if (configuration != null) {
            return new FailureAnalysis(configuration.description(), configuration.action(), failure);
        }
        BindException bind = cause(failure, BindException.class);
        if (bind != null && bind.getName().toString().startsWith(StarterChecks.PREFIX)) {
            UnboundConfigurationPropertiesException unbound = cause(bind,
                    UnboundConfigurationPropertiesException.class);
            return unbound != null ? unknownKeys(unbound, failure) : badValue(bind, failure);
        }
        NoSuchBeanDefinitionException missing = cause(failure, NoSuchBeanDefinitionException.class);
        if (missing != null && missing.getBeanType() != null
                && (missing.getBeanType() == DuplicateGuard.class
                || missing.getBeanType() == SpringDuplicateGuard.class)) {
            return noGuard(failure);
        }
        return null;
    }

    private static FailureAnalysis unknownKeys(UnboundConfigurationPropertiesException unbound, Throwable failure) {
        List<String> known = StarterChecks.knownProperties();
        StringBuilder description = new StringBuilder();
        List<String> suggestions = new ArrayList<>();
        for (ConfigurationProperty property : unbound.getUnboundProperties()) {
            String name = property.getName().toString();
            description.append(description.isEmpty() ? "" : "\n").append("Unknown property ").append(name)
                    .append('=').append(property.getValue()).append(origin(property))
                    .append(": the starter has no such setting, so it would be ignored.");
            String nearest = nearest(name, known);
            if (nearest != null) {
                suggestions.add(name + " -> " + nearest);
            }
        }
        description.append("\nThe dedup-guard properties are: ").append(String.join(", ", known)).append('.');
        String action = (suggestions.isEmpty() ? "Correct the property's name or remove it."
                : "Correct the property's name (did you mean " + String.join(", ", suggestions) + "?) or remove it.")
                + " Every key is described in the starter's configuration metadata, which IDEs complete.";
        return new FailureAnalysis(description.toString(), action, failure);
    }

    private static FailureAnalysis badValue(BindException bind, Throwable failure) {
        ConfigurationProperty property = bind.getProperty();
        String name = property != null ? property.getName().toString() : bind.getName().toString();
        Object value = property != null ? property.getValue() : null;
        Class<?> type = bind.getTarget().getType().resolve(Object.class);
        StringBuilder description = new StringBuilder(name).append('=').append(value)
                .append(property != null ? origin(property) : "").append(" is not a valid value");
        String allowed;
        if (type.isEnum()) {
            allowed = Arrays.stream(type.getEnumConstants()).map(c -> StarterChecks.kebab(((Enum<?>) c).name()))
                    .collect(Collectors.joining(", "));
            description.append(": it must be one of ").append(allowed).append('.');
            allowed = "one of " + allowed;
        } else if (type == Duration.class) {
            allowed = "a duration with its unit, such as 5s, 300ms or PT5S";
            description.append(": it must be ").append(allowed).append('.');
        } else if (type == Class.class) {
            allowed = "the fully qualified name of a class on the application's class path";
            description.append(": no such class (").append(rootMessage(bind)).append(").");
        } else {
            allowed = "a value of type " + type.getSimpleName();
            description.append(": ").append(rootMessage(bind)).append('.');
        }
        if (value != null && value.toString().contains("#")) {
            description.append(" A .properties file has no trailing comments: everything after '=' is the value, "
                    + "including '#' and what follows it.");
        }
        return new FailureAnalysis(description.toString(), "Set " + name + " to " + allowed
                + (value != null && value.toString().contains("#") ? ", and put comments on lines of their own" : "")
                + ".", failure);
    }

    private FailureAnalysis noGuard(Throwable failure) {
        if (!(beans instanceof ConfigurableListableBeanFactory factory)) {
            return null;
        }
        String[] dataSources = factory.getBeanNamesForType(DataSource.class, true, false);
        String because;
        String action;
        if (dataSources.length == 0) {
            because = "the application has no DataSource bean, and the guard runs on the application's DataSource.";
            action = "Add a JDBC driver and spring.datasource.url (Spring Boot then creates the DataSource, with "
                    + "spring-boot-starter-jdbc, -data-jpa or -jooq), or define a DataSource bean.";
        } else if (dataSources.length > 1 && primaries(factory, dataSources) != 1) {
            because = "the application has " + dataSources.length + " DataSource beans (" + String.join(", ",
                    dataSources) + ") and none is @Primary, so the starter cannot tell which one the guard should "
                    + "use.";
            action = "Mark the DataSource the guard should use with @Primary, or define a DuplicateGuard bean of your "
                    + "own on the DataSource you choose (e.g. JooqDuplicateGuard.forHostTable(dataSource, dialect, "
                    + "hostTable) or JpaDuplicateGuard.forHostEntity(entityManagerFactory, mapping)).";
        } else {
            ClassLoader loader = factory.getBeanClassLoader() != null ? factory.getBeanClassLoader()
                    : ClassUtils.getDefaultClassLoader();
            Backend backend = DedupGuardAutoConfiguration.BackendCondition.chosen(environment, loader, factory);
            if (backend == null) {
                because = "neither dedup-jooq nor dedup-jpa is on the class path; the starter needs one of them.";
                action = "Add the dev.dedupguard:dedup-jpa dependency (with spring-boot-starter-data-jpa) or "
                        + "dev.dedupguard:dedup-jooq (with spring-boot-starter-jooq).";
            } else if (backend == Backend.JPA && ClassUtils.isPresent("jakarta.persistence.EntityManagerFactory",
                    loader) && factory.getBeanNamesForType(
                            ClassUtils.resolveClassName("jakarta.persistence.EntityManagerFactory", loader), true,
                            false).length == 0) {
                because = "the JPA backend is chosen (dedup-guard.backend="
                        + DedupGuardAutoConfiguration.BackendCondition.setting(environment) + ") but the application "
                        + "has no EntityManagerFactory bean.";
                action = "Add spring-boot-starter-data-jpa (which creates the EntityManagerFactory), or set "
                        + "dedup-guard.backend=jooq with dedup-jooq on the class path.";
            } else {
                return null;
            }
        }
        return new FailureAnalysis("The application asks for a DuplicateGuard, but dedup-guard configured none: "
                + because, action, failure);
    }

    private static int primaries(ConfigurableListableBeanFactory factory, String[] names) {
        int primaries = 0;
        for (String name : names) {
            if (factory.containsBeanDefinition(name) && factory.getBeanDefinition(name).isPrimary()) {
                primaries++;
            }
        }
        return primaries;
    }

    private static String origin(ConfigurationProperty property) {
        return property.getOrigin() == null ? "" : " (from " + property.getOrigin() + ")";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** The known property nearest to {@code name} by edit distance, if it is near enough to be a typo. */
    static String nearest(String name, List<String> known) {
        return known.stream().min(Comparator.comparingInt(k -> distance(name, k)))
                .filter(k -> distance(name, k) <= Math.max(2, name.length() / 6)).orElse(null);
    }

    private static int distance(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        int[] previous = new int[y.length() + 1];
        int[] current = new int[y.length() + 1];
        for (int j = 0; j <= y.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= x.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= y.length(); j++) {
                int substitution = previous[j - 1] + (x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[y.length()];
    }

    private static <E extends Throwable> E cause(Throwable failure, Class<E> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
