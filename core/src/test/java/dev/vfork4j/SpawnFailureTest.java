package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Programs that cannot run, directories that are not there: the step, the errno, the JDK's message shape. */
class SpawnFailureTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @TempDir
    Path dir;

    private static SpawnException failure(Command c) {
        return catchThrowableOfType(SpawnException.class, c::start);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void nonexistentProgramIsEnoent(Mechanism m) {
        SpawnException e = failure(Command.of("vfork4j-no-such-program").mechanism(m));
        assertThat(e.errno()).isEqualTo(2);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e.step().toString()).isEqualTo("EXEC");
        assertThat(e.program()).isEqualTo("vfork4j-no-such-program");
        assertThat(e).hasMessage("Cannot run program \"vfork4j-no-such-program\": error=2, No such file or directory");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void nonexistentAbsolutePathIsEnoent(Mechanism m) {
        SpawnException e = failure(Command.of("/nonexistent/dir/prog").mechanism(m));
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void nonExecutableFileIsEacces(Mechanism m) throws Exception {
        Path file = dir.resolve("not-executable");
        Files.writeString(file, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SpawnException e = failure(Command.of(file.toString()).mechanism(m));
        assertThat(e.errnoName()).isEqualTo("EACCES");
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e).hasMessageContaining("error=13, Permission denied");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void directoryAsProgramIsEacces(Mechanism m) {
        SpawnException e = failure(Command.of(dir.toString()).mechanism(m));
        assertThat(e.errnoName()).isEqualTo("EACCES");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void missingWorkingDirectoryIsChdir(Mechanism m) {
        Path missing = dir.resolve("missing");
        SpawnException e = failure(Command.of("pwd").directory(missing).mechanism(m));
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
        assertThat(e.directory()).contains(missing);
        assertThat(e.getMessage()).startsWith("Cannot run program \"pwd\" (in directory \"" + missing + "\"): error=2, No such file or directory");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void fileAsWorkingDirectoryIsEnotdir(Mechanism m) throws Exception {
        Path file = Files.createFile(dir.resolve("plain"));
        SpawnException e = failure(Command.of("pwd").directory(file).mechanism(m));
        assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
        assertThat(e.errno()).isIn(20, 2); // the JDK reports ENOTDIR; both are right
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void missingRedirectFileFailsWithoutSpawning(Mechanism m) throws Exception {
        Path missing = dir.resolve("no-such-input");
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
            () -> Command.of("cat").stdin(Redirect.from(missing)).mechanism(m).start());
        assertThat(t).isInstanceOf(java.io.IOException.class).hasMessageContaining(missing.toString());
        if (m != Mechanism.JDK) {
            SpawnException e = (SpawnException) t;
            assertThat(e.step()).isEqualTo(SpawnException.Step.REDIRECT);
            assertThat(e.errnoName()).isEqualTo("ENOENT");
            assertThat(e).hasMessage("Cannot run program \"cat\": error=2, No such file or directory"
                + " [step REDIRECT: stdin from " + missing + "]");
        }
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("/cat"))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void unwritableRedirectTargetFails(Mechanism m) throws Exception {
        Path target = dir.resolve("sub/dir/out.txt"); // parent directories do not exist
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
            () -> Command.of("echo").stdout(Redirect.to(target)).mechanism(m).start());
        assertThat(t).isInstanceOf(java.io.IOException.class).hasMessageContaining(target.toString());
    }
}
