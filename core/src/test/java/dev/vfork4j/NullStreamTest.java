package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A child's streams that are not pipes to this JVM — redirected, inherited, or fed and read
 * by vfork4j itself — behave as ProcessBuilder's do, side by side: writing throws
 * IOException("Stream closed") instead of silently dropping the bytes, flush and close do
 * nothing; reading is at its end, available() is 0, and both stay so after close.
 */
@Timeout(60)
class NullStreamTest {

    @TempDir
    static Path dir;

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    /** What each operation on an output stream does: "ok" or the exception's class and message. */
    static List<String> outcomes(OutputStream s) {
        List<String> r = new ArrayList<>();
        r.add(outcome("write(int)", () -> s.write('x')));
        r.add(outcome("write(byte[3])", () -> s.write(new byte[3])));
        r.add(outcome("write(byte[0])", () -> s.write(new byte[0])));
        r.add(outcome("write(b, 1, 1)", () -> s.write(new byte[3], 1, 1)));
        r.add(outcome("flush()", s::flush));
        r.add(outcome("close()", s::close));
        r.add(outcome("write(int) after close", () -> s.write('x')));
        r.add(outcome("flush() after close", s::flush));
        return r;
    }

    /** What each operation on an input stream does: its result, or the exception's class and message. */
    static List<String> outcomes(InputStream s) {
        List<String> r = new ArrayList<>();
        r.add(value("read()", s::read));
        r.add(value("read(byte[3])", () -> s.read(new byte[3])));
        r.add(value("read(byte[0])", () -> s.read(new byte[0])));
        r.add(value("available()", s::available));
        r.add(value("skip(10)", () -> s.skip(10)));
        r.add(value("readAllBytes().length", () -> s.readAllBytes().length));
        r.add(value("transferTo", () -> s.transferTo(OutputStream.nullOutputStream())));
        r.add(outcome("close()", s::close));
        r.add(value("read() after close", s::read));
        r.add(value("read(byte[3]) after close", () -> s.read(new byte[3])));
        r.add(value("available() after close", s::available));
        r.add(outcome("close() again", s::close));
        return r;
    }

    interface IoAction {
        void run() throws IOException;
    }

    interface IoValue {
        Object get() throws IOException;
    }

    static String outcome(String op, IoAction a) {
        return value(op, () -> {
            a.run();
            return "ok";
        });
    }

    static String value(String op, IoValue v) {
        try {
            return op + " -> " + v.get();
        } catch (Exception e) {
            return op + " -> " + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /** The JDK's answer for a stream that is not a pipe: its null streams, through ProcessBuilder. */
    static <T> List<String> jdk(Function<ProcessBuilder, ProcessBuilder> redirect, Function<Process, T> stream,
                                Function<T, List<String>> ops) throws Exception {
        Process p = redirect.apply(new ProcessBuilder("true")).start();
        try {
            return ops.apply(stream.apply(p));
        } finally {
            p.waitFor();
        }
    }

    static <T> List<String> ours(Command c, Function<Child, T> stream, Function<T, List<String>> ops) throws Exception {
        Child child = c.start();
        try {
            return ops.apply(stream.apply(child));
        } finally {
            child.waitFor();
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdinThatIsNotAPipeRefusesWritesAsTheJdksDoes(Mechanism m) throws Exception {
        Path input = Files.writeString(dir.resolve("input"), "from a file\n");
        List<String> expected = jdk(pb -> pb.redirectInput(input.toFile()), Process::getOutputStream, NullStreamTest::outcomes);
        assertThat(expected).as("the JDK's null output stream").contains("write(int) -> java.io.IOException: Stream closed");
        Command c = Command.of("true").mechanism(m);
        Map<String, Command> cases = Map.of(
            "Redirect.from(file)", c.stdin(Redirect.from(input)),
            "INHERIT", c.stdin(Redirect.INHERIT),
            "DISCARD", c.stdin(Redirect.DISCARD),
            "stdin(ByteBuffer)", c.stdin(ByteBuffer.wrap(new byte[10])),
            "stdin(InputStream)", c.stdin(InputStream.nullInputStream()),
            "Vfork4j.start(pb) with a file", Command.from(new ProcessBuilder("true").redirectInput(input.toFile())).mechanism(m));
        for (var e : cases.entrySet()) {
            assertThat(ours(e.getValue(), Child::getOutputStream, NullStreamTest::outcomes)).as(e.getKey()).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdoutAndStderrThatAreNotPipesReadAsTheJdksDo(Mechanism m) throws Exception {
        Path output = dir.resolve("output-" + m);
        List<String> expected = jdk(pb -> pb.redirectOutput(ProcessBuilder.Redirect.DISCARD), Process::getInputStream,
            NullStreamTest::outcomes);
        assertThat(expected).as("the JDK's null input stream").contains("read() -> -1", "read() after close -> -1");
        assertThat(jdk(pb -> pb.redirectError(ProcessBuilder.Redirect.DISCARD), Process::getErrorStream, NullStreamTest::outcomes))
            .isEqualTo(expected);
        // Not compared: under redirectErrorStream(true) the JDK's getErrorStream() is a pipe at its
        // end (its child closes the write end), which throws "Stream closed" once closed, where
        // Process.getErrorStream() documents the null stream; vfork4j gives the documented one.
        Command c = Command.of("true").mechanism(m);
        Map<String, Command> stdoutCases = Map.of(
            "DISCARD", c.stdout(Redirect.DISCARD),
            "Redirect.to(file)", c.stdout(Redirect.to(output)),
            "INHERIT", c.stdout(Redirect.INHERIT),
            "onStdout", c.onStdout(chunk -> { }));
        for (var e : stdoutCases.entrySet()) {
            assertThat(ours(e.getValue(), Child::getInputStream, NullStreamTest::outcomes)).as("stdout " + e.getKey())
                .isEqualTo(expected);
        }
        Map<String, Command> stderrCases = Map.of(
            "DISCARD", c.stderr(Redirect.DISCARD),
            "STDOUT", c.stderr(Redirect.STDOUT),
            "Redirect.appendTo(file)", c.stderr(Redirect.appendTo(output)),
            "onStderr", c.onStderr(chunk -> { }));
        for (var e : stderrCases.entrySet()) {
            assertThat(ours(e.getValue(), Child::getErrorStream, NullStreamTest::outcomes)).as("stderr " + e.getKey())
                .isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aPipeStillTakesWhatIsWritten(Mechanism m) throws Exception {
        Child c = Command.of("cat").mechanism(m).start();
        try (OutputStream in = c.getOutputStream()) {
            in.write("through\n".getBytes());
        }
        assertThat(new String(c.getInputStream().readAllBytes())).isEqualTo("through\n");
        assertThat(c.waitFor()).isZero();
    }
}
