package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.GuardOptions;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.Registration;
import dev.dedupguard.Strategy;
import dev.dedupguard.spi.StoredKey;
import java.text.Normalizer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The guard's equality as a property on every database and every table configuration the guard accepts: for pairs of
 * names (and scopes) that some collation would call equal -- case, accents, trailing blanks, width, normalisation form,
 * ß and ss, ligatures -- {@code register} answers {@code New} for each key the guard's {@link NamePolicy} keeps apart
 * and {@code Duplicate} (with the first one's id) only for a key it calls equal. A backend's test class extends this.
 *
 * <p>The tables are the contract suite's, on each database's defaults: the library table (name key, text scope) under
 * {@code EXACT} and {@code NFC_CASE_INSENSITIVE}, the host table (raw name, bigint scope) with its unique constraint and
 * without one. Each try registers into a scope of its own.
 *
 * @param <F> the backend's registered type
 */
public abstract class EqualityProperties<F> {
    private static final String HASH = "cd".repeat(32);
    private static final AtomicLong SCOPES = new AtomicLong(System.nanoTime() % 1_000_000_000L);
    private static final Map<String, DuplicateGuard<?>> GUARDS = new ConcurrentHashMap<>();

    /** A table the guard accepts, with the strategy and name policy it runs there. */
    enum Configuration {
        LIBRARY_EXACT(TestTable.LIBRARY, Strategy.UNIQUE_CONSTRAINT, NamePolicy.EXACT),
        LIBRARY_CASE_INSENSITIVE(TestTable.LIBRARY, Strategy.UNIQUE_CONSTRAINT, NamePolicy.NFC_CASE_INSENSITIVE),
        HOST_CONSTRAINED(TestTable.HOST, Strategy.UNIQUE_CONSTRAINT, NamePolicy.EXACT),
        HOST_STRIPES(TestTable.HOST_UNCONSTRAINED, Strategy.SELECT_FOR_UPDATE, NamePolicy.EXACT);

        final TestTable table;
        final Strategy strategy;
        final NamePolicy policy;

        Configuration(TestTable table, Strategy strategy, NamePolicy policy) {
            this.table = table;
            this.strategy = strategy;
            this.policy = policy;
        }
    }

    /** One way a collation may call two different strings the same. */
    record Variant(String label, UnaryOperator<String> apply) {
        @Override
        public String toString() {
            return label;
        }
    }

    /** The backend under test. */
    protected abstract GuardBackend<F> backend();

    @Property(tries = 120)
    void aDuplicateOnlyForAKeyTheGuardCallsEqual(@ForAll("databases") TestDatabase db,
            @ForAll Configuration configuration, @ForAll("names") String name, @ForAll("variants") Variant variant,
            @ForAll boolean varyTheScope) {
        DuplicateGuard<F> guard = guard(db, configuration);
        boolean textScope = !configuration.table.isHost();
        String scope = textScope ? "Case-" + SCOPES.incrementAndGet() : Long.toString(SCOPES.incrementAndGet());
        String otherScope = varyTheScope && textScope ? variant.apply().apply(scope) : scope;
        String otherName = varyTheScope && textScope ? name : variant.apply().apply(name);
        FileKey first = FileKey.of(scope, HASH, name);
        FileKey second = FileKey.of(otherScope, HASH, otherName);

        Registration<F> a = guard.register(backend().file(configuration.table, first));
        Registration<F> b = guard.register(backend().file(configuration.table, second));

        boolean equal = StoredKey.of(first, configuration.policy).equals(StoredKey.of(second, configuration.policy));
        assertThat(a.isNew()).as("%s is new", first).isTrue();
        assertThat(b.isNew()).as("%s after %s (%s, %s)", second, first, variant, configuration).isEqualTo(!equal);
        if (equal) {
            assertThat(b.id()).isEqualTo(a.id());
        } else {
            assertThat(guard.register(backend().file(configuration.table, second)).id()).isEqualTo(b.id());
        }
        assertThat(guard.register(backend().file(configuration.table, first)).id()).isEqualTo(a.id());
    }

    @SuppressWarnings("unchecked")
    private DuplicateGuard<F> guard(TestDatabase db, Configuration configuration) {
        return (DuplicateGuard<F>) GUARDS.computeIfAbsent(getClass().getName() + db + configuration, k -> {
            TestTable.createAll(db);
            return backend().guard(db, configuration.table, GuardOptions.builder()
                    .strategy(configuration.strategy).namePolicy(configuration.policy)
                    .lockTimeout(Duration.ofSeconds(10)).build());
        });
    }

    @Provide
    Arbitrary<TestDatabase> databases() {
        return Arbitraries.of(TestDatabase.defaults());
    }

    /** File names with letters that collations fold: ASCII, accents, ß, ligatures, full width. */
    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> stem = Arbitraries.strings().withChars("abcXYZe\u00e9\u00c9\u00df\ufb01\uff41s").ofMinLength(1)
                .ofMaxLength(12);
        return Combinators.combine(stem, Arbitraries.of(".pdf", ".PDF", ".evtx", "")).as((s, ext) -> s + ext);
    }

    @Provide
    Arbitrary<Variant> variants() {
        return Arbitraries.of(List.of(
                new Variant("upper case", s -> s.toUpperCase(Locale.ROOT)),
                new Variant("lower case", s -> s.toLowerCase(Locale.ROOT)),
                new Variant("trailing blank", s -> s + " "),
                new Variant("accents removed", s -> Normalizer.normalize(s, Normalizer.Form.NFD)
                        .replaceAll("\\p{M}", "")),
                new Variant("accented e", s -> s.replace('e', '\u00e9')),
                new Variant("decomposed (NFD)", s -> Normalizer.normalize(s.replace('e', '\u00e9'),
                        Normalizer.Form.NFD)),
                new Variant("full width", s -> s.indexOf('\uff41') >= 0 ? s.replace('\uff41', 'a')
                        : s.replace('a', '\uff41')),
                new Variant("ss and \u00df", s -> s.indexOf('\u00df') >= 0 ? s.replace("\u00df", "ss")
                        : s.replace("s", "\u00df")),
                new Variant("ligature fi", s -> s.indexOf('\ufb01') >= 0 ? s.replace("\ufb01", "fi")
                        : s.replace("fi", "\ufb01")),
                new Variant("unchanged", s -> s)));
    }
}
