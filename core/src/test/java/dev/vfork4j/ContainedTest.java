package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.linux.Cgroup2;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A contained child's tree cannot escape: killTree and a timeout leave no process of it, even a
 * daemon that called setsid and double-forked (checked in /proc and in cgroup.procs), the
 * cgroup made for it is gone afterwards, and a thousand contained children leave neither an fd
 * nor a cgroup behind. Skipped where this JVM cannot make a cgroup in its own.
 */
@Timeout(120)
class ContainedTest {
    /** Prints the pid of a daemon (setsid, double fork; it ignores SIGTERM), then of a grandchild, and waits. */
    static final String TREE = "setsid sh -c 'trap \"\" TERM; sleep 60 & echo $!'; sleep 60 & echo $!; wait";

    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.POSIX_SPAWN);
    }

    private final List<Long> started = new ArrayList<>();

    /** Whatever a failed test left: killed by pid. */
    @AfterEach
    void killLeftovers() {
        for (long pid : started) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** This JVM's cgroup directory, where contained() makes its cgroups; skips the test where it cannot. */
    static Path ownCgroup() {
        Path own = Cgroup2.find().map(Cgroup2::ownDirectory).orElse(null);
        assumeTrue(own != null && Files.isWritable(own), "no writable cgroup v2 for this JVM: " + own);
        return own;
    }

    private List<Long> pids(BufferedReader out, int n) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pids.add(Long.parseLong(out.readLine().strip()));
        }
        started.addAll(pids);
        return pids;
    }

    /** The processes whose /proc/PID/cgroup names {@code cgroup}'s directory (as this JVM's cgroup namespace sees it). */
    static List<Long> processesIn(Path cgroup) throws IOException {
        Cgroup2 h = Cgroup2.find().orElseThrow();
        String rel = "/" + h.mount().relativize(cgroup);
        String line = "0::" + (h.root().equals("/") ? "" : h.root()) + rel;
        List<Long> in = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (Files.readAllLines(p.resolve("cgroup")).contains(line) && ParentDeathSignalTest.running(Long.parseLong(name))) {
                        in.add(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // exited during the walk
                }
            }
        }
        return in;
    }

    /** Waits (up to 10 s) for {@code dir} to be removed, and asserts it was. */
    static void awaitRemoved(Path dir) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.exists(dir) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(dir).as("the contained child's cgroup is removed").doesNotExist();
    }

    private void assertNothingLeft(Path cgroup, List<Long> pids) throws Exception {
        KillTreeTest.awaitGone(pids.stream().mapToLong(Long::longValue).toArray());
        assertThat(processesIn(cgroup)).as("processes in %s per /proc", cgroup).isEmpty();
        if (Files.exists(cgroup)) {
            try {
                assertThat(Files.readAllLines(cgroup.resolve("cgroup.procs"))).as("cgroup.procs").isEmpty();
            } catch (java.nio.file.NoSuchFileException removedMeanwhile) {
                // fine: removed because it was empty
            }
        }
        awaitRemoved(cgroup);
    }

    /** contained(parent): the child's cgroup is made below the given one, and only there. */
    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aGivenParentHoldsTheChildsCgroup(Mechanism m) throws Exception {
        Path parent = Files.createDirectory(ownCgroup().resolve("vfork4j-test-parent-" + ProcessHandle.current().pid()));
        try {
            Child c = Command.of("cat", "/proc/self/cgroup").mechanism(m).contained(parent).stdin(Redirect.DISCARD).start();
            Path cgroup = c.cgroup().orElseThrow();
            String seen = new String(c.getInputStream().readAllBytes()).strip();
            c.waitFor();

            assertThat(cgroup.getParent()).isEqualTo(parent);
            assertThat(seen).endsWith("/" + parent.getFileName() + "/" + cgroup.getFileName());
            awaitRemoved(cgroup);
        } finally {
            Files.delete(parent);
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void killTreeLeavesNoProcessOfTheTreeAndRemovesTheCgroup(Mechanism m) throws Exception {
        Path own = ownCgroup();
        Child c = Command.of("sh", "-c", TREE).mechanism(m).contained().stdin(Redirect.DISCARD).start();
        Path cgroup = c.cgroup().orElseThrow();
        assertThat(cgroup.getParent()).isEqualTo(own);
        List<Long> pids = pids(c.inputReader(), 2);
        assertThat(Files.readAllLines(cgroup.resolve("cgroup.procs")).stream().map(l -> Long.parseLong(l.strip())))
            .as("the daemon and the grandchild are in the child's cgroup").contains(pids.get(0), pids.get(1), c.pid());
        assertThat(processesIn(cgroup)).contains(pids.get(0), pids.get(1), c.pid());

        c.killTree(Signal.SIGKILL);

        assertThat(c.waitFor()).isEqualTo(128 + 9);
        assertNothingLeft(cgroup, pids);
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void killTreeAfterTheChildExitedStillReachesTheDaemon(Mechanism m) throws Exception {
        ownCgroup();
        Child c = Command.of("sh", "-c", "setsid sh -c 'sleep 60 >/dev/null 2>&1 & echo $!'").mechanism(m).contained()
            .stdin(Redirect.DISCARD).start();
        Path cgroup = c.cgroup().orElseThrow();
        List<Long> pids = pids(c.inputReader(), 1);
        assertThat(c.waitFor()).isZero();
        assertThat(ParentDeathSignalTest.running(pids.get(0))).as("the daemon outlived the child").isTrue();
        assertThat(cgroup).as("kept while the daemon lives").exists();

        c.killTree(Signal.SIGTERM);

        assertNothingLeft(cgroup, pids);
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aTimeoutLeavesNoProcessOfTheTree(Mechanism m) throws Exception {
        ownCgroup();
        Child c = Command.of("sh", "-c", TREE).mechanism(m).contained().timeout(Duration.ofMillis(500), Duration.ofMillis(200))
            .stdin(Redirect.DISCARD).start();
        Path cgroup = c.cgroup().orElseThrow();
        List<Long> pids = pids(c.inputReader(), 2);

        // The daemon ignores SIGTERM: only the SIGKILL after the grace, through cgroup.kill, ends it.
        assertThat(c.waitFor()).isEqualTo(128 + 15);
        assertNothingLeft(cgroup, pids);
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void outputsTimeoutLeavesNoProcessOfTheTree(Mechanism m) throws Exception {
        ownCgroup();
        ProcessTimeoutException e = org.junit.jupiter.api.Assertions.assertThrows(ProcessTimeoutException.class,
            () -> Command.of("sh", "-c", TREE).mechanism(m).contained().timeout(Duration.ofMillis(500), Duration.ofMillis(200))
                .output());
        List<Long> pids = e.output().stdoutText().lines().map(l -> Long.parseLong(l.strip())).toList();
        started.addAll(pids);
        assertThat(pids).hasSize(2);
        KillTreeTest.awaitGone(pids.stream().mapToLong(Long::longValue).toArray());
        awaitLeaves(ownCgroup(), 0);
    }

    @Test
    void anOrdinaryChildHasNoCgroupOfItsOwn() throws Exception {
        Child c = Command.of("true").start();
        c.waitFor();
        assertThat(c.cgroup()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Mechanism.class, names = {"POSIX_SPAWN", "JDK"})
    void mechanismsThatCannotCloneIntoACgroupRefuseBeforeMakingOne(Mechanism m) throws Exception {
        Path own = ownCgroup();
        long before = leaves(own);
        assertThatThrownBy(() -> Command.of("true").mechanism(m).contained().run())
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageStartingWith("mechanism " + m + " cannot set contained: use VFORK or FORK");
        assertThat(leaves(own)).isEqualTo(before);
    }

    @Test
    void aParentThatIsNoCgroupIsRefusedBeforeAnyChild() {
        assertThatThrownBy(() -> Command.of("true").mechanism(Mechanism.VFORK).contained(Path.of("/tmp")).run())
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageContaining("needs a cgroup v2 directory: /tmp has no cgroup.procs and cgroup.controllers");
    }

    @Test
    void containedAndCgroupCannotBeCombined() {
        assertThatThrownBy(() -> Command.of("true").cgroup(Path.of("/x")).contained())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contained and cgroup cannot be combined");
        assertThatThrownBy(() -> Command.of("true").contained().cgroup(Path.of("/x")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cgroup and contained cannot be combined");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aSpawnThatFailsLeavesNoCgroup(Mechanism m) throws Exception {
        Path own = ownCgroup();
        long before = leaves(own);
        assertThatThrownBy(() -> Command.of("/no/such/program").mechanism(m).contained().run())
            .isInstanceOf(SpawnException.class);
        assertThat(leaves(own)).isEqualTo(before);
    }

    /** This JVM's leaves in {@code dir} now. */
    static long leaves(Path dir) throws IOException {
        String prefix = "vfork4j-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).count();
        }
    }

    @Test
    void aThousandContainedChildrenLeaveNoFdAndNoCgroup() throws Exception {
        Path own = ownCgroup();
        Command c = Command.of("true").mechanism(Mechanism.VFORK).contained();
        c.output(); // the first one loads and opens what the library keeps for good (the loop's fds)
        awaitLeaves(own, 0);
        int fds = FdLeakTest.openFds();
        for (int i = 0; i < 1000; i++) {
            assertThat(c.output().status().success()).isTrue();
        }
        awaitLeaves(own, 0);
        assertThat(FdLeakTest.openFds()).isEqualTo(fds);
    }

    private static void awaitLeaves(Path own, long n) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (leaves(own) != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(leaves(own)).as("this JVM's cgroups left in %s", own).isEqualTo(n);
    }
}
