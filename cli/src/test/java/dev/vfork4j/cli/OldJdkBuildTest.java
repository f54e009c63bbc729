package dev.vfork4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newcomer's plain {@code mvn} in the checkout, under a JDK older than 25: the build must stop
 * at the enforcer's message saying which JDK to use, not fail earlier because the JVM that runs
 * Maven rejects an option of {@code .mvn/jvm.config}. Skipped unless {@code mvn} is on the PATH and
 * a JDK older than 25 sits under /usr/lib/jvm (Debian's default JDK 17 is one).
 */
class OldJdkBuildTest {

    private static final Pattern RELEASE_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(?:1\\.)?(\\d+)");

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void plainMavenUnderAnOldJdkEndsInTheEnforcersMessage(@TempDir Path dir) throws Exception {
        Optional<Path> mvn = onPath("mvn");
        assumeTrue(mvn.isPresent(), "no mvn on the PATH");
        Optional<Path> oldJdk = oldJdk();
        assumeTrue(oldJdk.isPresent(), "no JDK older than 25 under /usr/lib/jvm");
        Path root = Path.of(System.getProperty("vfork4j.projectRoot", "..")).toAbsolutePath().normalize();
        assertThat(root.resolve(".mvn/jvm.config")).as("the project root").exists();

        List<String> command = new ArrayList<>(List.of(mvn.get().toString(), "-B", "-q", "validate"));
        // The enforcer plugin is in the local repository this build uses: the reactor ran it already.
        String repo = System.getProperty("vfork4j.localRepository", "");
        if (!repo.isEmpty() && !repo.contains("${")) {
            command.addAll(List.of("-o", "-Dmaven.repo.local=" + repo));
        }
        Path log = dir.resolve("mvn.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile())
            .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(name -> name.startsWith("MAVEN_"));
        env.put("JAVA_HOME", oldJdk.get().toString());
        Process p = pb.start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("mvn did not finish within 150 s: " + Files.readString(log, UTF_8));
        }
        String output = Files.readString(log, UTF_8);
        assertThat(output).as("mvn under " + oldJdk.get())
            .doesNotContain("Unrecognized option")
            .doesNotContain("Could not create the Java Virtual Machine")
            .contains("vfork4j needs JDK 25 or newer");
        assertThat(p.exitValue()).as(output).isNotZero();
    }

    private static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .filter(d -> !d.isEmpty())
            .map(d -> Path.of(d, program))
            .filter(Files::isExecutable)
            .findFirst();
    }

    /** A JDK under /usr/lib/jvm whose release file says a feature version below 25. */
    private static Optional<Path> oldJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.sorted().filter(home -> {
                Path release = home.resolve("release");
                if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isReadable(release)) {
                    return false;
                }
                try {
                    Matcher m = RELEASE_VERSION.matcher(Files.readString(release, UTF_8));
                    return m.find() && Integer.parseInt(m.group(1)) < 25;
                } catch (IOException e) {
                    return false;
                }
            }).findFirst();
        }
    }
}
