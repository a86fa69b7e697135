package dev.dedupguard.benchmarks;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.jooq.JooqDuplicateGuard;
import dev.dedupguard.jpa.DedupFile;
import dev.dedupguard.jpa.JpaDuplicateGuard;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.matcher.ElementMatchers;
import org.h2.jdbcx.JdbcDataSource;
import org.jooq.SQLDialect;

/**
 * Counts how often one {@code register} call crosses a module boundary, by running it: a Byte Buddy agent records every
 * {@code dev.dedupguard} method the registering thread enters, with the module (jar or classes directory) of the class
 * that declares it, and counts the calls whose caller and callee lie in different modules. Calls into the API's value
 * types ({@code FileKey}, {@code StoredKey}, {@code StoredRow}, {@code Stored}, {@code TransactionSpec},
 * {@code GuardOptions}: accessors and factories) and a backend's calls into the values it hands a row over in
 * ({@code HostRows.Row}, {@code HostRows.Transaction}, {@code HostRows.Columns}: factories and accessors) are counted
 * apart from the control crossings; the guard's calls back into a row's callbacks (its binder, its outcome) count as
 * control.
 *
 * <p>One {@code register} of a new key in the guard's own transaction, on an in-process H2 library table, after a
 * warm-up registration; for jOOQ and JPA, {@code UNIQUE_CONSTRAINT} and {@code SELECT_FOR_UPDATE}. Run:
 * {@code mvn -B -ntp -q -pl dedup-benchmarks -am package -DskipTests exec:java
 * -Dexec.mainClass=dev.dedupguard.benchmarks.ModuleCrossings} (option {@code --list}: every crossing).
 */
public final class ModuleCrossings {
    private static final List<String> MODULES = List.of("dedup-api", "dedup-jdbc", "dedup-jooq", "dedup-jpa");
    private static final Pattern VALUE_TYPES = Pattern.compile("dedup-api dev\\.dedupguard\\.(FileKey|spi\\.StoredKey|"
            + "spi\\.StoredRow|spi\\.StorageSession\\$Stored|spi\\.StorageBackend\\$TransactionSpec|GuardOptions)\\..*"
            + "|dedup-jdbc dev\\.dedupguard\\.jdbc\\.HostRows\\$(Row|Transaction|Columns)\\..*");
    private static volatile Thread traced;
    private static final ArrayDeque<String[]> STACK = new ArrayDeque<>();
    private static final List<String> CROSSINGS = new ArrayList<>();

    private ModuleCrossings() {
    }

    /**
     * Prints the count for each backend and strategy.
     *
     * @param args {@code --list} to print every crossing as well
     */
    public static void main(String[] args) {
        new AgentBuilder.Default().disableClassFormatChanges()
                .type(ElementMatchers.nameStartsWith("dev.dedupguard.")
                        .and(ElementMatchers.not(ElementMatchers.nameStartsWith("dev.dedupguard.benchmarks.")))
                        .and(ElementMatchers.not(ElementMatchers.isInterface())))
                .transform((builder, type, loader, module, domain) -> builder.visit(Advice.to(Recorder.class)
                        .on(ElementMatchers.isMethod().and(ElementMatchers.not(ElementMatchers.isAbstract())))))
                .installOn(ByteBuddyAgent.install());
        boolean list = List.of(args).contains("--list");
        PrintStream out = System.out;
        out.println("backend  strategy            crossings  into value types  control");
        for (String backend : List.of("jooq", "jpa")) {
            for (Strategy strategy : List.of(Strategy.UNIQUE_CONSTRAINT, Strategy.SELECT_FOR_UPDATE)) {
                CROSSINGS.clear();
                Registration<FileKey> r = traceOne(backend, strategy);
                if (!r.isNew()) {
                    throw new IllegalStateException("the traced registration was not new: " + r);
                }
                long values = CROSSINGS.stream().filter(c -> VALUE_TYPES.matcher(c.substring(c.indexOf("->  ") + 4))
                        .matches()).count();
                out.printf(Locale.ROOT, "%-8s %-19s %9d  %16d  %7d%n", backend, strategy, CROSSINGS.size(), values,
                        CROSSINGS.size() - values);
                if (list) {
                    CROSSINGS.forEach(c -> out.println("    " + c));
                }
            }
        }
    }

    private static Registration<FileKey> traceOne(String backend, Strategy strategy) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:crossings_" + backend + "_" + strategy + ";DB_CLOSE_DELAY=-1");
        DuplicateGuard<FileKey> guard;
        EntityManagerFactory emf = null;
        if (backend.equals("jooq")) {
            guard = JooqDuplicateGuard.forLibraryTable(ds, SQLDialect.H2).strategy(strategy).createSchemaIfMissing(true)
                    .build();
        } else {
            emf = new PersistenceConfiguration("crossings").managedClass(DedupFile.class)
                    .property("hibernate.connection.datasource", ds).createEntityManagerFactory();
            guard = JpaDuplicateGuard.forLibraryEntity(emf).strategy(strategy).createSchemaIfMissing(true).build();
        }
        String hash = "a".repeat(64);
        guard.register(FileKey.of("case-1", hash, "warm-up.pdf"));
        traced = Thread.currentThread();
        Registration<FileKey> r;
        try {
            r = guard.register(FileKey.of("case-1", hash, "traced.pdf"));
        } finally {
            traced = null;
            STACK.clear();
        }
        if (emf != null) {
            emf.close();
        }
        return r;
    }

    private static String module(Class<?> type) {
        String location = String.valueOf(type.getProtectionDomain().getCodeSource().getLocation());
        for (String module : MODULES) {
            if (location.contains("/" + module + "/") || location.contains("/" + module + "-")) {
                return module;
            }
        }
        return location;
    }

    /**
     * Called on entry to every woven method (public, since the advice runs inside the woven classes).
     *
     * @param type the class that declares the method
     * @param method the method, as {@code type.name}
     */
    public static void enter(Class<?> type, String method) {
        if (Thread.currentThread() != traced) {
            return;
        }
        String module = module(type);
        String[] caller = STACK.peek();
        if (caller != null && !caller[0].equals(module)) {
            CROSSINGS.add(caller[0] + " " + caller[1] + "  ->  " + module + " " + method);
        }
        STACK.push(new String[] {module, method});
    }

    /** Called on every exit of a woven method, also by an exception. */
    public static void exit() {
        if (Thread.currentThread() == traced) {
            STACK.poll();
        }
    }

    /** The advice woven into every method: records entry and exit. */
    static final class Recorder {
        private Recorder() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Origin Class<?> type, @Advice.Origin("#t.#m") String method) {
            ModuleCrossings.enter(type, method);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit() {
            ModuleCrossings.exit();
        }
    }
}
