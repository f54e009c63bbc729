package dev.vfork4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code package} built, used the ways a newcomer uses it: the CLI jar copied on its own to
 * another directory and run with {@code java -jar}, and the {@code vfork4j} launcher started
 * through a symbolic link from elsewhere. Runs in the integration-test phase, after the jar exists.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PackagedCliIT {

    private static final Path JAR = Path.of(System.getProperty("vfork4j.cliJar", "target/vfork4j-cli.jar"))
        .toAbsolutePath();
    /** The jar the launcher runs (on the module path) and compares the sources against. */
    private static final Path LAUNCHED = Path.of(System.getProperty("vfork4j.cliModules", "target/modules"),
        "vfork4j-cli.jar").toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    @Test
    void theJarCopiedAloneRunsDoctorFromAnotherDirectory() throws Exception {
        Path alone = Files.copy(JAR, dir.resolve("vfork4j-cli.jar"));
        Result r = run(dir, JAVA, "--enable-native-access=ALL-UNNAMED", "-jar", alone.toString(), "doctor");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("native access          enabled").containsPattern("(?m)^best +[A-Z_]+: ");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theJarsManifestGrantsNativeAccessWithoutTheFlag() throws Exception {
        Path alone = Files.copy(JAR, dir.resolve("vfork4j-cli.jar"));
        Result r = run(dir, JAVA, "-jar", alone.toString(), "run", "--", "echo", "hi");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hi\n");
        // No "WARNING: A restricted method ... has been called" either.
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theLauncherRunsThroughASymbolicLinkFromAnotherDirectory() throws Exception {
        Path launcher = Path.of(System.getProperty("vfork4j.projectRoot", ".."), "vfork4j").toAbsolutePath().normalize();
        assertThat(launcher).as("the launcher at the project root").isExecutable();
        // Were a source newer than the jar, the launcher would start a build of its own into
        // the target directory this build is using. After `package` it is not; run in the
        // test phase (-Dtest=...) it can be, and then this test has nothing to check.
        Optional<Path> newer = sourceNewerThan(launcher.getParent(), Files.getLastModifiedTime(LAUNCHED));
        assumeTrue(newer.isEmpty(), () -> newer.get() + " is newer than " + LAUNCHED + ": run this after `package`");
        Path link = Files.createSymbolicLink(dir.resolve("vfork4j"), launcher);
        Result r = run(dir, link.toString(), "--version");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("vfork4j " + Version.cli() + " ");
        assertThat(r.err()).as("nothing to build, nothing to warn about").isEmpty();
    }

    /** A source the launcher watches (as its stale() does) modified after {@code built}. */
    private static Optional<Path> sourceNewerThan(Path root, FileTime built) throws IOException {
        List<Path> roots = List.of(root.resolve("pom.xml"), root.resolve("core"), root.resolve("ballast"), root.resolve("cli"));
        for (Path r : roots) {
            try (Stream<Path> files = Files.walk(r)) {
                Optional<Path> newer = files
                    .filter(f -> !f.toString().contains("/target/") && Files.isRegularFile(f))
                    .filter(f -> f.toString().endsWith(".java") || f.getFileName().toString().equals("pom.xml")
                        || f.toString().contains("/resources/"))
                    .filter(f -> {
                        try {
                            return Files.getLastModifiedTime(f).compareTo(built) > 0;
                        } catch (IOException e) {
                            return true;
                        }
                    })
                    .findFirst();
                if (newer.isPresent()) {
                    return newer;
                }
            }
        }
        return Optional.empty();
    }

    private record Result(int code, String out, String err) {}

    private Result run(Path workingDir, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "stdout", "");
        Path err = Files.createTempFile(dir, "stderr", "");
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(workingDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile()).redirectError(err.toFile())
            .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }
}
