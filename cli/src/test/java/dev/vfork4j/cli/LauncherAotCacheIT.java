package dev.vfork4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code vfork4j} launcher's AOT cache of the CLI (cli/target/vfork4j-cli.aot): made by a
 * quiet training run for a jar it has not seen, used on every start after, made again when the
 * jar is rebuilt or the cache is overwritten, and never a word about any of it on the
 * terminal; a JDK that cannot make one leaves the CLI running without, and is not asked again.
 * Whether the running CLI has the cache is read from its own memory map, as the child it ran
 * sees it ({@code /proc/$PPID/maps}: the JVM maps the cache file). Runs after {@code package},
 * on the modules this build made (the launcher runs the CLI on the module path), and leaves a
 * freshly trained cache behind.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LauncherAotCacheIT {

    /** The jar the launcher runs (the CLI's module) and compares the sources and the cache against. */
    private static final Path JAR = Path.of(System.getProperty("vfork4j.cliModules", "target/modules"), "vfork4j-cli.jar")
        .toAbsolutePath();
    private static final Path TARGET = JAR.getParent().getParent();
    private static final Path CACHE = TARGET.resolve("vfork4j-cli.aot");
    private static final Path STATE = TARGET.resolve("vfork4j-cli.jvm");
    private static final Path LAUNCHER = Path.of(System.getProperty("vfork4j.projectRoot", ".."), "vfork4j")
        .toAbsolutePath().normalize();
    /** A child that prints how many mappings of the cache file its parent, the CLI's JVM, has. */
    private static final String[] COUNT_CACHE_MAPPINGS =
        {"run", "--", "sh", "-c", "grep -c vfork4j-cli.aot /proc/$PPID/maps || true"};

    @TempDir
    Path dir;

    @BeforeEach
    void jarBuiltAndNewest() throws IOException {
        assumeTrue(Files.isRegularFile(JAR), () -> JAR + " is missing: run this after `package`");
        // Newer than every source, so that the launcher runs this jar instead of building one
        // (in the test phase, with -Dtest=..., a source may be newer).
        Files.setLastModifiedTime(JAR, FileTime.from(Instant.now()));
    }

    @Test
    void aJarWithoutACacheGetsOneQuietlyAndStartsWithIt() throws Exception {
        Files.deleteIfExists(CACHE);
        Files.deleteIfExists(STATE);

        Result first = launch(Map.of(), "run", "--", "echo", "hi");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).as("the program's output and nothing else").isEqualTo("hi\n");
        assertThat(first.err()).as("no build, no training report, no JVM warning").isEmpty();
        assertThat(CACHE).as("trained by the first start").isNotEmptyFile();

        Result next = launch(Map.of(), COUNT_CACHE_MAPPINGS);
        assertThat(next.err()).isEmpty();
        assertThat(Integer.parseInt(next.out().strip())).as("mappings of the cache in the CLI's JVM").isPositive();
    }

    @Test
    void aRebuiltJarGetsANewCache() throws Exception {
        launch(Map.of(), "run", "--", "true");
        assertThat(CACHE).isNotEmptyFile();
        // Rebuilt: the jar is newer than the cache made for the one before it, which the JVM
        // would refuse (it checks the jar's time and size).
        FileTime rebuilt = FileTime.from(Instant.now());
        assertThat(rebuilt).isGreaterThan(Files.getLastModifiedTime(STATE));
        Files.setLastModifiedTime(JAR, rebuilt);

        Result r = launch(Map.of(), COUNT_CACHE_MAPPINGS);
        assertThat(r.err()).isEmpty();
        assertThat(Files.getLastModifiedTime(CACHE)).as("trained again, after the jar").isGreaterThan(rebuilt);
        assertThat(Integer.parseInt(r.out().strip())).as("the new cache mapped").isPositive();
    }

    @Test
    void aCacheTheJvmRefusesCostsNothingButTime() throws Exception {
        launch(Map.of(), "run", "--", "true");
        FileTime trained = Files.getLastModifiedTime(STATE);
        // Corrupted behind the launcher's back, with its time left before the launcher's record,
        // so that the launcher does not notice and the JVM itself must refuse the file.
        Files.writeString(CACHE, "not an AOT cache");
        Files.setLastModifiedTime(CACHE, FileTime.from(trained.toInstant().minusSeconds(1)));

        Result r = launch(Map.of(), "run", "--", "echo", "hi");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).as("no '[error][aot] ... Unable to map shared spaces' in the output").isEqualTo("hi\n");
        assertThat(r.err()).isEmpty();

        // Written to after the launcher's record: trained again.
        Files.writeString(CACHE, "not an AOT cache either");
        Result again = launch(Map.of(), COUNT_CACHE_MAPPINGS);
        assertThat(again.err()).isEmpty();
        assertThat(Integer.parseInt(again.out().strip())).isPositive();
    }

    @Test
    void aJdkThatCannotMakeACacheRunsTheCliWithoutOneAndIsAskedOnce() throws Exception {
        // A JDK whose java refuses -XX:AOTCacheOutput, as one without AOT caches does
        // ("Unrecognized VM option"), and counts how often it was asked.
        Path asked = dir.resolve("asked");
        Map<String, String> env = Map.of("JAVA_HOME", countingJdk(asked, """
            echo "Unrecognized VM option '${a#-XX:}'" >&2
            exit 1""").toString());

        Result first = launch(env, "run", "--", "echo", "hi");
        Result second = launch(env, COUNT_CACHE_MAPPINGS);

        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo("hi\n");
        assertThat(first.err()).isEmpty();
        assertThat(CACHE).as("no cache from a JDK that cannot make one").doesNotExist();
        assertThat(second.err()).isEmpty();
        assertThat(second.out().strip()).as("no cache mapped").isEqualTo("0");
        assertThat(Files.readAllLines(asked)).as("training tried once for this jar and JDK, not at every start")
            .hasSize(1);
    }

    @Test
    void launchersStartedTogetherTrainOnce() throws Exception {
        // A JDK new to the launcher (another path), whose trainings are counted.
        Path asked = dir.resolve("asked");
        Map<String, String> env = Map.of("JAVA_HOME", countingJdk(asked, "").toString());
        List<Launched> launched = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            launched.add(start(env, "run", "--", "echo", "hi " + i));
        }
        for (int i = 0; i < 3; i++) {
            Result r = launched.get(i).result();
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).isEqualTo("hi " + i + "\n");
            assertThat(r.err()).isEmpty();
        }
        assertThat(Files.readAllLines(asked)).as("one training; the others ran without the cache or found it made")
            .hasSize(1);
        assertThat(CACHE).isNotEmptyFile();
    }

    /**
     * A JDK home whose {@code java} runs the real one but, given -XX:AOTCacheOutput, first
     * appends a line to {@code asked} and runs {@code onTraining} (shell, {@code $a} the
     * option), then goes on.
     */
    private Path countingJdk(Path asked, String onTraining) throws IOException {
        Path realJava = Path.of(System.getProperty("java.home"), "bin", "java");
        Path home = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Files.copy(Path.of(System.getProperty("java.home"), "release"), home.resolve("release"));
        Files.createSymbolicLink(home.resolve("bin/javac"), realJava.resolveSibling("javac"));
        Path java = Files.writeString(home.resolve("bin/java"), """
            #!/bin/sh
            for a in "$@"; do
              case $a in -XX:AOTCacheOutput=*)
                echo asked >>'%s'
                %s
              esac
            done
            exec '%s' "$@"
            """.formatted(asked, onTraining.replace("\n", "\n    ") + ";;", realJava));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private record Result(int code, String out, String err) {}

    private record Launched(Process process, Path out, Path err, String command) {
        Result result() throws IOException, InterruptedException {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within 120 s");
            }
            return new Result(process.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
        }
    }

    /** The launcher, started from the temporary directory, with the given environment on top of this one's. */
    private Result launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return start(env, args).result();
    }

    private Launched start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", "");
        Path err = Files.createTempFile(dir, "stderr", "");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("VFORK4J_AOT");
        pb.environment().putAll(env);
        return new Launched(pb.start(), out, err, String.join(" ", command));
    }
}
