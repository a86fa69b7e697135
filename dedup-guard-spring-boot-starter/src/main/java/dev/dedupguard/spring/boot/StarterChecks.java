package dev.dedupguard.spring.boot;

import dev.dedupguard.AttemptLog;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.Strategy;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * What the starter checks before it builds a guard, and how it words the library's messages: every failure names the
 * {@code dedup-guard.*} property and its value, never the builder method behind it.
 */
final class StarterChecks {
    static final String PREFIX = "dedup-guard";
    /** The jOOQ line dedup-jooq is built and tested with. */
    static final String JOOQ_LINE = "3.19";
    /** The jOOQ version the README and the actions recommend pinning. */
    static final String JOOQ_PIN = "3.19.39";
    /** The Hibernate ORM line dedup-jpa is built and tested with. */
    static final String HIBERNATE_LINE = "7.4";

    private static final Set<Class<?>> SCOPE_TYPES = Set.of(String.class, Long.class, Integer.class, UUID.class);
    private static final Pattern PLAIN_NUMBER = Pattern.compile("[-+]?\\d+");
    private static final Pattern STRATEGY = Pattern.compile("\\b(?:strategy )?(UNIQUE_CONSTRAINT|SELECT_FOR_UPDATE|NO_LOCK)\\b");
    private static final Pattern BUILDER_SETTING = Pattern.compile(
            "\\b(lockTimeout|maxAttempts|lockStripes|namePolicy|stripeTableName|tableName|nameKey)\\b");

    private StarterChecks() {
    }

    /**
     * Checks the settings that the binder cannot: units, ranges, and which host properties go together.
     *
     * @param p the bound properties
     * @param environment where they came from, for the values as written
     * @throws DedupGuardConfigurationException naming the property, its value and what is allowed
     */
    static void check(DedupGuardProperties p, Environment environment) {
        String timeout = raw(environment, "lock-timeout");
        if (timeout != null && PLAIN_NUMBER.matcher(timeout.strip()).matches()) {
            String n = timeout.strip();
            throw new DedupGuardConfigurationException("dedup-guard.lock-timeout=" + n + " has no unit. Spring Boot "
                    + "would read a bare number as milliseconds, so " + n + " would mean " + n + " ms, not " + n
                    + " s; the starter refuses to guess.",
                    "Write the unit: dedup-guard.lock-timeout=" + n + "s for seconds or " + n + "ms for milliseconds "
                    + "(also m and h, or ISO-8601 such as PT" + n + "S). The default is 5s.", null);
        }
        Duration lockTimeout = p.lockTimeout();
        if (lockTimeout.compareTo(GuardOptions.MIN_LOCK_TIMEOUT) < 0
                || lockTimeout.compareTo(GuardOptions.MAX_LOCK_TIMEOUT) > 0) {
            throw outOfRange("lock-timeout", timeout == null ? lockTimeout.toString() : timeout.strip(),
                    "between 1ms and 1h", "5s");
        }
        if (p.maxAttempts() < 1 || p.maxAttempts() > GuardOptions.MAX_ATTEMPTS_LIMIT) {
            throw outOfRange("max-attempts", String.valueOf(p.maxAttempts()),
                    "between 1 and " + GuardOptions.MAX_ATTEMPTS_LIMIT, String.valueOf(GuardOptions.DEFAULT_MAX_ATTEMPTS));
        }
        if (p.lockStripes() < 1 || p.lockStripes() > GuardOptions.MAX_LOCK_STRIPES) {
            throw outOfRange("lock-stripes", String.valueOf(p.lockStripes()),
                    "between 1 and " + GuardOptions.MAX_LOCK_STRIPES + ", and equal to the rows of the stripe table",
                    String.valueOf(GuardOptions.DEFAULT_LOCK_STRIPES));
        }
        String logTable = p.attemptLog().table();
        try {
            AttemptLog.in(logTable);
        } catch (IllegalArgumentException e) {
            throw new DedupGuardConfigurationException("dedup-guard.attempt-log.table=" + logTable + " is not a table "
                    + "name the guard accepts: it must be an unquoted SQL identifier (letters, digits and _, not "
                    + "starting with a digit), optionally schema-qualified (schema.table).", "Set "
                    + "dedup-guard.attempt-log.table to such a name, or remove it for the default ("
                    + AttemptLog.DEFAULT_TABLE + ").", null);
        }
        DedupGuardProperties.Host host = p.host();
        if (host.table() != null && host.entity() != null) {
            throw new DedupGuardConfigurationException("Both dedup-guard.host.table=" + host.table()
                    + " and dedup-guard.host.entity=" + host.entity().getName() + " are set; a guard registers into "
                    + "one of them.", "Keep dedup-guard.host.table for the jOOQ backend or dedup-guard.host.entity "
                    + "for the JPA backend, and remove the other.", null);
        }
        if (host.table() != null) {
            String because = "dedup-guard.host.table=" + host.table();
            require(host.id(), "id", because, "id");
            require(host.scope(), "scope", because, "case_id");
            require(host.contentHash(), "content-hash", because, "file_hash");
            require(host.fileName(), "file-name", because, "original_filename");
            if (!SCOPE_TYPES.contains(host.scopeType())) {
                throw new DedupGuardConfigurationException("dedup-guard.host.scope-type=" + host.scopeType().getName()
                        + " is not a type the guard can bind a scope to.", "Set dedup-guard.host.scope-type to "
                        + "java.lang.String (the default), java.lang.Long, java.lang.Integer or java.util.UUID: the "
                        + "Java type of the column dedup-guard.host.scope names.", null);
            }
        }
        if (host.entity() != null) {
            String because = "dedup-guard.host.entity=" + host.entity().getName();
            require(host.scope(), "scope", because, "caseId");
            require(host.contentHash(), "content-hash", because, "fileHash");
            require(host.fileName(), "file-name", because, "originalFilename");
        }
    }

    private static DedupGuardConfigurationException outOfRange(String property, String value, String allowed,
            String defaultValue) {
        return new DedupGuardConfigurationException("dedup-guard." + property + "=" + value + " is out of range: it "
                + "must be " + allowed + ".", "Set dedup-guard." + property + " " + allowed.replaceFirst(",.*", "")
                + ", or remove it for the default (" + defaultValue + ").", null);
    }

    private static void require(String value, String property, String because, String example) {
        if (value == null || value.isBlank()) {
            throw new DedupGuardConfigurationException("dedup-guard.host." + property + " is not set, but " + because
                    + " is: a host mapping needs its scope, content-hash and file-name"
                    + (because.contains(".table=") ? " columns (and id, default id)" : " attributes") + ".",
                    "Set dedup-guard.host." + property + " (for example dedup-guard.host." + property + "=" + example
                    + "), or remove " + because.substring(0, because.indexOf('=')) + " to register in the library "
                    + "table dedup_file.", null);
        }
    }

    /** The value of {@code dedup-guard.<name>} as written (relaxed names, any property source), or null. */
    static String raw(Environment environment, String name) {
        return Binder.get(environment).bind(PREFIX + "." + name, String.class).orElse(null);
    }

    /**
     * A message of the library, in the terms of the starter's properties: builder settings become the
     * {@code dedup-guard.*} properties that set them.
     *
     * @param message what a builder or a schema check said
     * @return the same message, naming properties
     */
    static String inPropertyTerms(String message) {
        String text = message.replace("createSchemaIfMissing(true)", "dedup-guard.create-schema=true")
                .replace("(createSchemaIfMissing)", "(dedup-guard.create-schema=true)")
                .replace("hashAlgorithm ", "the hash algorithm ")
                .replace("the mapping's nameKey", "dedup-guard.host.name-key");
        Matcher strategy = STRATEGY.matcher(text);
        StringBuilder out = new StringBuilder();
        while (strategy.find()) {
            strategy.appendReplacement(out, "dedup-guard.strategy=" + kebab(strategy.group(1)));
        }
        strategy.appendTail(out);
        Matcher setting = BUILDER_SETTING.matcher(out.toString());
        out = new StringBuilder();
        while (setting.find()) {
            String name = setting.group(1);
            String property = name.equals("nameKey") ? "host.name-key"
                    : name.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            setting.appendReplacement(out, "dedup-guard." + property);
        }
        setting.appendTail(out);
        return out.toString();
    }

    /** {@code SELECT_FOR_UPDATE} as a property value: {@code select-for-update}. */
    static String kebab(String constant) {
        return constant.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The property value of {@code strategy}. */
    static String value(Strategy strategy) {
        return kebab(strategy.name());
    }

    /**
     * Every {@code dedup-guard.*} property the starter binds.
     *
     * @return the names in declaration order, e.g. {@code dedup-guard.lock-timeout}
     */
    static List<String> knownProperties() {
        List<String> names = new ArrayList<>();
        collect(DedupGuardProperties.class, PREFIX, names);
        return names;
    }

    private static void collect(Class<?> record, String prefix, List<String> names) {
        for (RecordComponent c : record.getRecordComponents()) {
            String name = prefix + "." + c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            if (c.getType().isRecord()) {
                collect(c.getType(), name, names);
            } else {
                names.add(name);
            }
        }
    }

    /**
     * Why the jOOQ on the class path cannot run dedup-jooq, or null if it can.
     *
     * @param loader the application's class loader
     * @return the problem, naming the version found and the version needed
     */
    static String jooqProblem(ClassLoader loader) {
        String resource = "org/jooq/Constants.class";
        try {
            Class<?> constants = Class.forName("org.jooq.Constants", true, loader);
            String version = (String) constants.getField("VERSION").get(null);
            return version.startsWith(JOOQ_LINE + ".") ? null : "The class path has jOOQ " + version + " ("
                    + jarOf(loader, resource) + "); dedup-jooq is built and tested for jOOQ " + JOOQ_LINE + ".x.";
        } catch (ClassNotFoundException e) {
            return "dedup-jooq is on the class path but jOOQ is not.";
        } catch (UnsupportedClassVersionError e) {
            return "The class path has a jOOQ (" + jarOf(loader, resource) + ") compiled for Java "
                    + classFileJava(loader, resource) + ", which this Java " + Runtime.version().feature()
                    + " cannot load (" + e.getMessage() + "); dedup-jooq is built and tested for jOOQ " + JOOQ_LINE
                    + ".x, which runs on Java 17. Spring Boot 4.1 manages jOOQ 3.21, which needs Java 21.";
        } catch (LinkageError | ReflectiveOperationException | ClassCastException e) {
            return "The jOOQ on the class path (" + jarOf(loader, resource) + ") cannot be loaded: " + e;
        }
    }

    /**
     * Why a Hibernate ORM version cannot run dedup-jpa, or null if it can.
     *
     * @param version Hibernate's version string, e.g. {@code 7.4.13.Final}, or null if Hibernate is absent
     * @return the problem, naming the version found and the line needed
     */
    static String hibernateProblem(String version) {
        if (version == null) {
            return "dedup-jpa is on the class path but Hibernate ORM is not (dedup-jpa runs on Hibernate's own API).";
        }
        return version.startsWith(HIBERNATE_LINE + ".") ? null : "The class path has Hibernate ORM " + version
                + "; dedup-jpa is built and tested for Hibernate ORM " + HIBERNATE_LINE + ".x, whose internal API it uses.";
    }

    /** Hibernate's version on {@code loader}, or null if Hibernate is absent. */
    static String hibernateVersion(ClassLoader loader) {
        try {
            return (String) Class.forName("org.hibernate.Version", true, loader).getMethod("getVersionString")
                    .invoke(null);
        } catch (ClassNotFoundException e) {
            return null;
        } catch (LinkageError | ReflectiveOperationException | ClassCastException e) {
            return "unknown (" + e + ")";
        }
    }

    private static String jarOf(ClassLoader loader, String resource) {
        URL url = loader.getResource(resource);
        if (url == null) {
            return "not found";
        }
        String path = url.toString();
        int bang = path.indexOf("!/");
        String jar = bang < 0 ? path : path.substring(0, bang);
        return jar.substring(jar.lastIndexOf('/') + 1);
    }

    private static String classFileJava(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            byte[] header = in == null ? new byte[0] : in.readNBytes(8);
            return header.length < 8 ? "an unknown version" : String.valueOf(((header[6] & 0xff) << 8 | header[7] & 0xff) - 44);
        } catch (IOException e) {
            return "an unknown version";
        }
    }
}
