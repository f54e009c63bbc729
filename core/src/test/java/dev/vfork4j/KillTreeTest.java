package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** killTree ends the child and every grandchild: by group, by cgroup, or by walking the tree. */
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
    void aCgroupIsKilledWhole(Mechanism m) throws Exception {
        Path root = Path.of("/sys/fs/cgroup/unified");
        if (!Files.exists(root.resolve("cgroup.procs"))) {
            root = Path.of("/sys/fs/cgroup");
        }
        assumeTrue(Files.exists(root.resolve("cgroup.controllers")), "no cgroup2 mounted");
        Path group = root.resolve("vfork4j-killtree-" + ProcessHandle.current().pid() + "-" + m);
        try {
            Files.createDirectory(group);
        } catch (java.io.IOException e) {
            assumeTrue(false, "cgroup2 not writable: " + e);
        }
        try {
            // The grandchildren start their own sessions, so neither the group nor the parent link finds them.
            Child c = Command.of("sh", "-c", "setsid sleep 30 & echo $!; setsid sleep 30 & echo $!; setsid sleep 30 & echo $!; wait")
                .mechanism(m).cgroup(group).start();
            List<Long> pids = startTree(c);
            c.killTree(Signal.SIGKILL);
            assertAllGone(c, pids);
        } finally {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (Files.exists(group) && System.nanoTime() < deadline) {
                try {
                    Files.delete(group);
                } catch (java.io.IOException busy) {
                    Thread.sleep(20);
                }
            }
        }
    }
}
