package dev.dedupguard.modules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dedupguard.FileKey;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles a user's module against the built {@code dev.dedupguard} module, as an application would: the API and the
 * port are usable, the engine in {@code internal} is not.
 */
class ModuleBoundaryTest {
    @TempDir
    Path work;

    @Test
    void aUserModuleCanUseTheApiAndThePort() throws Exception {
        String out = compile("""
                package user.app;

                import dev.dedupguard.FileKey;
                import dev.dedupguard.spi.StorageBackend;

                public class Uses {
                    public static Class<?> port() {
                        return StorageBackend.class;
                    }

                    public static FileKey key() {
                        return FileKey.of("case-7", "a".repeat(64), "x.pdf");
                    }
                }
                """);
        assertThat(out).isEmpty();
    }

    @Test
    void aUserModuleCannotReachTheInternalEngine() throws Exception {
        String out = compile("""
                package user.app;

                import dev.dedupguard.internal.GuardFactory;

                public class Uses {
                    public static Class<?> engine() {
                        return GuardFactory.class;
                    }
                }
                """);
        assertThat(out).contains("package dev.dedupguard.internal is not visible")
                .contains("declared in module dev.dedupguard, which does not export it");
    }

    @Test
    void aThirdPartyBackendModuleTurnsItsStorageIntoAGuardThroughThePort() throws Exception {
        String out = compile("""
                package user.app;

                import dev.dedupguard.DuplicateGuard;
                import dev.dedupguard.FileKey;
                import dev.dedupguard.GuardOptions;
                import dev.dedupguard.spi.Guards;
                import dev.dedupguard.spi.StorageBackend;

                public class Uses {
                    public static DuplicateGuard<FileKey> guard(StorageBackend<FileKey> storage) {
                        return Guards.create(storage, GuardOptions.builder().build());
                    }
                }
                """);
        assertThat(out).isEmpty();
    }

    /** Compiles module {@code user.app} with one class; returns the compiler's diagnostics (empty on success). */
    private String compile(String source) throws IOException, URISyntaxException {
        Path src = work.resolve("src");
        Files.createDirectories(src.resolve("user/app"));
        Files.writeString(src.resolve("module-info.java"), "module user.app { requires dev.dedupguard; }");
        Path file = src.resolve("user/app/Uses.java");
        Files.writeString(file, source);
        String modulePath = locationOf(FileKey.class) + java.io.File.pathSeparator + locationOf(NullMarked.class);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        javac.getTask(diagnostics, null, null, List.of("--module-path", modulePath, "--class-path", work.toString(), "-d",
                work.resolve("out").toString()), null, javac.getStandardFileManager(null, null, null)
                .getJavaFileObjects(src.resolve("module-info.java"), file)).call();
        return diagnostics.toString();
    }

    private static Path locationOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
