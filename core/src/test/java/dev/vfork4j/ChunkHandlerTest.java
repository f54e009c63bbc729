package dev.vfork4j;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * onStdout/onStderr take a handler that may throw IOException, so the JDK's own sinks — a
 * channel's write, an OutputStream through Channels.newChannel — are handlers as they are, and
 * an IOException from one fails the command with it as the cause, without stalling the child.
 */
@Timeout(60)
class ChunkHandlerTest {

    @TempDir
    Path dir;

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aChannelsWriteIsAHandler(Mechanism m) throws Exception {
        Path log = dir.resolve("log");
        try (FileChannel out = FileChannel.open(log, CREATE, WRITE, APPEND)) {
            ExitStatus s = Command.of("tail", "-n", "5", "/etc/passwd").mechanism(m).onStdout(out::write).run();
            assertThat(s.success()).isTrue();
        }
        List<String> passwd = Files.readAllLines(Path.of("/etc/passwd"));
        assertThat(Files.readAllLines(log)).isEqualTo(passwd.subList(Math.max(0, passwd.size() - 5), passwd.size()));

        Path err = dir.resolve("err");
        try (SeekableByteChannel out = Files.newByteChannel(err, CREATE, WRITE)) {
            Command.of("sh", "-c", "echo to stderr >&2").mechanism(m).onStderr(out::write).run();
        }
        assertThat(Files.readString(err)).isEqualTo("to stderr\n");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Command.of("seq", "3").mechanism(m).onStdout(Channels.newChannel(bytes)::write).run();
        assertThat(bytes.toString()).isEqualTo("1\n2\n3\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aHandlerThatThrowsIoExceptionFailsTheCommandWithItAsTheCause(Mechanism m) {
        // seq writes megabytes: the child runs to its end only if the rest is read and dropped.
        IOException full = new IOException("No space left on device");
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> Command.of("seq", "1", "1000000").mechanism(m).onStdout(chunk -> {
            calls.incrementAndGet();
            throw full;
        }).run()).isInstanceOf(IOException.class).hasMessageContaining("the onStdout handler of seq failed")
            .cause().isSameAs(full);
        assertThat(calls.get()).as("no call after the handler threw").isEqualTo(1);

        IOException broken = new IOException("broken sink");
        assertThatThrownBy(() -> Command.of("sh", "-c", "seq 1 1000000 >&2; echo done").mechanism(m)
            .onStderr(chunk -> { throw broken; }).output())
            .isInstanceOf(IOException.class).hasMessageContaining("the onStderr handler of sh failed")
            .cause().isSameAs(broken);
    }
}
