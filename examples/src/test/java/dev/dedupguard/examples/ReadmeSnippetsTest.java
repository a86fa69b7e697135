package dev.dedupguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Checks that every marked block of the README ({@code <!-- snippet: path#tag -->} above it) is a verbatim copy of a
 * tagged region of a compiled source file, that every Java block of the quick start is marked, and that every tagged
 * region of the quick-start sources is quoted, so that the quick start cannot drift from code that compiles and is
 * run by {@link QuickStartTest}.
 */
class ReadmeSnippetsTest {
    private static final Pattern MARKER = Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->");
    private static final Pattern FILE_MARKER = Pattern.compile("<!-- file: (\\S+) -->");
    private static final Pattern TAG = Pattern.compile("//\\s*tag::([\\w-]+)\\[]");
    private static final List<String> QUOTED_SOURCES = List.of(
            "examples/src/main/java/dev/dedupguard/examples/QuickStartJooq.java",
            "examples/src/main/java/dev/dedupguard/examples/QuickStartJpa.java",
            "examples/src/main/java/dev/dedupguard/examples/CaseFileEntity.java");

    private static final Path ROOT = root();

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("README.md")) || !Files.exists(dir.resolve("examples"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    private record Block(int line, String source, String tag, String text) {
    }

    private static List<Block> markedBlocks(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher m = MARKER.matcher(readme.get(i));
            if (!m.find()) {
                continue;
            }
            int open = i + 1;
            assertThat(readme.get(open)).as("README.md line %d: a snippet marker must be followed by a code block",
                    open + 1).startsWith("```");
            StringBuilder text = new StringBuilder();
            int j = open + 1;
            while (!readme.get(j).startsWith("```")) {
                text.append(readme.get(j)).append('\n');
                j++;
            }
            blocks.add(new Block(i + 1, m.group(1), m.group(2), text.toString()));
            i = j;
        }
        return blocks;
    }

    /** The lines between {@code // tag::name[]} and {@code // end::name[]}, without their common indentation. */
    static String region(Path file, String tag) throws IOException {
        List<String> lines = Files.readAllLines(file);
        int start = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            String trimmed = lines.get(i).strip();
            if (trimmed.equals("// tag::" + tag + "[]")) {
                start = i + 1;
            } else if (trimmed.equals("// end::" + tag + "[]")) {
                end = i;
            }
        }
        assertThat(start).as("%s has no tag::%s[]", file, tag).isPositive();
        assertThat(end).as("%s has no end::%s[] after its tag", file, tag).isGreaterThanOrEqualTo(start);
        List<String> region = lines.subList(start, end);
        int indent = region.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        StringBuilder text = new StringBuilder();
        for (String line : region) {
            text.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        return text.toString();
    }

    @Test
    void everyMarkedBlockEqualsItsTaggedRegion() throws IOException {
        List<Block> blocks = markedBlocks(Files.readAllLines(ROOT.resolve("README.md")));
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(8);
        for (Block b : blocks) {
            String expected = region(ROOT.resolve(b.source()), b.tag());
            assertThat(b.text()).as("README.md line %d quotes %s#%s; replace the block's content with the tagged "
                    + "region:%n%s", b.line(), b.source(), b.tag(), expected).isEqualTo(expected);
        }
    }

    /** A block marked {@code <!-- file: path -->} is the whole file, e.g. the shipped host-table DDL. */
    @Test
    void everyFileBlockEqualsItsFile() throws IOException {
        List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
        int files = 0;
        for (int i = 0; i < readme.size(); i++) {
            Matcher m = FILE_MARKER.matcher(readme.get(i));
            if (!m.find()) {
                continue;
            }
            assertThat(readme.get(i + 1)).as("README.md line %d: a file marker must be followed by a code block",
                    i + 2).startsWith("```");
            StringBuilder text = new StringBuilder();
            int j = i + 2;
            while (!readme.get(j).startsWith("```")) {
                text.append(readme.get(j)).append('\n');
                j++;
            }
            assertThat(text.toString()).as("README.md line %d quotes %s; replace the block's content with the file",
                    i + 1, m.group(1)).isEqualTo(Files.readString(ROOT.resolve(m.group(1))));
            files++;
            i = j;
        }
        assertThat(files).as("the shipped host-table DDL for PostgreSQL, MariaDB and H2").isGreaterThanOrEqualTo(3);
    }

    @Test
    void everyQuickStartJavaBlockIsMarkedAndEveryQuickStartRegionIsQuoted() throws IOException {
        List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
        int start = readme.indexOf("## Quick start");
        assertThat(start).as("README.md has a '## Quick start' section").isPositive();
        int end = start + 1;
        while (end < readme.size() && !readme.get(end).startsWith("## ")) {
            end++;
        }
        for (int i = start; i < end; i++) {
            if (readme.get(i).strip().equals("```java")) {
                assertThat(i > 0 && MARKER.matcher(readme.get(i - 1)).find())
                        .as("README.md line %d: a Java block needs a <!-- snippet: path#tag --> line above it, "
                                + "quoting compiled code", i + 1).isTrue();
            }
        }
        Set<String> quoted = new LinkedHashSet<>();
        markedBlocks(readme).forEach(b -> quoted.add(b.source() + "#" + b.tag()));
        for (String source : QUOTED_SOURCES) {
            Matcher m = TAG.matcher(Files.readString(ROOT.resolve(source)));
            while (m.find()) {
                assertThat(quoted).as("the README quotes every region of " + source).contains(source + "#" + m.group(1));
            }
        }
    }

    @Test
    void theReadmesDependencyVersionsAreThoseTheBuildUses() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String readme = Files.readString(ROOT.resolve("README.md"));
        String[][] dependencies = {{"postgresql", "postgresql.version"}, {"HikariCP", "hikaricp.version"},
            {"slf4j-simple", "slf4j.version"}};
        for (String[] dependency : dependencies) {
            Matcher version = Pattern.compile("<" + Pattern.quote(dependency[1]) + ">([^<]+)<").matcher(pom);
            assertThat(version.find()).as(dependency[1]).isTrue();
            assertThat(readme).as("README.md's %s dependency", dependency[0]).containsPattern(
                    "<artifactId>" + dependency[0] + "</artifactId>\\s*<version>" + Pattern.quote(version.group(1))
                            + "</version>");
        }
        Matcher project = Pattern.compile("<artifactId>dedup-guard-parent</artifactId>\\s*<version>([^<]+)<")
                .matcher(pom);
        assertThat(project.find()).isTrue();
        assertThat(readme).containsPattern("<artifactId>dedup-guard-bom</artifactId>\\s*<version>"
                + Pattern.quote(project.group(1)) + "</version>");
    }
}
