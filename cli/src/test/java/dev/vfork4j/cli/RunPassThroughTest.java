package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * That {@code run} hands the child this process's own stdin, stdout and stderr: checked from
 * outside, by starting the CLI in a JVM of its own with files for its three streams, since
 * in process the child would write to the test JVM's stdout.
 */
class RunPassThroughTest {

    @TempDir
    Path dir;

    static List<String> availableMechanisms() {
        return RunCommandTest.availableMechanisms().toList();
    }

    @ParameterizedTest
    @MethodSource("availableMechanisms")
    void stdoutAndStderrReachTheirOwnDestinationsAndTheExitCodeComesBack(String mechanism) throws Exception {
        CliJvm r = cli("", "run", "--mechanism", mechanism, "--", "sh", "-c", "echo out; echo err >&2; exit 5");
        assertThat(r.code()).isEqualTo(5);
        assertThat(r.out()).isEqualTo("out\n");
        assertThat(r.err()).isEqualTo("err\n");
    }

    @ParameterizedTest
    @MethodSource("availableMechanisms")
    void stdinIsTheCallersStdin(String mechanism) throws Exception {
        CliJvm r = cli("ping\npong\n", "run", "-m", mechanism, "--", "sh", "-c", "read a; read b; echo \"$b $a\"");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("pong ping\n");
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("availableMechanisms")
    void aSignalledChildExits128PlusTheSignal(String mechanism) throws Exception {
        CliJvm r = cli("", "run", "-m", mechanism, "--", "sh", "-c", "kill -KILL $$");
        assertThat(r.code()).isEqualTo(128 + 9);
    }

    @ParameterizedTest
    @MethodSource("availableMechanisms")
    void aProgramThatCannotBeRunExits127(String mechanism) throws Exception {
        CliJvm r = cli("", "run", "-m", mechanism, "--", "/nonexistent/vfork4j-no-such-program");
        assertThat(r.code()).isEqualTo(127);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).matches("vfork4j: Cannot run program \"/nonexistent/vfork4j-no-such-program\": "
            + "[^\n]*No such file or directory\\)?\n");
    }

    private CliJvm cli(String stdin, String... args) throws Exception {
        return CliJvm.run(dir, stdin, args);
    }
}
