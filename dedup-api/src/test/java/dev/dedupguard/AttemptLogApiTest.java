package dev.dedupguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The attempt log's settings and values refuse bad input with a message that names the field and the rule. */
class AttemptLogApiTest {

    @Test
    void theLogIsOffUnlessTurnedOnAndNamesAPlainTable() {
        assertThat(GuardOptions.builder().build().attemptLog()).isSameAs(AttemptLog.OFF);
        assertThat(AttemptLog.OFF.isEnabled()).isFalse();
        assertThat(AttemptLog.enabled().table()).isEqualTo("dedup_attempt");
        assertThat(AttemptLog.in("audit.evidence_attempt").table()).isEqualTo("audit.evidence_attempt");
        assertThatThrownBy(() -> AttemptLog.in("attempts; drop table x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attempt log table must be an unquoted SQL identifier, optionally schema-qualified "
                        + "(letters, digits, _), was 'attempts; drop table x'");
        assertThatThrownBy(() -> AttemptLog.OFF.withContext(() -> AttemptContext.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the attempt log is off");
    }

    @Test
    void theContextSupplierIsAskedOnEveryCallAndNullMeansNone() {
        String[] user = {"a"};
        AttemptLog log = AttemptLog.enabled().withContext(() -> user[0] == null ? null : AttemptContext.actor(user[0]));
        assertThat(log.currentContext().actor()).isEqualTo("a");
        user[0] = "b";
        assertThat(log.currentContext().actor()).isEqualTo("b");
        user[0] = null;
        assertThat(log.currentContext()).isEqualTo(AttemptContext.NONE);
        assertThat(GuardOptions.builder().attemptLog(log).build().attemptLog()).isSameAs(log);
    }

    @Test
    void anActorOrReferenceIsShortPrintableTextOrAbsent() {
        assertThat(AttemptContext.of("j.doe", "upload-1").reference()).isEqualTo("upload-1");
        assertThat(AttemptContext.of(null, null)).isEqualTo(AttemptContext.NONE);
        assertThatThrownBy(() -> AttemptContext.actor("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("actor must be 1 to 255 characters or null, was 0 characters");
        assertThatThrownBy(() -> AttemptContext.of(null, "x".repeat(256))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reference must be 1 to 255 characters or null, was 256 characters");
        assertThatThrownBy(() -> AttemptContext.actor("j.doe\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("actor must not hold control characters or unpaired surrogates; U+000A at index 5");
        assertThatThrownBy(() -> AttemptContext.actor("a\uD800")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogates");
        assertThat(AttemptContext.actor("\uD83D\uDD0D analyst").actor()).startsWith("\uD83D\uDD0D");
    }

    @Test
    void aLoggedAttemptNamesARowExactlyWhenItWasNotRefused() {
        FileKey key = FileKey.of("1", "ab".repeat(32), "a.bin");
        Instant now = Instant.now();
        assertThat(new Attempt(1, key, Attempt.Outcome.NEW, null, 7L, null, null, now).storedId()).isEqualTo(7L);
        assertThatThrownBy(() -> new Attempt(1, key, Attempt.Outcome.REFUSED, null, null, null, null, now))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Attempt(1, key, Attempt.Outcome.DUPLICATE, null, null, null, null, now))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Attempt(1, key, Attempt.Outcome.REFUSED, "X", 3L, null, null, now))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
