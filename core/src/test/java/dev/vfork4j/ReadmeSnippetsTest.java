package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code ```java} block of the README compiles and runs as written: a reader who pastes
 * one into a method that {@code throws Exception}, with the imports below, gets what the
 * README says. Each block is compiled on its own (it must declare every name it uses) against
 * this build's classes, and run here, bounded in time.
 */
class ReadmeSnippetsTest {
    /** The imports a snippet may rely on; the README says so above its first snippet. */
    static final String IMPORTS = """
        import dev.vfork4j.*;
        import java.io.*;
        import java.nio.*;
        import java.nio.channels.*;
        import java.nio.charset.*;
        import java.nio.file.*;
        import java.time.*;
        import java.util.*;
        import java.util.concurrent.*;
        import static java.nio.file.StandardOpenOption.*;
        """;

    private static final Pattern BLOCK = Pattern.compile("(?m)^```java\\n(.*?)^```", Pattern.DOTALL);

    static Path readme() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("README.md");
            if (Files.isRegularFile(candidate) && Files.isDirectory(dir.resolve("core"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
    }

    /** The README's java blocks, numbered from 1 with the line each starts on. */
    static Stream<Snippet> snippets() throws IOException {
        String text = Files.readString(readme());
        List<Snippet> found = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            int line = (int) text.substring(0, m.start()).lines().count() + 1;
            found.add(new Snippet(found.size() + 1, line, m.group(1)));
        }
        return found.stream();
    }

    record Snippet(int number, int line, String code) {
        @Override
        public String toString() {
            return "README.md:" + line;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snippets")
    void compilesAndRunsAsWritten(Snippet s, @TempDir Path out) throws Exception {
        String className = "ReadmeSnippet" + s.number();
        String source = IMPORTS + "public class " + className + " {\n"
            + "    public static void run() throws Exception {\n" + s.code() + "\n    }\n}\n";
        Path file = out.resolve(className + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean compiled = javac.getTask(diagnostics, null, null,
            List.of("-proc:none", "-Xlint:none", "-cp", System.getProperty("java.class.path"), "-d", out.toString()),
            null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(file)).call();
        assertThat(compiled).as("the snippet at %s compiles:%n%s%n%s", s, s.code(), diagnostics).isTrue();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            Method run = loader.loadClass(className).getMethod("run");
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                try {
                    run.invoke(null);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }, () -> "the snippet at " + s + " finishes within 60 s");
        }
    }

    @org.junit.jupiter.api.Test
    void theReadmeHasSnippetsToCheck() throws IOException {
        assertThat(snippets()).hasSizeGreaterThanOrEqualTo(2);
    }
}
