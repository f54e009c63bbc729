package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Programs that cannot run, directories that are not there: the step, the errno, the JDK's message shape. */
@Timeout(120)
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
        // JDK 25's words exactly, its trailing space included.
        assertThat(e).hasMessage("Cannot run program \"vfork4j-no-such-program\": Exec failed, error: 2 (No such file or directory) ");
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
        assertThat(e).hasMessage("Cannot run program \"" + file + "\": Exec failed, error: 13 (Permission denied) ");
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
        // JDK 25 says "Exec failed" for a failed chdir too; the step says what really failed.
        assertThat(e).hasMessage("Cannot run program \"pwd\" (in directory \"" + missing
            + "\"): Exec failed, error: 2 (No such file or directory) [step CHDIR]");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void fileAsWorkingDirectoryIsEnotdir(Mechanism m) throws Exception {
        Path file = Files.createFile(dir.resolve("plain"));
        SpawnException e = failure(Command.of("pwd").directory(file).mechanism(m));
        assertThat(e.step()).isEqualTo(SpawnException.Step.CHDIR);
        assertThat(e.errno()).isEqualTo(20); // ENOTDIR, as the JDK reports it
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void missingRedirectFileFailsWithoutSpawning(Mechanism m) throws Exception {
        Path missing = dir.resolve("no-such-input");
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
            () -> Command.of("cat").stdin(Redirect.from(missing)).mechanism(m).start());
        // Every mechanism, the JDK's too, names the file as the JDK does, then the step.
        SpawnException e = (SpawnException) t;
        assertThat(e.step()).isEqualTo(SpawnException.Step.REDIRECT);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.file()).contains(missing);
        assertThat(e).hasMessage("Cannot run program \"cat\": " + missing + " (No such file or directory)"
            + " [step REDIRECT: stdin from " + missing + "]");
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("/cat"))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void unwritableRedirectTargetFails(Mechanism m) throws Exception {
        Path target = dir.resolve("sub/dir/out.txt"); // parent directories do not exist
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
            () -> Command.of("echo").stdout(Redirect.to(target)).mechanism(m).start());
        assertThat(t).isInstanceOf(SpawnException.class).hasMessage("Cannot run program \"echo\": " + target
            + " (No such file or directory) [step REDIRECT: stdout to " + target + "]");
    }

    @Test
    void messagesReadTheSameWithoutNativeAccess() throws Exception {
        // Under deny only the JDK mechanism runs, and the errno's text comes from vfork4j's own table.
        Output out = ChildJvm.command(List.of("--illegal-native-access=deny"), SpawnProbe.class,
            "vfork4j-no-such-program").output();
        assertThat(out.stdoutText()).contains("best=JDK");
        assertThat(out.stderrText()).contains("dev.vfork4j.SpawnException: Cannot run program \"vfork4j-no-such-program\": "
            + "Exec failed, error: 2 (No such file or directory) \n");
    }
}
