package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    /** As groupLeaders, each signalled both ways: through a pidfd (Linux 6.9+) and by number (older kernels). */
    static Stream<Arguments> groupLeadersBothWays() {
        return groupLeaders().flatMap(a -> Stream.of(false, true).map(byNumber -> Arguments.of(
            a.get()[0], a.get()[1] + (byNumber ? ", by number" : ", through a pidfd"), a.get()[2], byNumber)));
    }

    /** Linux 6.9 added PIDFD_SIGNAL_PROCESS_GROUP. */
    static boolean kernelSignalsGroupsThroughPidfds() {
        String[] v = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(v[0]), minor = Integer.parseInt(v[1]);
        return major > 6 || (major == 6 && minor >= 9);
    }

    /** Runs {@code body} with groups signalled the older kernels' way (by number) when {@code byNumber}. */
    private static void signalledBy(boolean byNumber, ThrowingBody body) throws Exception {
        if (!byNumber) {
            assumeTrue(kernelSignalsGroupsThroughPidfds(), "PIDFD_SIGNAL_PROCESS_GROUP needs Linux 6.9");
        }
        ProcessGroup.forceKillByNumber = byNumber;
        try {
            body.run();
        } finally {
            ProcessGroup.forceKillByNumber = false;
        }
    }

    private interface ThrowingBody {
        void run() throws Exception;
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
        public void close() {
            stranger.destroyForcibly().onExit().join(); // SIGKILL: not a wait to interrupt
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeadersBothWays")
    void killTreeAfterTheReapSparesAStrangerWithTheSamePid(Mechanism m, String how, UnaryOperator<Command> attributes,
                                                          boolean byNumber) throws Exception {
        signalledBy(byNumber, () -> {
            try (Reused r = Reused.start(m, attributes)) {
                r.child().killTree(Signal.SIGKILL);
                r.assertStrangerAlive();
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeadersBothWays")
    void theTimeoutsKillAfterTheReapSparesAStrangerWithTheSamePid(Mechanism m, String how,
                                                                   UnaryOperator<Command> attributes,
                                                                   boolean byNumber) throws Exception {
        // abandon() sends what a timeout sends (SIGKILL to the child's group), as run() does when interrupted.
        signalledBy(byNumber, () -> {
            try (Reused r = Reused.start(m, attributes)) {
                r.child().abandon();
                r.assertStrangerAlive();
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeadersBothWays")
    void killTreeReachesTheWholeGroupWhileTheChildRuns(Mechanism m, String how, UnaryOperator<Command> attributes,
                                                      boolean byNumber) throws Exception {
        signalledBy(byNumber, () -> {
            // The grandchild leaves the tree (its parent exits at once): only the group reaches it.
            Child c = attributes.apply(Command.of("sh", "-c",
                "sh -c 'sleep 30 >/dev/null 2>&1 & echo $!'; sleep 30 & echo $!; wait").mechanism(m)).start();
            var out = c.inputReader();
            long orphan = Long.parseLong(out.readLine().strip());
            long grandchild = Long.parseLong(out.readLine().strip());
            assertThat(Strangers.pgid(orphan)).isEqualTo(c.pid());

            c.killTree(Signal.SIGTERM);

            assertThat(c.waitFor()).isEqualTo(128 + 15);
            KillTreeTest.awaitGone(orphan, grandchild);
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeaders")
    void killTreeStillReachesWhatTheGroupLeftBehind(Mechanism m, String how, UnaryOperator<Command> attributes)
        throws Exception {
        signalledBy(false, () -> {
            Child c = attributes.apply(Command.of("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!").mechanism(m)).start();
            long orphan = Long.parseLong(c.inputReader().readLine().strip());
            assertThat(c.waitFor()).isZero();
            assertThat(ParentDeathSignalTest.running(orphan)).isTrue();
            assertThat(Strangers.pgid(orphan)).as("the grandchild stays in the child's group").isEqualTo(c.pid());

            c.killTree(Signal.SIGKILL);

            KillTreeTest.awaitGone(orphan);
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeaders")
    void byNumberNothingIsSentOnceTheChildIsReaped(Mechanism m, String how, UnaryOperator<Command> attributes)
        throws Exception {
        // The documented limit of older kernels: after the reap the group's number proves nothing.
        signalledBy(true, () -> {
            Child c = attributes.apply(Command.of("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!").mechanism(m)).start();
            long orphan = Long.parseLong(c.inputReader().readLine().strip());
            try {
                assertThat(c.waitFor()).isZero();
                c.killTree(Signal.SIGKILL);
                Thread.sleep(200);
                assertThat(ParentDeathSignalTest.running(orphan)).isTrue();
            } finally {
                ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("groupLeaders")
    void theGroupsPidfdIsClosedWhenTheGroupEndsWithTheChild(Mechanism m, String how, UnaryOperator<Command> attributes)
        throws Exception {
        signalledBy(false, () -> {
            long before = openFds();
            for (int i = 0; i < 100; i++) {
                Child c = attributes.apply(Command.of("true").mechanism(m)).start();
                c.waitFor();
                c.onExit().join(); // the copy is dropped on the reap, once the group is found empty
            }
            assertThat(openFds() - before).as("fds kept after 100 group leaders ended").isLessThan(20);
        });
    }

    private static long openFds() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
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
