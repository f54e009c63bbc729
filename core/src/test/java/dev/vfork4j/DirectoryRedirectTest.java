package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
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
 * A redirect that names a directory is refused at start(), with an IOException naming the
 * path, as ProcessBuilder refuses it (FileInputStream: "x (Is a directory)"): opening a
 * directory for reading succeeds, so without a check the child would start and fail later.
 */
@Timeout(60)
class DirectoryRedirectTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @TempDir
    Path dir;

    private IOException refused(Command c) throws Exception {
        Set<Long> childrenBefore = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
        int fdsBefore = FdLeakTest.openFds();
        IOException e = catchThrowableOfType(IOException.class, c::start);
        assertThat(e).as("start() refuses").isNotNull();
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> !childrenBefore.contains(p)))
            .as("no child started").isEmpty();
        assertThat(FdLeakTest.openFds()).as("no fd left open").isEqualTo(fdsBefore);
        return e;
    }

    private IOException refusedByProcessBuilder(ProcessBuilder pb) {
        IOException e = catchThrowableOfType(IOException.class, pb::start);
        assertThat(e).as("ProcessBuilder refuses").isNotNull();
        return e;
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdinFromADirectory(Mechanism m) throws Exception {
        Path d = Files.createDirectory(dir.resolve("a directory"));
        IOException jdk = refusedByProcessBuilder(new ProcessBuilder("cat").redirectInput(d.toFile()));
        assertThat(jdk).hasMessage("Cannot run program \"cat\": " + d + " (Is a directory)");

        IOException e = refused(Command.of("cat").mechanism(m).stdin(Redirect.from(d)));
        assertThat(e).hasMessageStartingWith("Cannot run program \"cat\"").hasMessageContaining(d.toString())
            .hasMessageContaining("Is a directory");
        if (m != Mechanism.JDK) {
            SpawnException se = (SpawnException) e;
            assertThat(se.step()).isEqualTo(SpawnException.Step.REDIRECT);
            assertThat(se.errnoName()).isEqualTo("EISDIR");
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdoutAndStderrToADirectory(Mechanism m) throws Exception {
        Path d = Files.createDirectory(dir.resolve("out"));
        IOException jdk = refusedByProcessBuilder(new ProcessBuilder("true").redirectOutput(d.toFile()));
        assertThat(jdk).hasMessageContaining(d + " (Is a directory)");
        for (Command c : new Command[] {Command.of("true").stdout(Redirect.to(d)), Command.of("true").stderr(Redirect.appendTo(d))}) {
            IOException e = refused(c.mechanism(m));
            assertThat(e).hasMessageContaining(d.toString()).hasMessageContaining("Is a directory");
        }
    }
}
