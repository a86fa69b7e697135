package dev.dedupguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GuardOptionsTest {

    @Test
    void defaults() {
        GuardOptions o = GuardOptions.builder().build();
        assertThat(o.strategy()).isEqualTo(Strategy.UNIQUE_CONSTRAINT);
        assertThat(o.lockTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.isolationLevel()).isEmpty();
        assertThat(o.maxAttempts()).isEqualTo(5);
        assertThat(o.namePolicy()).isEqualTo(NamePolicy.EXACT);
        assertThat(o.hashAlgorithm()).isEqualTo(HashAlgorithm.SHA_256);
        assertThat(o.lockStripes()).isEqualTo(1024);
        assertThat(o.batchChunkSize()).isEqualTo(500);
    }

    @Test
    void outOfRangeSettingsNameTheFieldAndValueAtOnce() {
        assertThatThrownBy(() -> GuardOptions.builder().lockTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lockTimeout must be between 1 ms and 1 hour, was PT0S");
        assertThatThrownBy(() -> GuardOptions.builder().lockTimeout(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockTimeout");
        assertThatThrownBy(() -> GuardOptions.builder().maxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAttempts must be between 1 and 100, was 0");
        assertThatThrownBy(() -> GuardOptions.builder().lockStripes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lockStripes must be between 1 and 1048576, was -1");
        assertThatThrownBy(() -> GuardOptions.builder().batchChunkSize(10_001))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("batchChunkSize must be between 1 and 10000, was 10001");
        assertThatThrownBy(() -> GuardOptions.builder().strategy(null))
                .isInstanceOf(NullPointerException.class).hasMessage("strategy must not be null");
    }

    @Test
    void optionsCopyEverySetting() {
        GuardOptions o = GuardOptions.builder().strategy(Strategy.NO_LOCK).lockTimeout(Duration.ofMillis(250))
                .isolation(Isolation.SERIALIZABLE).maxAttempts(9).namePolicy(NamePolicy.NFC)
                .hashAlgorithm(HashAlgorithm.SHA_512).lockStripes(64).batchChunkSize(7).build();
        assertThat(GuardOptions.builder().options(o).build()).isEqualTo(o);
    }
}
