package dev.vfork4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.vfork4j.Mechanism;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code vfork4j run} stopped by a signal, as a supervisor, a shell or {@code timeout(1)} stops
 * it: the signal reaches the child, and {@code run} exits with the child's status once the child
 * has ended, leaving nothing behind. The CLI runs in a JVM of its own, sent real signals.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RunSignalTest {

    @TempDir
    Path dir;

    private final List<ProcessHandle> leftovers = new ArrayList<>();

    @AfterEach
    void killWhatATestLeftRunning() {
        leftovers.forEach(ProcessHandle::destroyForcibly);
    }

    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"TERM, 15", "INT, 2", "HUP, 1"})
    void aSignalToRunEndsTheChildAndRunExitsWithItsStatus(String signal, int number) throws Exception {
        assumeFalse(ignoredHere(number), "SIG" + signal + " is ignored by this JVM, so by the CLI's too");
        Cli cli = Cli.start(dir, "run", "--", "sleep", "60");
        ProcessHandle sleep = cli.awaitChild("sleep");
        leftovers.add(sleep);

        kill(signal, cli.process.pid());

        assertThat(cli.awaitExit()).as(cli.err()).isEqualTo(128 + number);
        assertThat(sleep.isAlive()).as("the child, pid " + sleep.pid()).isFalse();
        assertThat(cli.err()).isEmpty();
    }

    @Test
    void theJdkMechanismsChildIsStoppedToo() throws Exception {
        Cli cli = Cli.start(dir, "run", "-m", Mechanism.JDK.name(), "--", "sleep", "60");
        ProcessHandle sleep = cli.awaitChild("sleep");
        leftovers.add(sleep);

        kill("TERM", cli.process.pid());

        assertThat(cli.awaitExit()).as(cli.err()).isEqualTo(128 + 15);
        assertThat(sleep.isAlive()).as("the child, pid " + sleep.pid()).isFalse();
    }

    @Test
    void aChildThatHandlesTheSignalDecidesRunsExitCode() throws Exception {
        // The shell exits 3 on SIGTERM; run must wait for that and report it, not die with 143.
        Cli cli = Cli.start(dir, "run", "--", "sh", "-c", "trap 'kill $!; exit 3' TERM; sleep 60 & wait");
        ProcessHandle shell = cli.awaitChild("sh");
        ProcessHandle sleep = awaitChild(shell, "sleep");
        leftovers.add(shell);
        leftovers.add(sleep);

        kill("TERM", cli.process.pid());

        assertThat(cli.awaitExit()).as(cli.err()).isEqualTo(3);
        assertThat(shell.isAlive()).isFalse();
    }

    /** Whether this JVM inherited SIG_IGN for the signal (a CLI JVM started from here would too). */
    private static boolean ignoredHere(int number) throws IOException {
        Matcher m = Pattern.compile("(?m)^SigIgn:\\s*([0-9a-f]+)$").matcher(Files.readString(Path.of("/proc/self/status")));
        return m.find() && new BigInteger(m.group(1), 16).testBit(number - 1);
    }

    private static void kill(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** The child of {@code parent} running {@code program} (found on the PATH), once it has exec'd it. */
    static ProcessHandle awaitChild(ProcessHandle parent, String program) throws InterruptedException, IOException {
        // The kernel reports the executable itself: /bin/sh is often a link to dash or bash.
        Path executable = executable(program);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> child = parent.children()
                .filter(c -> c.info().command().map(cmd -> Path.of(cmd).equals(executable)).orElse(false))
                .findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            if (!parent.isAlive()) {
                throw new AssertionError("pid " + parent.pid() + " ended before starting " + program);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("pid " + parent.pid() + " started no " + program + " within 60 s");
    }

    private static Path executable(String program) throws IOException {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(d.isEmpty() ? "." : d, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toRealPath();
            }
        }
        throw new AssertionError(program + " is not on the PATH");
    }

    /** The CLI in a JVM of its own, with its stdout and stderr in files. */
    private record Cli(Process process, Path errFile) {

        static Cli start(Path dir, String... args) throws IOException {
            String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(List.of(args));
            Path err = Files.createTempFile(dir, "stderr", "");
            Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(Files.createTempFile(dir, "stdout", "").toFile())
                .redirectError(err.toFile())
                .start();
            return new Cli(p, err);
        }

        ProcessHandle awaitChild(String program) throws InterruptedException, IOException {
            return RunSignalTest.awaitChild(process.toHandle(), program);
        }

        int awaitExit() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the CLI did not exit within 60 s of the signal");
            }
            return process.exitValue();
        }

        String err() {
            try {
                return Files.readString(errFile, UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}
