package dev.dedupguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.dedupguard.Attempt;
import dev.dedupguard.AttemptContext;
import dev.dedupguard.AttemptLog;
import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.spring.boot.jpa.CaseFileEntity;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code dedup-guard.attempt-log.*} in {@link ApplicationContextRunner}s on in-memory H2: the properties, the table
 * created by {@code create-schema}, the actor from Spring Security or from an {@link AttemptContextSupplier} bean, and
 * the attempt-log methods of {@link SpringDuplicateGuard} inside and outside Spring transactions.
 */
class AttemptLogAutoConfigurationTest {
    private static final String HASH = "ef".repeat(32);

    private final ApplicationContextRunner jooq = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class, DedupGuardAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                    "spring.datasource.username=sa", "dedup-guard.create-schema=true");

    private final ApplicationContextRunner logging = jooq.withPropertyValues("dedup-guard.attempt-log.enabled=true");

    @AfterEach
    void signOut() {
        SecurityContextHolder.clearContext();
    }

    private static FileKey key(String name) {
        return FileKey.of("case-1", HASH, name);
    }

    @SuppressWarnings("unchecked")
    private static SpringDuplicateGuard<FileKey> guard(ApplicationContext context) {
        return context.getBean(SpringDuplicateGuard.class);
    }

    private static AttemptLog logOf(ApplicationContext context) {
        return ((JooqDuplicateGuard<?>) guard(context).ownTransactions()).options().attemptLog();
    }

    private static long tables(ApplicationContext context, String name) {
        return new JdbcTemplate(context.getBean(DataSource.class)).queryForObject("select count(*) from "
                + "information_schema.tables where lower(table_name) = ?", Long.class, name);
    }

    private static void signIn(String user) {
        SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(user,
                "n/a", AuthorityUtils.createAuthorityList("ROLE_INVESTIGATOR")));
    }

    /** The one attempt logged for {@code name}. */
    private static Attempt onlyAttempt(DuplicateGuard<FileKey> guard, String name) {
        List<Attempt> history = guard.history(key(name), 0, 10);
        assertThat(history).hasSize(1);
        return history.get(0);
    }

    @Test
    void offByDefaultWithoutTableOrContextBean() {
        jooq.run(context -> {
            assertThat(logOf(context)).isSameAs(AttemptLog.OFF);
            assertThat(context).doesNotHaveBean(AttemptContextSupplier.class);
            assertThat(tables(context, AttemptLog.DEFAULT_TABLE)).as("create-schema creates no log table").isZero();
            SpringDuplicateGuard<FileKey> guard = guard(context);
            assertThat(guard.register(key("a.evtx")).isNew()).isTrue();
            assertThatThrownBy(() -> guard.history("case-1", 0, 10)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("keeps no attempt log");
        });
    }

    @Test
    void enabledLogsEveryAttemptInTheDefaultTableThatCreateSchemaCreated() {
        logging.run(context -> {
            AttemptLog log = logOf(context);
            assertThat(log.isEnabled()).isTrue();
            assertThat(log.table()).isEqualTo(AttemptLog.DEFAULT_TABLE);
            assertThat(tables(context, AttemptLog.DEFAULT_TABLE)).isEqualTo(1);
            SpringDuplicateGuard<FileKey> guard = guard(context);
            Registration<FileKey> first = guard.register(key("a.evtx"));
            guard.register(key("a.evtx"));
            assertThat(guard.history(key("a.evtx"), 0, 10)).extracting(Attempt::outcome, Attempt::storedId)
                    .containsExactly(tuple(Attempt.Outcome.NEW, first.id()),
                            tuple(Attempt.Outcome.DUPLICATE, first.id()));
        });
    }

    @Test
    void theTablePropertyNamesTheLogTable() {
        logging.withPropertyValues("dedup-guard.attempt-log.table=sb_custody").run(context -> {
            assertThat(logOf(context).table()).isEqualTo("sb_custody");
            guard(context).register(key("a.evtx"));
            JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
            assertThat(jdbc.queryForObject("select count(*) from sb_custody", Long.class)).isEqualTo(1);
            assertThat(tables(context, AttemptLog.DEFAULT_TABLE)).isZero();
        });
    }

    @Test
    void aMissingLogTableWithoutCreateSchemaStopsStartUpWithTheDdl() {
        String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        h2.setUser("sa");
        JooqDuplicateGuard.forLibraryTable(h2, SQLDialect.H2).createSchemaIfMissing(true).build();
        logging.withPropertyValues("spring.datasource.url=" + url, "dedup-guard.create-schema=false",
                        "dedup-guard.attempt-log.table=sb_missing_log")
                .run(context -> {
                    assertThat(context).hasFailed();
                    DedupGuardConfigurationException e = configurationFailure(context.getStartupFailure());
                    assertThat(e.description()).startsWith("dedup-guard cannot use the attempt log table "
                            + "sb_missing_log (dedup-guard.attempt-log.table): ")
                            .contains("CREATE TABLE IF NOT EXISTS sb_missing_log");
                    assertThat(e.action()).contains("dev/dedupguard/schema/attempt/postgresql.sql (or h2.sql, "
                            + "mariadb.sql)", "dedup-guard.create-schema=true",
                            "dedup-guard.attempt-log.enabled=false");
                });
    }

    @Test
    void aTableNameThatIsNoIdentifierStopsStartUpNamingTheProperty() {
        logging.withPropertyValues("dedup-guard.attempt-log.table=audit.\"log\"").run(context -> {
            assertThat(context).hasFailed();
            DedupGuardConfigurationException e = configurationFailure(context.getStartupFailure());
            assertThat(e.description()).isEqualTo("dedup-guard.attempt-log.table=audit.\"log\" is not a table name "
                    + "the guard accepts: it must be an unquoted SQL identifier (letters, digits and _, not starting "
                    + "with a digit), optionally schema-qualified (schema.table).");
            assertThat(e.action()).isEqualTo("Set dedup-guard.attempt-log.table to such a name, or remove it for the "
                    + "default (dedup_attempt).");
        });
    }

    @Test
    void theActorIsTheSpringSecurityUserOfTheRegisteringThread() {
        logging.run(context -> {
            assertThat(context).getBean(AttemptContextSupplier.class)
                    .isInstanceOf(SecurityAttemptContextSupplier.class);
            SpringDuplicateGuard<FileKey> guard = guard(context);

            signIn("alice");
            guard.register(key("alice.evtx"));
            guard.registerAll(List.of(key("batch-1.evtx"), key("batch-2.evtx")));
            signIn("bob");
            guard.register(key("alice.evtx"));

            assertThat(guard.history(key("alice.evtx"), 0, 10)).extracting(Attempt::actor, Attempt::outcome,
                    Attempt::reference).containsExactly(
                            tuple("alice", Attempt.Outcome.NEW, null),
                            tuple("bob", Attempt.Outcome.DUPLICATE, null));
            assertThat(onlyAttempt(guard, "batch-2.evtx").actor()).isEqualTo("alice");
        });
    }

    @Test
    void noAuthenticationAnAnonymousOneOrAnUnauthenticatedOneIsNoActor() {
        logging.run(context -> {
            SpringDuplicateGuard<FileKey> guard = guard(context);
            SecurityContextHolder.clearContext();
            guard.register(key("nobody.evtx"));
            SecurityContextHolder.getContext().setAuthentication(new AnonymousAuthenticationToken("key",
                    "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")));
            guard.register(key("anonymous.evtx"));
            SecurityContextHolder.getContext().setAuthentication(
                    UsernamePasswordAuthenticationToken.unauthenticated("mallory", "wrong password"));
            guard.register(key("unauthenticated.evtx"));

            for (String name : List.of("nobody.evtx", "anonymous.evtx", "unauthenticated.evtx")) {
                Attempt a = onlyAttempt(guard, name);
                assertThat(a.outcome()).isEqualTo(Attempt.Outcome.NEW);
                assertThat(a.actor()).as(name).isNull();
            }
        });
        SecurityContextHolder.clearContext();
        assertThat(new SecurityAttemptContextSupplier().get()).isSameAs(AttemptContext.NONE);
    }

    @Test
    void withoutSpringSecurityOnTheClassPathThereIsNoActor() {
        logging.withClassLoader(new FilteredClassLoader("org.springframework.security")).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(AttemptContextSupplier.class);
            signIn("alice");
            SpringDuplicateGuard<FileKey> guard = guard(context);
            guard.register(key("a.evtx"));
            assertThat(onlyAttempt(guard, "a.evtx").actor()).isNull();
        });
    }

    @Test
    void anApplicationsContextSupplierBeanWinsOverSpringSecurity() {
        logging.withBean("importJob", AttemptContextSupplier.class, () -> () -> AttemptContext.of("batch-import",
                        "job-17"))
                .run(context -> {
                    assertThat(context).hasSingleBean(AttemptContextSupplier.class)
                            .doesNotHaveBean(SecurityAttemptContextSupplier.class);
                    signIn("alice");
                    SpringDuplicateGuard<FileKey> guard = guard(context);
                    guard.register(key("a.evtx"));
                    Attempt a = onlyAttempt(guard, "a.evtx");
                    assertThat(a.actor()).isEqualTo("batch-import");
                    assertThat(a.reference()).isEqualTo("job-17");

                    guard.register(key("b.evtx"), AttemptContext.of("carol", "upload-9"));
                    Attempt given = onlyAttempt(guard, "b.evtx");
                    assertThat(given.actor()).as("a call's own context wins over every supplier").isEqualTo("carol");
                    assertThat(given.reference()).isEqualTo("upload-9");
                });
    }

    @Test
    void twoContextSupplierBeansWithoutAPrimaryStopStartUp() {
        logging.withBean("one", AttemptContextSupplier.class, () -> () -> AttemptContext.actor("one"))
                .withBean("two", AttemptContextSupplier.class, () -> () -> AttemptContext.actor("two"))
                .run(context -> assertThat(context.getStartupFailure())
                        .hasRootCauseInstanceOf(NoUniqueBeanDefinitionException.class));
    }

    @Test
    void aContextSupplierBeanIsIgnoredWhileTheLogIsOff() {
        jooq.withBean("importJob", AttemptContextSupplier.class, () -> () -> AttemptContext.actor("batch-import"))
                .run(context -> assertThat(logOf(context)).isSameAs(AttemptLog.OFF));
    }

    /**
     * The attempt-log methods of the Spring guard join the Spring transaction: its attempts commit and roll back with
     * it, and its history reads in it.
     */
    @Test
    void inASpringTransactionTheAttemptsCommitAndRollBackWithIt() {
        logging.run(context -> {
            SpringDuplicateGuard<FileKey> guard = guard(context);
            TransactionTemplate tx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
            AttemptContext carol = AttemptContext.of("carol", "upload-1");

            tx.executeWithoutResult(s -> {
                guard.register(key("undone.evtx"), carol);
                guard.registerAll(List.of(key("undone-batch.evtx"), key("undone-batch.evtx")), carol);
                assertThat(guard.history("case-1", 0, 10)).as("read in the transaction, before its end")
                        .extracting(Attempt::outcome).containsExactly(Attempt.Outcome.NEW, Attempt.Outcome.NEW,
                                Attempt.Outcome.DUPLICATE);
                s.setRollbackOnly();
            });
            assertThat(guard.history("case-1", 0, 10)).as("rolled back with the registrations").isEmpty();
            assertThat(guard.ownTransactions().history("case-1", 0, 10)).isEmpty();

            tx.executeWithoutResult(s -> {
                guard.register(key("kept.evtx"), carol);
                guard.registerAll(List.of(key("kept.evtx"), key("kept-batch.evtx")), carol);
            });
            List<Attempt> kept = guard.history("case-1", 0, 10);
            assertThat(kept).extracting(Attempt::outcome).containsExactly(Attempt.Outcome.NEW,
                    Attempt.Outcome.DUPLICATE, Attempt.Outcome.NEW);
            assertThat(kept).allSatisfy(a -> {
                assertThat(a.actor()).isEqualTo("carol");
                assertThat(a.reference()).isEqualTo("upload-1");
            });
            assertThat(guard.history(key("kept.evtx"), 0, 10)).hasSize(2);
            assertThat(guard.history(key("kept.evtx"), kept.get(0).sequence(), 10)).as("the next page")
                    .extracting(Attempt::sequence).containsExactly(kept.get(1).sequence());
        });
    }

    /** The JPA backend on the host entity, Spring Security's user as the actor, the log created by create-schema. */
    @Test
    void jpaBackendLogsTheSecurityUserOnTheHostEntity() {
        DedupGuardAutoConfigurationTest.jpaOnHostEntity()
                .withPropertyValues("dedup-guard.create-schema=true", "dedup-guard.attempt-log.enabled=true")
                .run(context -> {
                    @SuppressWarnings("unchecked")
                    SpringDuplicateGuard<CaseFileEntity> guard = context.getBean(SpringDuplicateGuard.class);
                    signIn("alice");
                    Registration<CaseFileEntity> first = guard.register(new CaseFileEntity(7, HASH, "a.evtx"));
                    signIn("bob");
                    guard.register(new CaseFileEntity(7, HASH, "a.evtx"));

                    List<Attempt> history = guard.history(FileKey.of("7", HASH, "a.evtx"), 0, 10);
                    assertThat(history).extracting(Attempt::actor, Attempt::outcome, Attempt::storedId)
                            .containsExactly(tuple("alice", Attempt.Outcome.NEW, first.id()),
                                    tuple("bob", Attempt.Outcome.DUPLICATE, first.id()));
                    assertThat(guard.history("7", 0, 10)).isEqualTo(history);
                });
    }

    private static DedupGuardConfigurationException configurationFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DedupGuardConfigurationException e) {
                return e;
            }
        }
        throw new AssertionError("no DedupGuardConfigurationException in " + failure, failure);
    }
}
