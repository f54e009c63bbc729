package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A daemon the child leaves behind (setsid and a double fork) holding its stdout and stderr
 * cannot keep output(), run() or a handler's delivery waiting past the wait delay: the verb
 * returns with what was written, says the output is incomplete, and the daemon lives on (the
 * test kills it by pid). No assertion is timed: that the verbs return at all is the point.
 */
@Timeout(60)
class WaitDelayTest {
    /**
     * Prints the pid of a daemon that holds stdout and stderr for a minute, then "child done",
     * and exits a moment later: under the JDK mechanism the pipe can be named only while the
     * child runs (see JdkChild.pipeOf), and a child that exits within a millisecond of its start
     * leaves it unknown.
     */
    static final String LEAVES_A_DAEMON = "setsid sh -c 'sleep 60 & echo $!'; echo child done; sleep 0.2";

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    private final List<Long> daemons = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void killTheDaemons() {
        for (long pid : daemons) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The daemon's pid, the first line of {@code text}; kept for the clean-up. */
    private long daemon(String text) {
        long pid = Long.parseLong(text.lines().findFirst().orElseThrow().strip());
        daemons.add(pid);
        return pid;
    }

    private static boolean alive(long pid) {
        return ParentDeathSignalTest.running(pid);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void outputReturnsIncompleteWhileADaemonHoldsTheStdout(Mechanism m) throws Exception {
        Output out = Command.of("sh", "-c", LEAVES_A_DAEMON).mechanism(m).waitDelay(Duration.ofMillis(300)).output();

        long daemon = daemon(out.stdoutText());
        assertThat(out.incomplete()).isTrue();
        assertThat(out.status().success()).isTrue();
        assertThat(out.stdoutText()).endsWith("child done\n");
        assertThat(alive(daemon)).as("the daemon is not signalled by the wait delay").isTrue();
        assertThat(out.toString()).contains("incomplete");
    }

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    /**
     * A pipeline's stages share one stderr pipe: a daemon of the first stage holding it cannot
     * keep Pipeline.output() waiting past the stages' wait delay either. (A daemon holding the
     * pipe to the next stage keeps that stage reading, as in a shell: its stdout goes to
     * /dev/null here.)
     */
    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aPipelineReturnsIncompleteWhileAStagesDaemonHoldsTheSharedStderr(Mechanism m) throws Exception {
        String daemonOnStderr = "setsid sh -c 'sleep 60 >/dev/null & echo $! >&2'; echo through; sleep 0.2";
        Output out = Pipeline.of(
            Command.of("sh", "-c", daemonOnStderr).mechanism(m).waitDelay(Duration.ofMillis(300)),
            Command.of("cat").mechanism(m).waitDelay(Duration.ofMillis(300))).output();

        long daemon = daemon(out.stderrText());
        assertThat(out.stdoutText()).isEqualTo("through\n");
        assertThat(out.incomplete()).isTrue();
        assertThat(out.status().success()).isTrue();
        assertThat(alive(daemon)).as("the daemon is not signalled by the wait delay").isTrue();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aPipelineWithNothingLeftBehindIsComplete(Mechanism m) throws Exception {
        Output out = Pipeline.of(Command.of("sh", "-c", "echo out; echo err >&2").mechanism(m),
            Command.of("cat").mechanism(m)).output();

        assertThat(out.stdoutText()).isEqualTo("out\n");
        assertThat(out.stderrText()).isEqualTo("err\n");
        assertThat(out.incomplete()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void theDefaultDelayEndsTheWaitToo(Mechanism m) throws Exception {
        Output out = Command.of("sh", "-c", LEAVES_A_DAEMON).mechanism(m).output();

        long daemon = daemon(out.stdoutText());
        assertThat(out.incomplete()).isTrue();
        assertThat(alive(daemon)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void outputThatReachesItsEndIsComplete(Mechanism m) throws Exception {
        Output out = Command.of("sh", "-c", "echo hi; echo err >&2").mechanism(m).waitDelay(Duration.ZERO).output();

        assertThat(out.incomplete()).isFalse();
        assertThat(out.stdoutText()).isEqualTo("hi\n");
        assertThat(out.stderrText()).isEqualTo("err\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aZeroDelayStillKeepsWhatTheChildWroteBeforeItsExit(Mechanism m) throws Exception {
        // A megabyte, more than any pipe holds: most of it is read while the child runs, the rest at the cut.
        Output out = Command.of("sh", "-c", "head -c 1000000 /dev/zero; setsid sh -c 'sleep 60 & echo $! >&2'")
            .mechanism(m).waitDelay(Duration.ZERO).output();

        daemon(out.stderrText());
        assertThat(out.stdout()).hasSize(1_000_000);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void runAndAHandlerReturnWhileADaemonHoldsTheStdout(Mechanism m) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        ExitStatus s = Command.of("sh", "-c", LEAVES_A_DAEMON).mechanism(m).waitDelay(Duration.ofMillis(200))
            .onStdout(chunk -> {
                byte[] b = new byte[chunk.remaining()];
                chunk.get(b);
                synchronized (seen) {
                    seen.write(b, 0, b.length);
                }
            }).stderr(Redirect.PIPE).run();

        assertThat(s.success()).isTrue();
        String text;
        synchronized (seen) {
            text = seen.toString();
        }
        long daemon = daemon(text);
        assertThat(alive(daemon)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aTimeoutsOutputSaysIncompleteToo(Mechanism m) throws Exception {
        assertThatThrownBy(() -> Command.of("sh", "-c", "setsid sh -c 'sleep 60 & echo $!'; exec sleep 30").mechanism(m)
            .timeout(Duration.ofMillis(300), Duration.ZERO).waitDelay(Duration.ofMillis(200)).output())
            .isInstanceOfSatisfying(ProcessTimeoutException.class, e -> {
                daemon(e.output().stdoutText());
                assertThat(e.output().incomplete()).isTrue();
                assertThat(e.output().status().signalled() || e.output().status().exitValue() == 137).isTrue();
            });
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aVirtualThreadAndOutputAsyncReturnToo(Mechanism m) throws Exception {
        Command c = Command.of("sh", "-c", LEAVES_A_DAEMON).mechanism(m).waitDelay(Duration.ofMillis(200));
        Output[] got = new Output[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                got[0] = c.output();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        daemon(got[0].stdoutText());
        assertThat(got[0].incomplete()).isTrue();

        Output async = c.outputAsync().get();
        daemon(async.stdoutText());
        assertThat(async.incomplete()).isTrue();
    }

    @Test
    void aNegativeDelayIsRefused() {
        assertThatThrownBy(() -> Command.of("true").waitDelay(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitDelay must not be negative");
        assertThat(Command.DEFAULT_WAIT_DELAY).isEqualTo(Duration.ofSeconds(1));
    }
}
