package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A cgroup given to Command.cgroup is not the child's alone: killTree reaches only the child's
 * tree, and signalling the whole cgroup is a call of its own, which refuses the root cgroup
 * and this JVM's own cgroup (or one above it), and does nothing once the cgroup is gone.
 */
@Timeout(120)
class CgroupSignalTest {

    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.POSIX_SPAWN);
    }

    static Stream<Arguments> cloneMechanismsAndSignals() {
        // SIGKILL goes through cgroup.kill, any other signal to each listed process.
        return cloneMechanisms().flatMap(m -> Stream.of(Signal.SIGKILL, Signal.SIGTERM).map(s -> Arguments.of(m, s)));
    }

    /** A process in {@code cgroup} that does not descend from the child under test. */
    private static Child bystander(Mechanism m, TestCgroup cgroup) throws Exception {
        return Command.of("sleep", "30").mechanism(m).cgroup(cgroup.path())
            .stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).start();
    }

    private static void assertAlive(Child bystander) throws InterruptedException {
        assertThat(bystander.waitFor(500, TimeUnit.MILLISECONDS))
            .as("process %d, which shares the cgroup but is no descendant, was signalled", bystander.pid()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void killTreeSparesTheOtherMembersOfTheCgroup(Mechanism m) throws Exception {
        try (TestCgroup g = TestCgroup.create("killtree")) {
            Child other = bystander(m, g);
            Child c = Command.of("sh", "-c", "sleep 30 & echo $!; wait").mechanism(m).cgroup(g.path()).start();
            long grandchild = Long.parseLong(c.inputReader().readLine().strip());

            c.killTree(Signal.SIGKILL);

            assertThat(c.waitFor()).isEqualTo(128 + 9);
            KillTreeTest.awaitGone(grandchild);
            assertAlive(other);
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void killTreeOfAnExitedChildSignalsNothingInItsCgroup(Mechanism m) throws Exception {
        try (TestCgroup g = TestCgroup.create("exited")) {
            Child other = bystander(m, g);
            Child c = Command.of("true").mechanism(m).cgroup(g.path()).start();
            assertThat(c.waitFor()).isZero();

            c.killTree(Signal.SIGKILL);

            assertAlive(other);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cloneMechanismsAndSignals")
    void signalCgroupReachesEveryMemberAndTheCgroupsBelow(Mechanism m, Signal s) throws Exception {
        try (TestCgroup g = TestCgroup.create("whole")) {
            TestCgroup sub = g.child("sub");
            Child other = bystander(m, g);
            Child below = bystander(m, sub);
            // The grandchild leaves the tree at once (its parent exits): no walk from the child finds it.
            Child c = Command.of("sh", "-c", "sh -c 'sleep 30 >/dev/null 2>&1 & echo $!'; exec sleep 30")
                .mechanism(m).cgroup(g.path()).start();
            long orphan = Long.parseLong(c.inputReader().readLine().strip());
            assertThat(g.members()).contains(orphan, c.pid(), other.pid());

            c.signalCgroup(s);

            assertThat(c.waitFor()).isEqualTo(128 + s.number());
            assertThat(other.waitFor()).isEqualTo(128 + s.number());
            assertThat(below.waitFor()).isEqualTo(128 + s.number());
            KillTreeTest.awaitGone(orphan);
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void signalCgroupStillReachesTheMembersAfterTheChildExited(Mechanism m) throws Exception {
        try (TestCgroup g = TestCgroup.create("after")) {
            Child other = bystander(m, g);
            Child c = Command.of("true").mechanism(m).cgroup(g.path()).start();
            c.waitFor();

            c.signalCgroup(Signal.SIGTERM);

            assertThat(other.waitFor()).isEqualTo(128 + 15);
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void signalCgroupOfARemovedCgroupDoesNothing(Mechanism m) throws Exception {
        Path name;
        Child c;
        try (TestCgroup g = TestCgroup.create("removed")) {
            name = g.path();
            c = Command.of("true").mechanism(m).cgroup(name).start();
            c.waitFor();
        }
        assertThat(name).doesNotExist();
        assertThatCode(() -> c.signalCgroup(Signal.SIGKILL)).doesNotThrowAnyException();

        // Another cgroup under the same name is another cgroup: its processes are not the child's.
        Files.createDirectory(name);
        try (TestCgroup _ = TestCgroup.adopt(name)) {
            Child other = Command.of("sleep", "30").mechanism(m).cgroup(name)
                .stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).start();
            c.signalCgroup(Signal.SIGKILL);
            assertAlive(other);
        }
    }

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void signalCgroupRefusesAChildNotStartedInOne(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            assertThatThrownBy(() -> c.signalCgroup(Signal.SIGKILL)).isInstanceOf(IllegalStateException.class)
                .hasMessage("child " + c.pid() + " was not started with Command.cgroup(path): there is no cgroup of "
                    + "its own to signal (killTree signals its descendants)");
            assertThat(c.isAlive()).isTrue();
        } finally {
            c.destroyForcibly();
            c.waitFor();
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void signalCgroupRefusesTheRootCgroup(Mechanism m) throws Exception {
        Path root = TestCgroup.root();
        Child c = Command.of("sleep", "30").mechanism(m).cgroup(root).start();
        try {
            assertThatThrownBy(() -> c.signalCgroup(Signal.SIGKILL)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refusing to signal " + root + ": it is the root cgroup");
            assertThat(c.isAlive()).isTrue();
        } finally {
            c.destroyForcibly();
            c.waitFor();
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void signalCgroupRefusesThisJvmsOwnCgroupAndTheOnesAboveIt(Mechanism m) throws Exception {
        try (TestCgroup g = TestCgroup.create("jvm")) {
            TestCgroup jvmGroup = g.child("jvm");
            Output out = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED"), CgroupSignalProbe.class,
                    m.name(), jvmGroup.path().toString(), g.path().toString())
                .mechanism(m).cgroup(jvmGroup.path()).timeout(java.time.Duration.ofSeconds(60)).output();
            assertThat(out.status().success()).as(out.stderrText()).isTrue();
            assertThat(out.stdoutText().lines()).containsExactly(
                "own: refused: refusing to signal " + jvmGroup.path() + ": this JVM runs in that cgroup, and would be signalled too",
                "own: child alive true",
                "above: refused: refusing to signal " + g.path() + ": this JVM runs in /" + TestCgroup.root().relativize(jvmGroup.path())
                    + ", below it, and would be signalled too",
                "above: child alive true");
        }
    }
}
