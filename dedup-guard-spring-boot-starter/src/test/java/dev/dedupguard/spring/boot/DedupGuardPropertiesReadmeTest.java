package dev.dedupguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.evidence.CaseFile;
import dev.dedupguard.NamePolicy;
import dev.dedupguard.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

/**
 * The README's {@code application.properties} block (marked {@code <!-- properties: ... -->}), exactly as written,
 * loaded the way Spring Boot loads {@code application.properties} and bound as the starter binds it: every key is one
 * of the starter's, no value carries a trailing comment, and every value documented as a default is the default.
 */
class DedupGuardPropertiesReadmeTest {
    private static final String MARKER = "<!-- properties: dedup-guard-spring-boot-starter DedupGuardPropertiesReadmeTest";

    static String readmeBlock() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        List<String> readme = Files.readAllLines(dir.resolve("README.md"));
        int marker = -1;
        for (int i = 0; i < readme.size(); i++) {
            if (readme.get(i).startsWith(MARKER)) {
                assertThat(marker).as("one marked properties block").isEqualTo(-1);
                marker = i;
            }
        }
        assertThat(marker).as("README.md has the marked properties block").isPositive();
        assertThat(readme.get(marker + 1)).isEqualTo("```properties");
        StringBuilder block = new StringBuilder();
        for (int i = marker + 2; !readme.get(i).startsWith("```"); i++) {
            block.append(readme.get(i)).append('\n');
        }
        return block.toString();
    }

    private static Binder binder(String properties) throws IOException {
        List<PropertySource<?>> loaded = new PropertiesPropertySourceLoader().load("README.md",
                new ByteArrayResource(properties.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return loaded.isEmpty() ? new Binder(List.of()) : new Binder(ConfigurationPropertySources.from(loaded.get(0)));
    }

    @Test
    void theReadmeBlockBindsWithoutUnknownKeysOrTrailingComments() throws IOException {
        String block = readmeBlock();
        Map<?, ?> values = new PropertiesPropertySourceLoader().load("README.md",
                new ByteArrayResource(block.getBytes(java.nio.charset.StandardCharsets.UTF_8))).get(0).getSource()
                instanceof Map<?, ?> map ? map : Map.of();
        assertThat(values).as("keys set in the block").hasSizeGreaterThanOrEqualTo(14);
        assertThat(values.values()).as("a '#' after a value would become part of it")
                .allSatisfy(v -> assertThat(v.toString()).doesNotContain("#"));

        BindHandler strict = new NoUnboundElementsBindHandler(BindHandler.DEFAULT);
        DedupGuardProperties bound = binder(block).bind(StarterChecks.PREFIX,
                Bindable.of(DedupGuardProperties.class), strict).get();
        DedupGuardProperties defaults = binder("").bindOrCreate(StarterChecks.PREFIX, DedupGuardProperties.class);

        assertThat(bound.strategy()).isEqualTo(Strategy.UNIQUE_CONSTRAINT).isEqualTo(defaults.strategy());
        assertThat(bound.lockTimeout()).isEqualTo(Duration.ofSeconds(5)).isEqualTo(defaults.lockTimeout());
        assertThat(bound.namePolicy()).isEqualTo(NamePolicy.EXACT);
        assertThat(bound).usingRecursiveComparison().ignoringFields("host").as("the block documents the defaults")
                .isEqualTo(defaults);
        assertThat(bound.host().entity()).isEqualTo(CaseFile.class);
        assertThat(bound.host().scope()).isEqualTo("caseId");
        assertThat(bound.host().contentHash()).isEqualTo("fileHash");
        assertThat(bound.host().fileName()).isEqualTo("originalFilename");
    }

    @Test
    void everyPropertyOfTheStarterAppearsInTheBlock() throws IOException {
        String block = readmeBlock();
        for (String property : StarterChecks.knownProperties()) {
            assertThat(block).as("the README's properties block shows %s (set or commented out)", property)
                    .containsPattern("(?m)^#?" + java.util.regex.Pattern.quote(property) + "=");
        }
    }
}
