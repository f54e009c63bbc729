package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Once a child is reaped its pid number belongs to nobody, and the next process may get it:
 * killTree, the timeout's signals and abandon() must then never reach that stranger, not even
 * when it leads a process group with the number the child's group had.
 */
@Timeout(120)
class PidReuseTest {

    /** Each native mechanism, with each way of making the child a group leader. */
    static Stream<Arguments> groupLeaders() {
        return Mechanisms.nativeOnes().flatMap(m -> Stream.of(
            Arguments.of(m, "newSession", (UnaryOperator<Command>) Command::newSession),
            Arguments.of(m, "processGroup(0)", (UnaryOperator<Command>) c -> c.processGroup(0))));
    }

    static Stream<Arguments> everyKindOfChild() {
        return Stream.concat(
            Mechanisms.available().map(m -> Arguments.of(m, "no group", (UnaryOperator<Command>) c -> c)),
            groupLeaders());
    }

    /** A group-leading child that has exited and been reaped, and a stranger that now holds its pid, pgid and sid. */
    private record Reused(Child child, Process stranger) implements AutoCloseable {
        static Reused start(Mechanism m, UnaryOperator<Command> attributes) throws Exception {
            Child c = attributes.apply(Command.of("true").mechanism(m)).start();
            assertThat(c.waitFor()).isZero();
            assertThat(c.isAlive()).isFalse(); // reaped: its number is free
            return new Reused(c, Strangers.groupLeaderWithPid(c.pid()));
        }

        void assertStrangerAlive() throws InterruptedException {
            assertThat(stranger.waitFor(1, TimeUnit.SECONDS))
                .as("the unrelated process %d that reused the child's pid was signalled", stranger.pid()).isFalse();
            assertThat(Strangers.pgid(stranger.pid())).isEqualTo(stranger.pid());
        }

        @Override
        public void close() throws InterruptedException {
            stranger.destroyForcibly();
            stranger.waitFor();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeaders")
    void killTreeAfterTheReapSparesAStrangerWithTheSamePid(Mechanism m, String how, UnaryOperator<Command> attributes)
        throws Exception {
        try (Reused r = Reused.start(m, attributes)) {
            r.child().killTree(Signal.SIGKILL);
            r.assertStrangerAlive();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeaders")
    void theTimeoutsKillAfterTheReapSparesAStrangerWithTheSamePid(Mechanism m, String how,
                                                                   UnaryOperator<Command> attributes) throws Exception {
        // abandon() sends what a timeout sends (SIGKILL to the child's group), as run() does when interrupted.
        try (Reused r = Reused.start(m, attributes)) {
            r.child().abandon();
            r.assertStrangerAlive();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeaders")
    void killTreeStillReachesWhatTheGroupLeftBehind(Mechanism m, String how, UnaryOperator<Command> attributes)
        throws Exception {
        Child c = attributes.apply(Command.of("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!").mechanism(m)).start();
        long orphan = Long.parseLong(c.inputReader().readLine().strip());
        assertThat(c.waitFor()).isZero();
        assertThat(ParentDeathSignalTest.running(orphan)).isTrue();
        assertThat(Strangers.pgid(orphan)).as("the grandchild stays in the child's group").isEqualTo(c.pid());

        c.killTree(Signal.SIGKILL);

        KillTreeTest.awaitGone(orphan);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyKindOfChild")
    void signallingAChildThatIsGoneDoesNothing(Mechanism m, String how, UnaryOperator<Command> attributes)
        throws Exception {
        Child c = attributes.apply(Command.of("true").mechanism(m)).start();
        c.waitFor();
        assertThatCode(() -> {
            c.signal(Signal.SIGUSR1);
            c.destroy();
            c.destroyForcibly();
            c.killTree(Signal.SIGTERM);
            c.killTree(Signal.SIGUSR1);
            c.killTree(Signal.SIGKILL);
            c.toHandle().destroy();
        }).doesNotThrowAnyException();
        assertThat(c.exitValue()).isZero();
    }
}
