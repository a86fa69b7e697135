package dev.dedupguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.AbstractGuardBuilder;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Real {@link SpringApplication} start-ups that fail, and the "Description / Action" report Spring Boot prints for
 * them: {@link DedupGuardFailureAnalyzer} is found in {@code META-INF/spring.factories}, runs before Boot's own
 * analyzers, and each report names the {@code dedup-guard.*} property and what to change, never a builder method.
 */
class StartupFailureAnalysisTest {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
        DedupGuardAutoConfiguration.class})
    static class JooqApplication {
    }

    /** An application whose service needs the guard. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(DedupGuardAutoConfiguration.class)
    static class NeedsAGuard {
        @Bean
        String uploadService(DuplicateGuard<?> guard) {
            return "uses " + guard;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoDataSources {
        @Bean
        DataSource evidence() {
            return h2("evidence-" + UUID.randomUUID());
        }

        @Bean
        DataSource reporting() {
            return h2("reporting-" + UUID.randomUUID());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OneDataSource {
        @Bean
        DataSource evidence() {
            return h2("evidence-" + UUID.randomUUID());
        }
    }

    private static String h2Url() {
        return "--spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    /** Starts an application that must fail, and returns what Boot reported. */
    private static FailureAnalysis analysis(ClassLoader loader, Class<?>[] sources, String... args) {
        CapturedFailureAnalyses.clear();
        SpringApplication application = loader == null ? new SpringApplication(sources)
                : new SpringApplication(new DefaultResourceLoader(loader), sources);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        application.setLogStartupInfo(false);
        assertThatThrownBy(() -> application.run(args).close()).as("start-up must fail").isNotNull();
        List<FailureAnalysis> reported = CapturedFailureAnalyses.reported();
        assertThat(reported).as("one report after APPLICATION FAILED TO START").hasSize(1);
        FailureAnalysis analysis = reported.get(0);
        assertNamesNoBuilderMethod(analysis);
        return analysis;
    }

    private static FailureAnalysis analysis(Class<?> source, String... args) {
        return analysis(null, new Class<?>[] {source}, args);
    }

    /** The report speaks of properties: no camel-case setter of a guard builder appears in it. */
    private static void assertNamesNoBuilderMethod(FailureAnalysis analysis) {
        List<String> setters = new ArrayList<>();
        for (Class<?> builder : List.of(AbstractGuardBuilder.class, JooqDuplicateGuard.Builder.class,
                JpaDuplicateGuard.Builder.class)) {
            for (Method m : builder.getMethods()) {
                if (AbstractGuardBuilder.class.isAssignableFrom(m.getReturnType()) && !m.getName().equals(
                        m.getName().toLowerCase())) {
                    setters.add(m.getName());
                }
            }
        }
        String text = analysis.getDescription() + "\n" + analysis.getAction();
        assertThat(setters).contains("lockTimeout", "createSchemaIfMissing");
        for (String setter : setters) {
            assertThat(text).as("names the property, not the builder's %s", setter)
                    .doesNotContainPattern("\\b" + setter + "\\b");
        }
    }

    @Test
    void aNegativeLockTimeoutNamesThePropertyAndItsRange() {
        FailureAnalysis a = analysis(JooqApplication.class, h2Url(), "--dedup-guard.lock-timeout=-1s");
        assertThat(a.getDescription()).isEqualTo("dedup-guard.lock-timeout=-1s is out of range: it must be between "
                + "1ms and 1h.");
        assertThat(a.getAction()).isEqualTo("Set dedup-guard.lock-timeout between 1ms and 1h, or remove it for the "
                + "default (5s).");
    }

    @Test
    void aLockTimeoutWithoutUnitIsRefusedRatherThanReadAsMilliseconds() {
        FailureAnalysis a = analysis(JooqApplication.class, h2Url(), "--dedup-guard.lock-timeout=5");
        assertThat(a.getDescription()).startsWith("dedup-guard.lock-timeout=5 has no unit.");
        assertThat(a.getAction()).contains("dedup-guard.lock-timeout=5s", "5ms");
    }

    @Test
    void outOfRangeNumbersNameTheirProperty() {
        assertThat(analysis(JooqApplication.class, h2Url(), "--dedup-guard.max-attempts=0").getDescription())
                .isEqualTo("dedup-guard.max-attempts=0 is out of range: it must be between 1 and 100.");
        assertThat(analysis(JooqApplication.class, h2Url(), "--dedup-guard.lock-stripes=0").getDescription())
                .startsWith("dedup-guard.lock-stripes=0 is out of range: it must be between 1 and 1048576");
    }

    @Test
    void aMissingLibraryTableNamesTheCreateSchemaProperty() {
        FailureAnalysis a = analysis(JooqApplication.class, h2Url(), "--dedup-guard.create-schema=false");
        assertThat(a.getDescription()).startsWith("dedup-guard cannot use the table dedup_file with "
                + "dedup-guard.strategy=unique-constraint: table dedup_file").contains("cannot be read",
                "dedup-guard.create-schema=true");
        assertThat(a.getAction()).contains("dev/dedupguard/schema/postgresql.sql", "dedup-guard.create-schema=true");
    }

    @Test
    void aHostTableWithoutTheUniqueConstraintPointsAtTheShippedDdlAndTheStrategyProperty() {
        String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        new JdbcTemplate(h2(url)).execute("create table host_files (id bigint generated by default as identity "
                + "primary key, case_id bigint not null, file_hash char(64) not null, "
                + "file_name varchar(2000) not null, "
                + "constraint ck_host_files_hash_lower check (file_hash = lower(file_hash)))");
        FailureAnalysis a = hostFilesAnalysis(url);
        assertThat(a.getDescription()).startsWith("dedup-guard cannot use the table host_files with "
                + "dedup-guard.strategy=unique-constraint: dedup-guard.strategy=unique-constraint needs a unique "
                + "constraint on exactly [case_id, file_hash, file_name] of table host_files")
                .doesNotContain("reasons", "CHECK");
        assertThat(a.getAction()).contains("dev/dedupguard/schema/host/postgresql.sql",
                "dedup-guard.strategy=select-for-update");
    }

    /** Every problem of the table in one report, each with its fix, and the same advice as for one problem. */
    @Test
    void aHostTableWithoutTheUniqueConstraintAndTheHashCheckNamesBothWithTheirFixes() {
        String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        new JdbcTemplate(h2(url)).execute("create table host_files (id bigint generated by default as identity "
                + "primary key, case_id bigint not null, file_hash char(64) not null, "
                + "file_name varchar(2000) not null)");
        FailureAnalysis a = hostFilesAnalysis(url);
        assertThat(a.getDescription()).startsWith("dedup-guard cannot use the table host_files with "
                + "dedup-guard.strategy=unique-constraint: table host_files cannot be guarded as it is, for 2 "
                + "reasons:\n  1. dedup-guard.strategy=unique-constraint needs a unique constraint on exactly "
                + "[case_id, file_hash, file_name] of table host_files")
                .contains("ALTER TABLE host_files ADD CONSTRAINT uq_host_files_key UNIQUE (case_id, file_hash, "
                        + "file_name)) or use dedup-guard.strategy=select-for-update\n  2. the content hash column "
                        + "file_hash of host_files has no CHECK constraint that keeps hashes in lower case")
                .contains("Fix: ALTER TABLE host_files ADD CONSTRAINT ck_host_files_hash_lower CHECK (file_hash = "
                        + "lower(file_hash))");
        assertThat(a.getAction()).contains("dev/dedupguard/schema/host/postgresql.sql",
                "dedup-guard.strategy=select-for-update");
    }

    private static FailureAnalysis hostFilesAnalysis(String url) {
        return analysis(JooqApplication.class, "--spring.datasource.url=" + url,
                "--dedup-guard.host.table=host_files", "--dedup-guard.host.scope=case_id",
                "--dedup-guard.host.scope-type=java.lang.Long", "--dedup-guard.host.content-hash=file_hash",
                "--dedup-guard.host.file-name=file_name");
    }

    @Test
    void anIncompleteHostMappingNamesTheMissingProperty() {
        FailureAnalysis a = analysis(JooqApplication.class, h2Url(), "--dedup-guard.host.table=case_file",
                "--dedup-guard.host.scope=case_id");
        assertThat(a.getDescription()).isEqualTo("dedup-guard.host.content-hash is not set, but "
                + "dedup-guard.host.table=case_file is: a host mapping needs its scope, content-hash and file-name "
                + "columns (and id, default id).");
        assertThat(a.getAction()).startsWith("Set dedup-guard.host.content-hash (for example "
                + "dedup-guard.host.content-hash=file_hash)");
    }

    @Test
    void anUnknownBackendNamesThePropertyAndTheValidValues() {
        FailureAnalysis a = analysis(JooqApplication.class, h2Url(), "--dedup-guard.backend=foo");
        assertThat(a.getDescription()).startsWith("dedup-guard.backend=foo (from \"dedup-guard.backend\" from "
                + "property source \"commandLineArgs\") is not a valid value: it must be one of auto, jooq, jpa.");
        assertThat(a.getAction()).isEqualTo("Set dedup-guard.backend to one of auto, jooq, jpa.");
    }

    @Test
    void aTrailingCommentInAPropertiesFileIsCalledOut() {
        FailureAnalysis a = analysis(JooqApplication.class,
                "--spring.config.location=classpath:/failures/trailing-comments.properties");
        assertThat(a.getDescription()).startsWith("dedup-guard.strategy=unique-constraint     # or "
                + "select-for-update, no-lock (from class path resource [failures/trailing-comments.properties]")
                .contains("must be one of no-lock, select-for-update, unique-constraint",
                        "A .properties file has no trailing comments");
        assertThat(a.getAction()).isEqualTo("Set dedup-guard.strategy to one of no-lock, select-for-update, "
                + "unique-constraint, and put comments on lines of their own.");
    }

    @Test
    void aMisspeltKeyIsRefusedWithTheNearestKnownOne() {
        FailureAnalysis a = analysis(JooqApplication.class,
                "--spring.config.location=classpath:/failures/misspelt.properties");
        assertThat(a.getDescription()).startsWith("Unknown property dedup-guard.lock-timout=2s (from class path "
                + "resource [failures/misspelt.properties] - 3:25)").contains("dedup-guard.lock-timeout, ",
                "dedup-guard.host.name-key", "dedup-guard.metrics.enabled");
        assertThat(a.getAction()).startsWith("Correct the property's name (did you mean dedup-guard.lock-timout -> "
                + "dedup-guard.lock-timeout?) or remove it.");
    }

    @Test
    void aMisspeltAttemptLogKeyIsRefusedWithTheNearestKnownOne() {
        FailureAnalysis a = analysis(JooqApplication.class, h2Url(), "--dedup-guard.create-schema=true",
                "--dedup-guard.attempt-log.enabled=true", "--dedup-guard.attempt-log.tabel=custody");
        assertThat(a.getDescription()).startsWith("Unknown property dedup-guard.attempt-log.tabel=custody")
                .contains("dedup-guard.attempt-log.enabled, dedup-guard.attempt-log.table");
        assertThat(a.getAction()).startsWith("Correct the property's name (did you mean dedup-guard.attempt-log.tabel "
                + "-> dedup-guard.attempt-log.table?) or remove it.");
    }

    @Test
    void aMissingAttemptLogTableNamesItsPropertyAndTheDdl() {
        FailureAnalysis a = analysis(JooqApplication.class, h2Url(), "--dedup-guard.create-schema=true",
                "--dedup-guard.attempt-log.enabled=true", "--dedup-guard.attempt-log.table=audit.custody");
        assertThat(a.getDescription()).startsWith("dedup-guard cannot use the attempt log table audit.custody "
                + "(dedup-guard.attempt-log.table): cannot create the attempt log table audit.custody "
                + "(dedup-guard.create-schema=true): ");
        assertThat(a.getAction()).startsWith("Apply dev/dedupguard/schema/attempt/postgresql.sql (or h2.sql, "
                + "mariadb.sql) from the dedup-jdbc jar");
    }

    @Test
    void twoDataSourcesWithoutAPrimaryAreTheReasonThereIsNoGuard() {
        FailureAnalysis a = analysis(null, new Class<?>[] {NeedsAGuard.class, TwoDataSources.class});
        assertThat(a.getDescription()).isEqualTo("The application asks for a DuplicateGuard, but dedup-guard "
                + "configured none: the application has 2 DataSource beans (evidence, reporting) and none is "
                + "@Primary, so the starter cannot tell which one the guard should use.");
        assertThat(a.getAction()).startsWith("Mark the DataSource the guard should use with @Primary");
    }

    @Test
    void noDataSourceIsTheReasonThereIsNoGuard() {
        FailureAnalysis a = analysis(NeedsAGuard.class);
        assertThat(a.getDescription()).endsWith("configured none: the application has no DataSource bean, and the "
                + "guard runs on the application's DataSource.");
    }

    @Test
    void theJpaBackendWithoutAnEntityManagerFactoryIsTheReasonThereIsNoGuard() {
        FailureAnalysis a = analysis(null, new Class<?>[] {NeedsAGuard.class, OneDataSource.class},
                "--dedup-guard.backend=jpa");
        assertThat(a.getDescription()).endsWith("the JPA backend is chosen (dedup-guard.backend=jpa) but the "
                + "application has no EntityManagerFactory bean.");
        assertThat(a.getAction()).contains("spring-boot-starter-data-jpa", "dedup-guard.backend=jooq");
    }

    /**
     * Boot 4.1's managed jOOQ 3.21 (the README's "jooq.version" pin forgotten): before, Boot's and the starter's
     * conditions treated its Java 21 classes as absent and the application only learnt that no guard bean exists.
     */
    @Test
    void jooq321OnTheClassPathStopsStartUpNamingTheVersionAndThePin() throws IOException {
        Path jar;
        try (var files = Files.list(Path.of("target", "unsupported-jooq"))) {
            jar = files.filter(p -> p.getFileName().toString().startsWith("jooq-3.21.")).findFirst().orElseThrow();
        }
        try (URLClassLoader loader = new JooqFirst(jar.toUri().toURL(), getClass().getClassLoader())) {
            FailureAnalysis a = analysis(loader, new Class<?>[] {JooqApplication.class}, h2Url());
            assertThat(a.getDescription()).startsWith("dedup-guard cannot configure its jooq backend "
                    + "(dedup-guard.backend=auto (the default)): The class path has ")
                    .contains(jar.getFileName().toString());
            if (Runtime.version().feature() < 21) {
                assertThat(a.getDescription()).contains("compiled for Java 21, which this Java "
                        + Runtime.version().feature() + " cannot load");
            }
            assertThat(a.getAction()).contains("<jooq.version>3.19.39</jooq.version>", "org.jooq:jooq:3.19.39");
        }
    }

    @Test
    void hibernateOutsideTheSupportedLineIsAProblemNamingBothVersions() {
        assertThat(StarterChecks.hibernateProblem("7.4.13.Final")).isNull();
        assertThat(StarterChecks.hibernateProblem("7.5.0.Final")).isEqualTo("The class path has Hibernate ORM "
                + "7.5.0.Final; dedup-jpa is built and tested for Hibernate ORM 7.4.x, whose internal API it uses.");
        assertThat(StarterChecks.hibernateProblem(null)).contains("Hibernate ORM is not");
        assertThat(StarterChecks.jooqProblem(getClass().getClassLoader())).as("the test class path's jOOQ 3.19")
                .isNull();
    }

    /** Loads {@code org.jooq} from the given jar before its parent, as if it were the application's only jOOQ. */
    private static final class JooqFirst extends URLClassLoader {
        JooqFirst(URL jar, ClassLoader parent) {
            super(new URL[] {jar}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("org.jooq.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                return loaded != null ? loaded : findClass(name);
            }
        }

        @Override
        public URL getResource(String name) {
            URL own = name.startsWith("org/jooq/") ? findResource(name) : null;
            return own != null ? own : super.getResource(name);
        }
    }

    static DataSource h2(String name) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(name.startsWith("jdbc:") ? name : "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        return ds;
    }
}
