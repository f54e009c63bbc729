package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * keepFd to a number the child cannot have: every fd number is below RLIMIT_NOFILE's soft
 * limit, which the child inherits. The failure names the limit, and comes before anything is
 * opened or started.
 */
@Timeout(60)
class FdLimitTest {

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    @TempDir
    Path dir;

    private static final long NR_OPEN = dev.vfork4j.linux.Procfs.number("/proc/sys/fs/nr_open", 1 << 20);

    /** This JVM's soft RLIMIT_NOFILE, from /proc/self/limits. */
    static long softLimit() throws Exception {
        String line = Files.readAllLines(Path.of("/proc/self/limits")).stream()
            .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
    }

    private SpawnException refused(Command c) throws Exception {
        Set<Long> childrenBefore = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
        int fdsBefore = FdLeakTest.openFds();
        SpawnException e = catchThrowableOfType(SpawnException.class, c::start);
        assertThat(e).as("start() refuses").isNotNull();
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> !childrenBefore.contains(p)))
            .as("no child started").isEmpty();
        assertThat(FdLeakTest.openFds()).as("no fd left open").isEqualTo(fdsBefore);
        assertThat(e.step()).isEqualTo(SpawnException.Step.FDS);
        return e;
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aKeptFdAtOrAboveTheLimitNamesTheLimitBeforeAnythingIsOpened(Mechanism m) throws Exception {
        long limit = softLimit();
        assumeTrue(limit + 100 < NR_OPEN, "the soft limit is at the kernel's nr_open: no fd can be above it");
        Path out = dir.resolve("out");
        for (long target : new long[] {limit, limit + 100}) {
            SpawnException e = refused(Command.of("true").mechanism(m).stdout(Redirect.to(out)).keepFd(0, (int) target));
            assertThat(e.errnoName()).isEqualTo("EINVAL");
            assertThat(e).hasMessageContaining("keepFd(0, " + target + "): fd " + target
                + " in the child is at or above this process's RLIMIT_NOFILE soft limit (" + limit + ")");
            assertThat(out).as("the redirect was not opened").doesNotExist();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aKeptFdJustBelowTheLimitLeavesNoRoomToMoveSourcesAndSaysSo(Mechanism m) throws Exception {
        long limit = softLimit();
        assumeTrue(limit < NR_OPEN, "the soft limit is at the kernel's nr_open");
        // fd limit-1 is a valid number, but the sources below it must first be copied above it.
        SpawnException e = refused(Command.of("true").mechanism(m).keepFd(0, (int) limit - 1));
        assertThat(e).hasMessageContaining("moving fd ").hasMessageContaining("out of the way, above fd " + (limit - 1)
            + ": fd " + limit + " is at or above this process's RLIMIT_NOFILE soft limit (" + limit + ")");
    }
}
