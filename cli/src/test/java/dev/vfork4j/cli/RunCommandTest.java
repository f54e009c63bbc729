package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.vfork4j.Mechanism;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exit codes of {@code run}, in process. The children here write nothing: their stdout is
 * the test JVM's own. {@link RunPassThroughTest} checks the streams from outside.
 */
class RunCommandTest {

    static Stream<String> availableMechanisms() {
        return Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable).map(Mechanism::name);
    }

    @ParameterizedTest
    @MethodSource("availableMechanisms")
    void exitsWithTheChildsExitCode(String mechanism) {
        Invocation r = Invocation.execute("run", "--mechanism", mechanism, "--", "sh", "-c", "exit 7");
        assertThat(r.code()).isEqualTo(7);
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("availableMechanisms")
    void exitsWith128PlusTheSignalThatKilledTheChild(String mechanism) {
        Invocation r = Invocation.execute("run", "--mechanism", mechanism, "--", "sh", "-c", "kill -TERM $$");
        assertThat(r.code()).isEqualTo(128 + 15);
    }

    @Test
    void exitCodeZeroPassesThrough() {
        assertThat(Invocation.execute("run", "--", "true").code()).isZero();
        assertThat(Invocation.execute("run", "--", "false").code()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("availableMechanisms")
    void programThatCannotBeRunExits127WithOneLineOnStderr(String mechanism) {
        Invocation r = Invocation.execute("run", "-m", mechanism, "--", "/nonexistent/vfork4j-no-such-program");
        assertThat(r.code()).isEqualTo(127);
        // One line. The wording after the program name is the library's, which matches the
        // JDK's "Exec failed, error: 2 (No such file or directory) " unless it could not parse the JDK's message.
        assertThat(r.err()).matches("vfork4j: Cannot run program \"/nonexistent/vfork4j-no-such-program\": "
            + "[^\n]*No such file or directory\\)? ?\n");
    }

    @Test
    void unknownMechanismIsAUsageErrorNamingTheValidOnes() {
        Invocation r = Invocation.execute("run", "--mechanism", "spork", "--", "true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("vfork4j: invalid value for option '--mechanism'", "'spork'")
            .contains("VFORK", "POSIX_SPAWN", "FORK", "JDK");
    }

    @Test
    void mechanismNamesAreCaseInsensitive() {
        Invocation r = Invocation.execute("run", "-m", "jdk", "--", "sh", "-c", "exit 3");
        assertThat(r.code()).isEqualTo(3);
    }

    @Test
    void unavailableMechanismIsAOneLineErrorWithTheReason() {
        Optional<Mechanism> unavailable = Arrays.stream(Mechanism.values()).filter(m -> !m.isAvailable()).findFirst();
        assumeThat(unavailable).as("a mechanism that is unavailable here").isPresent();
        Mechanism m = unavailable.get();
        Invocation r = Invocation.execute("run", "-m", m.name(), "--", "true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("vfork4j: mechanism " + m + " is not available here: "
            + m.unavailableReason().orElseThrow() + System.lineSeparator());
    }

    @Test
    void optionsStopAtTheProgramSoItsOwnOptionsNeedNoDoubleDash() {
        // Were -c taken as an option of run, this would be a usage error (2).
        Invocation r = Invocation.execute("run", "sh", "-c", "exit 9");
        assertThat(r.code()).isEqualTo(9);
    }

    @Test
    void missingProgramIsAUsageError() {
        Invocation r = Invocation.execute("run", "--");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("vfork4j: missing required parameter: 'PROGRAM'\nTry 'vfork4j run --help'.\n");
    }

    @Test
    void envAddsVariablesOnTopOfTheInheritedEnvironment() {
        Invocation r = Invocation.execute("run", "--env", "VFORK4J_A=1", "-e", "VFORK4J_B=x=y", "--", "sh", "-c",
            "[ \"$VFORK4J_A\" = 1 ] && [ \"$VFORK4J_B\" = x=y ] && [ -n \"$PATH\" ]");
        assertThat(r.code()).isZero();
    }

    @Test
    void envWithoutAnEqualsSignIsAUsageError() {
        Invocation r = Invocation.execute("run", "--env", "VFORK4J_A", "--", "true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("KEY=VALUE");
    }

    @Test
    void directorySetsTheChildsWorkingDirectory(@TempDir Path dir) throws IOException {
        Invocation r = Invocation.execute("run", "--directory", dir.toString(), "--", "sh", "-c",
            "[ \"$(pwd -P)\" = \"" + dir.toRealPath() + "\" ]");
        assertThat(r.code()).isZero();
    }

    @Test
    void missingDirectoryExits127NamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("missing");
        Invocation r = Invocation.execute("run", "-C", missing.toString(), "--", "true");
        assertThat(r.code()).isEqualTo(127);
        assertThat(r.err()).startsWith("vfork4j: Cannot run program \"true\" (in directory \"" + missing + "\")");
    }

    @Test
    void nulByteInAnArgumentIsAUsageError() {
        Invocation r = Invocation.execute("run", "--", "echo", "a\0b");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("argument 1 must not contain a NUL byte");
    }

    @Test
    void errorMessagesAreOneLineWithoutTrailingSpace() {
        // JDK 25's exec failure ends in a space: "Exec failed, error: 2 (No such file or directory) ".
        assertThat(RunCommand.oneLine("Cannot run program \"x\": Exec failed, error: 2 (No such file) "))
            .isEqualTo("Cannot run program \"x\": Exec failed, error: 2 (No such file)");
        assertThat(RunCommand.oneLine("first line\n  second\r\nthird")).isEqualTo("first line second third");
        assertThat(RunCommand.oneLine(null)).isEqualTo("null");
    }
}
