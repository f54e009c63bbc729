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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A step that fails inside the child comes back as a SpawnException naming the step and the
 * errno, and leaves no child, no zombie and no fd behind.
 */
@Timeout(60)
class StepFailureTest {

    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.POSIX_SPAWN);
    }

    private static SpawnException failure(Command c) throws Exception {
        // The event loop is made before the first child, even one that fails: its fds are the JVM's, not the spawn's.
        Command.of("true").mechanism(c.mechanism()).run();
        Set<Long> childrenBefore = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
        int fdsBefore = FdLeakTest.openFds();
        long sharedMappingsBefore = sharedAnonymousMappings();
        SpawnException e = catchThrowableOfType(SpawnException.class, c::start);
        assertThat(sharedAnonymousMappings()).as("no MAP_SHARED slot left mapped").isEqualTo(sharedMappingsBefore);
        assertThat(e).as("a SpawnException").isNotNull();
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> !childrenBefore.contains(p)))
            .as("no new child").isEmpty();
        assertThat(ZombieTest.zombies()).isEmpty();
        assertThat(FdLeakTest.openFds()).isEqualTo(fdsBefore);
        return e;
    }

    /** MAP_SHARED | MAP_ANONYMOUS mappings show in /proc/self/maps as "/dev/zero (deleted)". */
    static long sharedAnonymousMappings() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith("/dev/zero (deleted)")).count();
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void chdirFailsInTheChild(Mechanism m, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        SpawnException e = failure(Command.of("pwd").mechanism(m).directory(dir.resolve("missing")));
        assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        Path file = Files.createFile(dir.resolve("file"));
        assertThat(failure(Command.of("pwd").mechanism(m).directory(file)).errnoName()).isEqualTo("ENOTDIR");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void execFailures(Mechanism m, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThat(failure(Command.of("vfork4j-nope").mechanism(m))).hasMessage(
            "Cannot run program \"vfork4j-nope\": Exec failed, error: 2 (No such file or directory) ");
        assertThat(failure(Command.of(dir.toString()).mechanism(m)).errnoName()).isEqualTo("EACCES");
        // An executable file in no executable format is no failure: /bin/sh runs it (ScriptWithoutShebangTest).
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void credentialsFailure(Mechanism m) throws Exception {
        // More supplementary groups than NGROUPS_MAX (65536): setgroups refuses with EINVAL.
        SpawnException e = failure(Command.of("true").mechanism(m).user(0, 0, new int[70_000]));
        assertThat(e.step()).isEqualTo(SpawnException.Step.CREDENTIALS);
        assertThat(e.errnoName()).isIn("EINVAL", "EPERM");
        assertThat(e).hasMessageContaining("[step CREDENTIALS: setgroups]");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void rlimitFailure(Mechanism m) throws Exception {
        // A NOFILE limit above fs.nr_open is refused even to root.
        int nrOpen = (int) dev.vfork4j.linux.Procfs.number("/proc/sys/fs/nr_open", -1);
        SpawnException e = failure(Command.of("true").mechanism(m).limit(Resource.NOFILE, nrOpen + 1L, nrOpen + 1L));
        assertThat(e.step()).isEqualTo(SpawnException.Step.RLIMIT);
        assertThat(e.errnoName()).isEqualTo("EPERM");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void processGroupFailure(Mechanism m) throws Exception {
        SpawnException e = failure(Command.of("true").mechanism(m).processGroup(ProcessHandle.current().pid() > 1 ? 1 : 2));
        assertThat(e.step()).isEqualTo(SpawnException.Step.PROCESS_GROUP);
        assertThat(e.errnoName()).isEqualTo("EPERM");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void closedKeptFdFailsBeforeTheClone(Mechanism m) throws Exception {
        int closed = 987_654; // far above anything this JVM has open
        assertThat(dev.vfork4j.linux.Posix.isOpen(closed)).isFalse();
        SpawnException e = failure(Command.of("true").mechanism(m).keepFd(closed, 10));
        assertThat(e.step()).isEqualTo(SpawnException.Step.FDS);
        assertThat(e.errnoName()).isEqualTo("EBADF");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void missingCgroupFails(Mechanism m) throws Exception {
        SpawnException e = failure(Command.of("true").mechanism(m).cgroup(Path.of("/sys/fs/cgroup/vfork4j-no-such-group")));
        assertThat(e.step()).isEqualTo(SpawnException.Step.CGROUP);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void notACgroupFails(Mechanism m) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/tmp")));
        SpawnException e = failure(Command.of("true").mechanism(m).cgroup(Path.of("/tmp")));
        assertThat(e.step()).isEqualTo(SpawnException.Step.CGROUP);
    }
}
