package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pipelines without a shell: data flows stage to stage, statuses follow pipefail. */
@Timeout(60)
class PipelineTest {

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void threeStages(Mechanism m) throws Exception {
        Output out = Pipeline.of(Command.of("seq", "1", "100000").mechanism(m), Command.of("grep", "7").mechanism(m),
            Command.of("wc", "-l").mechanism(m)).output();
        assertThat(out.stdoutText().strip()).isEqualTo("40951");
        assertThat(out.status().success()).isTrue();
        assertThat(FdLeakTest.openFds()).isLessThan(200);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void statusIsTheRightmostFailureAndEveryStderrIsKept(Mechanism m) throws Exception {
        Output out = Pipeline.of(Command.of("sh", "-c", "echo a; echo e1 >&2; exit 3").mechanism(m),
            Command.of("sh", "-c", "cat; echo e2 >&2; exit 5").mechanism(m),
            Command.of("cat").mechanism(m)).output();
        assertThat(out.status()).isEqualTo(ExitStatus.exited(5));
        assertThat(out.stdoutText()).isEqualTo("a\n");
        assertThat(out.stderrText().lines()).containsExactlyInAnyOrder("e1", "e2");
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void startGivesEveryChildAndConnectsThem(Mechanism m) throws Exception {
        List<Child> children = Pipeline.of(Command.of("tr", "a-z", "A-Z").mechanism(m), Command.of("rev").mechanism(m)).start();
        assertThat(children).hasSize(2);
        try (var w = children.getFirst().outputWriter()) {
            w.write("hello\n");
        }
        assertThat(children.getLast().inputReader().readLine()).isEqualTo("OLLEH");
        for (Child c : children) {
            assertThat(c.waitFor()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aStageThatCannotStartStopsTheOthers(Mechanism m) throws Exception {
        java.util.Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid)
            .collect(java.util.stream.Collectors.toSet());
        int fds = FdLeakTest.openFds();
        SpawnException e = catchThrowableOfType(SpawnException.class, () -> Pipeline.of(Command.of("sleep", "30").mechanism(m),
            Command.of("vfork4j-nope").mechanism(m)).start());
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        Thread.sleep(100);
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> !before.contains(p))
            .filter(ParentDeathSignalTest::running)).isEmpty();
        assertThat(FdLeakTest.openFds()).isEqualTo(fds);
    }

    @Test
    void invalidPipelines() {
        assertThatThrownBy(() -> Pipeline.of()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pipeline.of(Command.of("a"), Command.of("b").stdin(Redirect.DISCARD)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 1");
        assertThatThrownBy(() -> Pipeline.of(Command.of("a").stdout(Redirect.DISCARD), Command.of("b")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 0");
        assertThat(Pipeline.of(Command.of("a", "x"), Command.of("b"))).hasToString("Pipeline[a x | b]");
    }
}
