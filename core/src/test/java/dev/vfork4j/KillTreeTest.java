package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** killTree ends the child and every grandchild: by group, or by walking the tree. */
@Timeout(60)
class KillTreeTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.POSIX_SPAWN);
    }

    /** A child that starts three grandchildren (one of them two levels down) and prints their pids. */
    private static List<Long> startTree(Child c) throws Exception {
        BufferedReader out = c.inputReader();
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pids.add(Long.parseLong(out.readLine().strip()));
        }
        return pids;
    }

    private static final String TREE = "sleep 30 & echo $!; sleep 30 & echo $!; sh -c 'sleep 30 & echo $!; wait' & wait";

    private static void assertAllGone(Child c, List<Long> pids) throws Exception {
        c.waitFor();
        awaitGone(pids.stream().mapToLong(Long::longValue).toArray());
    }

    /** Waits (up to 5 s) until none of {@code pids} runs (a zombie counts as gone) and asserts so. */
    static void awaitGone(long... pids) throws InterruptedException {
        List<Long> list = java.util.Arrays.stream(pids).boxed().toList();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (list.stream().anyMatch(ParentDeathSignalTest::running) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(list).noneMatch(ParentDeathSignalTest::running);
    }

    private void check(Mechanism m, UnaryOperator<Command> attributes) throws Exception {
        Child c = attributes.apply(Command.of("sh", "-c", TREE).mechanism(m)).start();
        List<Long> pids = startTree(c);
        assertThat(pids).allMatch(ParentDeathSignalTest::running);
        c.killTree(Signal.SIGKILL);
        assertAllGone(c, pids);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void withoutAGroupTheTreeIsWalked(Mechanism m) throws Exception {
        check(m, c -> c);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aSessionIsKilledAsAGroup(Mechanism m) throws Exception {
        check(m, Command::newSession);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aGroupOfItsOwnIsKilledAsAGroupWithAnySignal(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", TREE).mechanism(m).processGroup(0).start();
        List<Long> pids = startTree(c);
        c.killTree(Signal.SIGTERM);
        assertAllGone(c, pids);
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aChildInACgroupIsKilledAsATreeToo(Mechanism m) throws Exception {
        // The cgroup is not the child's alone (CgroupSignalTest): the walk finds the grandchildren,
        // even in sessions of their own.
        try (TestCgroup g = TestCgroup.create("killtree")) {
            Child c = Command.of("sh", "-c", "setsid sleep 30 & echo $!; setsid sleep 30 & echo $!; setsid sleep 30 & echo $!; wait")
                .mechanism(m).cgroup(g.path()).start();
            List<Long> pids = startTree(c);
            c.killTree(Signal.SIGKILL);
            assertAllGone(c, pids);
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void anySignalReachesTheChildAndItsDescendants(Mechanism m) throws Exception {
        // The JDK mechanism too: with native access it signals the descendants through pidfds.
        Child c = Command.of("sh", "-c", TREE).mechanism(m).start();
        List<Long> pids = startTree(c);
        c.killTree(Signal.SIGUSR1);
        assertThat(c.waitFor()).isEqualTo(128 + Signal.SIGUSR1.number());
        awaitGone(pids.stream().mapToLong(Long::longValue).toArray());
    }

    @org.junit.jupiter.api.Test
    void withoutNativeAccessTheJdkMechanismRefusesOtherSignalsBeforeSignallingAnything() throws Exception {
        Output out = ChildJvm.command(List.of("--illegal-native-access=deny"), JdkKillTreeProbe.class)
            .timeout(java.time.Duration.ofSeconds(60)).output();
        assertThat(out.status().success()).as(out.stdoutText() + out.stderrText()).isTrue();
        assertThat(out.stdoutText().lines()).containsExactly(
            "refused: UnsupportedOperationException: killTree(SIGUSR1) of a JDK-started child needs native access "
                + "(only SIGTERM and SIGKILL can be sent to its descendants without): native access is not enabled for "
                + "vfork4j: start the JVM with --enable-native-access=ALL-UNNAMED",
            "child running: true",
            "grandchildren running: true",
            "after killTree(SIGTERM): child running false, grandchildren running false");
    }
}
