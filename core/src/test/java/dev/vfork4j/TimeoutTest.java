package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Timeouts that really end the child (and its group) and unblock every reader. */
@Timeout(60)
class TimeoutTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void outputThrowsWithWhatWasCapturedAndTheStatus(Mechanism m) {
        ProcessTimeoutException e = catchThrowableOfType(ProcessTimeoutException.class,
            () -> Command.of("sh", "-c", "echo before; echo err >&2; exec sleep 30").mechanism(m)
                .timeout(Duration.ofMillis(300)).output());
        assertThat(e).isNotNull();
        assertThat(e.output().stdoutText()).isEqualTo("before\n");
        assertThat(e.output().stderrText()).isEqualTo("err\n");
        assertThat(e.output().status().exitValue()).isEqualTo(128 + 15);
        assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(e).hasMessageContaining("timed out after 300 ms");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aChildThatIgnoresSigtermIsKilledAfterTheGrace(Mechanism m) {
        ProcessTimeoutException e = catchThrowableOfType(ProcessTimeoutException.class,
            () -> Command.of("sh", "-c", "trap '' TERM; while :; do sleep 0.05; done").mechanism(m)
                .timeout(Duration.ofMillis(200), Duration.ofMillis(300)).run());
        assertThat(e).isNotNull();
        assertThat(e.output().status().exitValue()).isEqualTo(128 + 9);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void zeroGraceKillsAtOnce(Mechanism m) {
        ProcessTimeoutException e = catchThrowableOfType(ProcessTimeoutException.class,
            () -> Command.of("sleep", "30").mechanism(m).timeout(Duration.ofMillis(100), Duration.ZERO).run());
        assertThat(e.output().status().exitValue()).isEqualTo(128 + 9);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void theGroupIsEndedWhenTheCommandMadeOne(Mechanism m) throws Exception {
        // The grandchild holds stdout open: without the group kill, output() would wait for it for 30 s.
        ProcessTimeoutException e = catchThrowableOfType(ProcessTimeoutException.class,
            () -> Command.of("sh", "-c", "sleep 30 & echo $!; wait").mechanism(m).newSession()
                .timeout(Duration.ofMillis(300)).output());
        assertThat(e).isNotNull();
        long grandchild = Long.parseLong(e.output().stdoutText().strip());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ParentDeathSignalTest.running(grandchild) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(ParentDeathSignalTest.running(grandchild)).as("the grandchild died with its group").isFalse();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aGrandchildHoldingThePipeCannotKeepOutputWaiting(Mechanism m) throws Exception {
        // No group: the grandchild survives the timeout, but output() still returns soon after.
        ProcessTimeoutException e = catchThrowableOfType(ProcessTimeoutException.class,
            () -> Command.of("sh", "-c", "sleep 3 & echo $!; wait").mechanism(m).timeout(Duration.ofMillis(200)).output());
        assertThat(e).isNotNull();
        long grandchild = Long.parseLong(e.output().stdoutText().strip());
        ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void startWithATimeoutEndsTheChildToo(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).timeout(Duration.ofMillis(200)).start();
        assertThat(c.waitFor()).isEqualTo(128 + 15);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aChildThatFinishesInTimeIsNotTouched(Mechanism m) throws Exception {
        Output out = Command.of("echo", "quick").mechanism(m).timeout(Duration.ofSeconds(30)).output();
        assertThat(out.stdoutText()).isEqualTo("quick\n");
        assertThat(out.status().success()).isTrue();
    }

    /** "No timeout" idioms and other Durations beyond any deadline this JVM could reach. */
    static Stream<Duration> hugeDurations() {
        return Stream.of(Duration.ofMillis(Long.MAX_VALUE), Duration.ofNanos(Long.MAX_VALUE),
            Duration.ofDays(200 * 366), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999));
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> mechanismsAndHugeDurations() {
        return mechanisms().flatMap(m -> hugeDurations().map(d -> org.junit.jupiter.params.provider.Arguments.of(m, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("mechanismsAndHugeDurations")
    void aTimeoutBeyondReachIsNeverReached(Mechanism m, Duration huge) throws Exception {
        // Neither the timeout nor a grace on top of it may overflow into a deadline in the past.
        Output out = Command.of("sh", "-c", "sleep 0.3; echo done").mechanism(m).timeout(huge, huge).output();
        assertThat(out.status()).isEqualTo(ExitStatus.exited(0));
        assertThat(out.stdoutText()).isEqualTo("done\n");
        assertThat(Command.of("true").mechanism(m).timeout(huge).run()).isEqualTo(ExitStatus.exited(0));
        Child c = Command.of("true").mechanism(m).timeout(huge).start();
        assertThat(c.waitFor()).isZero();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("mechanismsAndHugeDurations")
    void aGraceBeyondReachSendsSigtermAndNeverSigkill(Mechanism m, Duration huge) {
        // The child answers SIGTERM slowly; a SIGKILL soon after the SIGTERM would cut it short.
        ProcessTimeoutException e = catchThrowableOfType(ProcessTimeoutException.class,
            () -> Command.of("sh", "-c", "trap 'kill $!; echo term; sleep 0.3; exit 3' TERM; sleep 30 & wait")
                .mechanism(m).timeout(Duration.ofMillis(200), huge).output());
        assertThat(e).isNotNull();
        assertThat(e.output().stdoutText()).isEqualTo("term\n");
        assertThat(e.output().status()).isEqualTo(ExitStatus.exited(3));
    }

    @Test
    void invalidTimeoutsAreRejected() {
        assertThatThrownBy(() -> Command.of("x").timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("x").timeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("x").timeout(Duration.ofSeconds(1), Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(Command.DEFAULT_GRACE).isEqualTo(Duration.ofSeconds(5));
    }
}
