package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every Redirect, observed from inside the child through /proc/self/fd. */
class RedirectTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @TempDir
    Path dir;

    private static Command reporter(Path report) {
        // Command substitutions read /proc/$$ (the shell itself) before the report redirect is made.
        return Command.of("sh", "-c", "a=$(readlink /proc/$$/fd/0); b=$(readlink /proc/$$/fd/1); "
            + "c=$(readlink /proc/$$/fd/2); printf '%s\\n' \"$a\" \"$b\" \"$c\" > '" + report + "'");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void inheritGivesTheChildThisJvmsStreams(Mechanism m) throws Exception {
        Path report = dir.resolve("report-" + m);
        Command.of("sh", "-c", "readlink /proc/self/fd/0 > '" + report + "'")
            .mechanism(m).stdin(Redirect.INHERIT).run();
        assertThat(Files.readString(report).strip()).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString());
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void discardIsDevNullForEveryStream(Mechanism m) throws Exception {
        Path report = dir.resolve("report-" + m);
        reporter(report).mechanism(m).stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).run();
        assertThat(Files.readString(report)).isEqualTo("/dev/null\n/dev/null\n/dev/null\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void pipeIsAPipe(Mechanism m) throws Exception {
        Path report = dir.resolve("report-" + m);
        Child c = reporter(report).mechanism(m).start();
        assertThat(c.waitFor()).isZero();
        assertThat(Files.readString(report).lines()).allMatch(l -> l.startsWith("pipe:["));
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdoutMergesStderrIntoStdoutInOrder(Mechanism m) throws Exception {
        Output out = Command.of("sh", "-c", "echo 1; echo 2 >&2; echo 3; echo 4 >&2").mechanism(m)
            .stderr(Redirect.STDOUT).output();
        assertThat(out.stdoutText()).isEqualTo("1\n2\n3\n4\n");
        assertThat(out.stderr()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void fromReadsAFile(Mechanism m) throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "line one\nline two\n");
        assertThat(Command.of("cat").mechanism(m).stdin(Redirect.from(in)).output().stdoutText())
            .isEqualTo("line one\nline two\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void toTruncatesAndAppendToAppends(Mechanism m) throws Exception {
        Path out = dir.resolve("out-" + m + ".txt");
        Files.writeString(out, "old content that is long\n");
        Command.of("echo", "new").mechanism(m).stdout(Redirect.to(out)).run();
        assertThat(Files.readString(out)).isEqualTo("new\n");
        Command.of("echo", "more").mechanism(m).stdout(Redirect.appendTo(out)).run();
        Command.of("sh", "-c", "echo err >&2").mechanism(m).stderr(Redirect.appendTo(out)).run();
        assertThat(Files.readString(out)).isEqualTo("new\nmore\nerr\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void toCreatesTheFile(Mechanism m) throws Exception {
        Path out = dir.resolve("created-" + m + ".txt");
        Output o = Command.of("echo", "x").mechanism(m).stdout(Redirect.to(out)).output();
        assertThat(o.stdout()).isEmpty();
        assertThat(Files.readString(out)).isEqualTo("x\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void relativeRedirectPathsAreThisJvmsNotTheChilds(Mechanism m) throws Exception {
        Path relative = Path.of("target", "redirect-relative-" + m + ".txt");
        Files.deleteIfExists(relative);
        Command.of("echo", "rel").mechanism(m).directory(dir).stdout(Redirect.to(relative)).run();
        assertThat(Files.readString(relative)).isEqualTo("rel\n");
        Files.delete(relative);
    }

    @Test
    void redirectsAreValues() {
        assertThat(Redirect.to(Path.of("a"))).isEqualTo(Redirect.to(Path.of("a"))).isNotEqualTo(Redirect.appendTo(Path.of("a")));
        assertThat(Redirect.INHERIT).isInstanceOf(Redirect.Standard.class);
        assertThatThrownBy(() -> Redirect.to(null)).isInstanceOf(NullPointerException.class);
    }
}
