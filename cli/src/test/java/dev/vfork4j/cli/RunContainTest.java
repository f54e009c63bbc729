package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.Mechanism;
import dev.vfork4j.linux.Cgroup2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code run --contain}, {@code --wait-delay} and {@code --usage}, with real processes, in process. */
@Timeout(60)
class RunContainTest {

    private static long pidIn(Path file) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Files.exists(file) || Files.readString(file).isBlank()) {
            assertThat(System.nanoTime()).as("%s written", file).isLessThan(deadline);
            Thread.sleep(10);
        }
        return Long.parseLong(Files.readString(file).strip());
    }

    /** Not gone and not a zombie: a killed orphan stays a zombie until whoever adopted it reaps it. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    private static void assumeWritableCgroup() {
        Path own = Cgroup2.find().map(Cgroup2::ownDirectory).orElse(null);
        assumeTrue(own != null && Files.isWritable(own), "no writable cgroup v2 here");
    }

    private static long leaves() throws Exception {
        Path own = Cgroup2.find().orElseThrow().ownDirectory();
        try (Stream<Path> s = Files.list(own)) {
            return s.filter(p -> p.getFileName().toString().startsWith("vfork4j-" + ProcessHandle.current().pid() + "-"))
                .count();
        }
    }

    @Test
    void containKillsWhatTheProgramLeftBehindAndRemovesItsCgroup(@TempDir Path tmp) throws Exception {
        assumeWritableCgroup();
        Path pidFile = tmp.resolve("daemon");
        Invocation r = Invocation.execute("run", "--contain", "--", "sh", "-c",
            "setsid sh -c 'sleep 60 >/dev/null 2>&1 & echo $! > " + pidFile + "'");
        long daemon = pidIn(pidFile);
        try {
            assertThat(r.code()).isZero();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (running(daemon) && System.nanoTime() < deadline) {
                Thread.sleep(10); // cgroup.kill was written; the kernel delivers SIGKILL asynchronously
            }
            assertThat(running(daemon)).as("the daemon (setsid, double fork) is killed when run returns").isFalse();
            assertThat(leaves()).isZero();
        } finally {
            ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void containWithAMechanismThatCannotIsAOneLineUsageError() {
        assumeTrue(Mechanism.POSIX_SPAWN.isAvailable());
        Invocation r = Invocation.execute("run", "--contain", "-m", "POSIX_SPAWN", "--", "true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("vfork4j: mechanism POSIX_SPAWN cannot set contained: use VFORK or FORK\n");
    }

    @Test
    void waitDelayReturnsWhileADaemonHoldsTheOutput(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("daemon");
        // The daemon keeps the program's stdout and stderr, which --wait-delay relays, for a minute.
        Invocation r = Invocation.execute("run", "--wait-delay", "200ms", "--", "sh", "-c",
            "setsid sh -c 'sleep 60 & echo $! > " + pidFile + "'");
        long daemon = pidIn(pidFile);
        try {
            assertThat(r.code()).isZero();
            assertThat(running(daemon)).as("left alone").isTrue();
        } finally {
            ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void usagePrintsTimesLineOnStderr() {
        Invocation r = Invocation.execute("run", "--usage", "--", "sh", "-c", "exit 3");
        assertThat(r.code()).isEqualTo(3);
        if (Mechanism.best() == Mechanism.JDK) {
            assertThat(r.err()).startsWith("vfork4j: usage not known");
        } else {
            assertThat(r.err()).matches("vfork4j: \\d+\\.\\d\\duser \\d+\\.\\d\\dsystem \\d+:\\d\\d\\.\\d\\delapsed "
                + "\\(the program and what it waited for\\)\n");
        }
    }

    @Test
    void durationsReadAsTheHelpSays() {
        RunCommand.DurationConverter c = new RunCommand.DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.convert("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.convert("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(CommandLine.TypeConversionException.class);
    }
}
