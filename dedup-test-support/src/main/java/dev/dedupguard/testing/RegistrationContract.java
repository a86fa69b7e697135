package dev.dedupguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dedupguard.DuplicateGuard;
import dev.dedupguard.FileKey;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.Registration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Registering one file at a time: a new file and its duplicate, what makes two files different, the names and hashes
 * that must be stored exactly or normalised, release, the name policies, and bad input rejected before any database
 * work.
 *
 * @param <F> the backend's registered type
 */
public abstract class RegistrationContract<F> extends ContractBase<F> {

    /** A part that runs on {@code setup}. */
    protected RegistrationContract(Setup<F> setup) {
        super(setup);
    }

    @Test
    void newFileIsStoredOnceAndItsDuplicateReportsTheSameId() {
        DuplicateGuard<F> guard = guard();
        FileKey key = Keys.key(42, 1);

        Registration<F> first = guard.register(file(key));
        Registration<F> second = guard.register(file(key));

        assertThat(first.isNew()).isTrue();
        assertThat(first).isInstanceOf(Registration.New.class);
        assertThat(second.isNew()).isFalse();
        assertThat(second).isInstanceOf(Registration.Duplicate.class);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.key()).isEqualTo(key);
        assertThat(rows(key)).isEqualTo(1);
        assertThat(guard.strategy()).isEqualTo(strategy());
    }

    @Test
    void scopeHashAndNameEachMakeADifferentFile() {
        DuplicateGuard<F> guard = guard();
        FileKey base = Keys.key(42, 1);
        FileKey otherName = FileKey.of(base.scope(), base.contentHash(), "server1_System.evtx");
        FileKey otherScope = FileKey.of("43", base.contentHash(), base.fileName());
        FileKey otherContent = FileKey.of(base.scope(), Keys.sha256("other"), base.fileName());

        List<Long> ids = new ArrayList<>();
        for (FileKey key : List.of(base, otherName, otherScope, otherContent)) {
            Registration<F> r = guard.register(file(key));
            assertThat(r.isNew()).as("%s is new", key).isTrue();
            ids.add(r.id());
        }
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(table().totalRows(database())).isEqualTo(4);
    }

    @Test
    void upperCaseHashIsTheSameFileAsLowerCase() {
        DuplicateGuard<F> guard = guard();
        FileKey lower = Keys.key(42, 7);
        FileKey upper = FileKey.of(lower.scope(), lower.contentHash().toUpperCase(), lower.fileName());

        long id = guard.register(file(lower)).id();
        Registration<F> again = guard.register(file(upper));

        assertThat(again.isNew()).isFalse();
        assertThat(again.id()).isEqualTo(id);
        assertThat(rows(lower)).isEqualTo(1);
    }

    @Test
    void namesAreStoredExactlyWithQuotesAndSqlMetacharacters() {
        DuplicateGuard<F> guard = guard();
        List<String> names = List.of("O'Brien\"; DROP TABLE case_file;--.pdf", "50%_off\\_%.xlsx",
                "\u202Egpj.exe", "e\u0301vidence.evtx", "\uD83D\uDCC1 folder/ sub\\file .txt", " leading and trailing ");
        for (String name : names) {
            FileKey key = FileKey.of("42", Keys.sha256(name), name);
            Registration<F> stored = guard.register(file(key));
            assertThat(stored.isNew()).as(name).isTrue();
            assertThat(table().storedName(database(), stored.id())).isEqualTo(name);
            Registration<F> again = guard.register(file(key));
            assertThat(again.isNew()).as(name).isFalse();
            assertThat(again.id()).isEqualTo(stored.id());
        }
        assertThat(table().totalRows(database())).isEqualTo(names.size());
    }

    @Test
    void releaseRemovesTheRegistrationSoItCanBeStoredAgain() {
        DuplicateGuard<F> guard = guard();
        FileKey key = Keys.key(42, 3);
        FileKey kept = Keys.key(42, 4);
        guard.register(file(key));
        guard.register(file(kept));

        assertThat(guard.release(file(key))).isTrue();
        assertThat(rows(key)).isZero();
        assertThat(guard.release(file(key))).isFalse();
        assertThat(guard.register(file(key)).isNew()).isTrue();
        assertThat(rows(kept)).as("other rows untouched").isEqualTo(1);
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void hashOfTheWrongAlgorithmIsRejectedBeforeAnyDatabaseWork() {
        DuplicateGuard<F> guard = guard();
        FileKey stored = Keys.key(42, 1);
        guard.register(file(stored));
        FileKey sha1 = FileKey.of("42", "a".repeat(40), "x.bin");

        assertThatThrownBy(() -> guard.register(file(sha1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contentHash").hasMessageContaining("64").hasMessageContaining("SHA_256");
        assertThatThrownBy(() -> guard.registerAll(List.of(file(Keys.key(42, 2)), file(sha1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("files[1]").hasMessageContaining("contentHash");
        assertThat(table().totalRows(database())).as("nothing stored, nothing lost").isEqualTo(1);
        assertThat(rows(stored)).isEqualTo(1);
    }

    @Test
    void nullFileIsRejected() {
        DuplicateGuard<F> guard = guard();
        assertThatThrownBy(() -> guard.register(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("file");
        assertThatThrownBy(() -> guard.registerAll(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("files");
    }

    @Test
    void longestAllowedNameIsStoredAndFoundAgain() {
        DuplicateGuard<F> guard = guard();
        int chars = table().maxNameChars(database());
        if (chars < Integer.MAX_VALUE) {
            // the declared length counts characters, not bytes: four-byte characters up to it fit, one more does not
            String name = "\uD83D\uDCC1".repeat(chars / 2) + "\u00e9".repeat(chars - chars / 2);
            FileKey key = FileKey.of("42", Keys.sha256(name), name);
            Registration<F> stored = guard.register(file(key));
            assertThat(stored.isNew()).isTrue();
            assertThat(table().storedName(database(), stored.id())).isEqualTo(name);
            assertThat(guard.register(file(key)).id()).isEqualTo(stored.id());
            assertThatThrownBy(() -> guard.register(file(FileKey.of("42", Keys.sha256("t"), name + "y"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fileName must be at most " + chars + " characters")
                    .hasMessageContaining("was " + (chars + 1) + " characters");
            assertThat(table().totalRows(database())).isEqualTo(1);
            return;
        }
        int limit = table().maxNameBytes(database());
        // three-byte characters plus ASCII so that the byte count is exactly the limit
        String name = "\u00e9".repeat(limit / 4) + "x".repeat(limit - 2 * (limit / 4));
        assertThat(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(limit);
        String random = randomName(new Random(7), limit);
        for (String n : List.of(name, random)) {
            FileKey key = FileKey.of("42", Keys.sha256(n), n);
            Registration<F> stored = guard.register(file(key));
            assertThat(stored.isNew()).isTrue();
            assertThat(table().storedName(database(), stored.id())).isEqualTo(n);
            assertThat(guard.register(file(key)).id()).isEqualTo(stored.id());
        }

        String tooLong = name + "y";
        assertThatThrownBy(() -> guard.register(file(FileKey.of("42", Keys.sha256("t"), tooLong))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileName").hasMessageContaining(Integer.toString(limit));
        assertThat(table().totalRows(database())).isEqualTo(2);
    }

    private static String randomName(Random random, int bytes) {
        StringBuilder sb = new StringBuilder();
        int used = 0;
        while (used < bytes) {
            int cp = random.nextBoolean() ? 'a' + random.nextInt(26) : 0x4E00 + random.nextInt(0x5000);
            int size = cp < 0x80 ? 1 : 3;
            if (used + size > bytes) {
                cp = 'z';
                size = 1;
            }
            sb.appendCodePoint(cp);
            used += size;
        }
        return sb.toString();
    }

    @Test
    void namePolicyDecidesWhichNamesAreTheSameButTheNameIsStoredAsGiven() {
        String composed = "R\u00e9sum\u00e9.PDF";
        String decomposed = "Re\u0301sume\u0301.PDF";
        String lower = "re\u0301sume\u0301.pdf";
        String hash = Keys.sha256("cv");
        Map<NamePolicy, List<Boolean>> expected = Map.of(
                NamePolicy.EXACT, List.of(true, true, true),
                NamePolicy.NFC, List.of(true, false, true),
                NamePolicy.NFC_CASE_INSENSITIVE, List.of(true, false, false));
        for (NamePolicy policy : NamePolicy.values()) {
            TestTable.clearAll(database());
            if (table().isHost() && policy != NamePolicy.EXACT) {
                assertThatThrownBy(() -> guard(options().namePolicy(policy).build()))
                        .isInstanceOf(dev.dedupguard.SchemaMismatchException.class)
                        .hasMessageContaining("name-key column");
                continue;
            }
            DuplicateGuard<F> guard = guard(options().namePolicy(policy).build());
            List<Boolean> news = new ArrayList<>();
            for (String name : List.of(composed, decomposed, lower)) {
                Registration<F> r = guard.register(file(FileKey.of("42", hash, name)));
                news.add(r.isNew());
                assertThat(table().storedName(database(), r.id())).as("stored name")
                        .isIn(composed, decomposed, lower);
                if (r.isNew()) {
                    assertThat(table().storedName(database(), r.id())).isEqualTo(name);
                }
            }
            assertThat(news).as("%s", policy).isEqualTo(expected.get(policy));
        }
    }
}
