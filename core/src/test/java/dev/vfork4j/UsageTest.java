package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a child cost: its CPU from the reap's rusage (correct within a range, not timed), its
 * tree's from the cgroup when contained, and never a memory figure taken from ru_maxrss, which
 * for a vfork child is this JVM's own high-water mark.
 */
@Timeout(120)
class UsageTest {
    /** Burns 0.3 s of user CPU, however busy the machine: perl's times() is the process's own CPU time. */
    static final String BURN = "perl -e 'while ((times)[0] < 0.3) { for (1 .. 20000) {} }'";

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.POSIX_SPAWN);
    }

    private static void assumePerl() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "perl burns the CPU here");
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aChildBurning300MsReportsItsUserTime(Mechanism m) throws Exception {
        assumePerl();
        ExitStatus s = Command.of("sh", "-c", BURN).mechanism(m).run();

        ResourceUsage u = s.usage().orElseThrow();
        assertThat(u.scope()).isEqualTo(ResourceUsage.Scope.CHILD);
        assertThat(u.userTime()).isBetween(Duration.ofMillis(250), Duration.ofMillis(400));
        assertThat(u.systemTime()).isLessThan(Duration.ofMillis(250));
        assertThat(u.wallTime()).isGreaterThanOrEqualTo(u.userTime().minusMillis(50)); // one thread: CPU within wall
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aVforkChildReportsNoMemoryFigure(Mechanism m) throws Exception {
        // ru_maxrss of this child would be this JVM's high-water mark (hundreds of MB), not /bin/true's.
        ExitStatus s = Command.of("true").mechanism(m).run();

        ResourceUsage u = s.usage().orElseThrow();
        assertThat(u.peakMemory()).isEmpty();
        assertThat(u.toString()).doesNotContainIgnoringCase("rss").doesNotContainIgnoringCase("mem");
    }

    @Test
    void theJdkMechanismCannotKnowTheUsage() throws Exception {
        assumeTrue(Mechanism.JDK.isAvailable());
        assertThat(Command.of("true").mechanism(Mechanism.JDK).run().usage()).isEmpty();
    }

    @Test
    void theUsageIsNotPartOfAStatusEquality() throws Exception {
        ExitStatus s = Command.of("true").mechanism(Mechanism.best()).run();
        assertThat(s).isEqualTo(ExitStatus.exited(0)).hasSameHashCodeAs(ExitStatus.exited(0));
    }

    /**
     * A shell that burns 0.3 s itself (a child it waits for) and starts an orphan (a double fork:
     * the shell cannot wait for it) burning 0.3 s more, then waits for the orphan's file.
     */
    private static Command tree(Path done) {
        return Command.of("sh", "-c", "( (" + BURN + "; touch " + done + ") & ); " + BURN
            + "; while [ ! -e " + done + " ]; do sleep 0.02; done");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aContainedTreesCpuIsSummed(Mechanism m, @TempDir Path tmp) throws Exception {
        assumePerl();
        ContainedTest.ownCgroup();
        ExitStatus s = tree(tmp.resolve("done")).mechanism(m).contained().run();

        ResourceUsage u = s.usage().orElseThrow();
        assertThat(u.scope()).isEqualTo(ResourceUsage.Scope.CGROUP);
        assertThat(u.userTime()).as("two burners of 0.3 s, one an orphan").isBetween(Duration.ofMillis(500), Duration.ofMillis(800));
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void withoutAContainerTheOrphanIsNotCounted(Mechanism m, @TempDir Path tmp) throws Exception {
        assumePerl();
        ExitStatus s = tree(tmp.resolve("done")).mechanism(m).run();

        ResourceUsage u = s.usage().orElseThrow();
        assertThat(u.scope()).isEqualTo(ResourceUsage.Scope.CHILD);
        assertThat(u.userTime()).as("the waited-for burner only").isBetween(Duration.ofMillis(250), Duration.ofMillis(400));
    }
}
