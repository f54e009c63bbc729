package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Output handed over as it arrives, input fed without blocking, limits, lines, futures. */
@Timeout(60)
class AsyncIoTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    /** Collects a consumer's bytes and notes which threads delivered them. */
    static final class Sink implements ChunkHandler {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final AtomicInteger concurrent = new AtomicInteger();
        volatile boolean overlapped;

        @Override
        public void accept(ByteBuffer b) {
            if (concurrent.incrementAndGet() > 1) {
                overlapped = true;
            }
            threads.add(Thread.currentThread());
            assertThat(b.isReadOnly()).isTrue();
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            synchronized (this) {
                bytes.writeBytes(chunk);
            }
            concurrent.decrementAndGet();
        }

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void onStdoutAndOnStderrReceiveEveryByteInOrderBeforeRunReturns(Mechanism m) throws Exception {
        Sink out = new Sink();
        Sink err = new Sink();
        ExitStatus s = Command.of("sh", "-c", "seq 1 200000; seq 1 1000 >&2").mechanism(m).onStdout(out).onStderr(err).run();
        assertThat(s.success()).isTrue();
        String expected = Stream.iterate(1, i -> i + 1).limit(200_000).map(i -> i + "\n").reduce(new StringBuilder(),
            StringBuilder::append, StringBuilder::append).toString();
        assertThat(new String(out.bytes(), StandardCharsets.US_ASCII)).isEqualTo(expected);
        assertThat(new String(err.bytes(), StandardCharsets.US_ASCII).lines()).hasSize(1000);
        assertThat(out.overlapped).as("one delivery at a time").isFalse();
        assertThat(out.threads).allMatch(Thread::isVirtual);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aSlowConsumerSlowsTheChildInsteadOfGrowingTheHeap(Mechanism m) throws Exception {
        // The consumer holds each chunk for a while; the child must block on the full pipe, so it
        // cannot get far ahead of what was delivered: at most the pipe and one buffer (1 MiB each
        // once the stream is seen streaming), out of 16 MiB written.
        AtomicLong delivered = new AtomicLong();
        AtomicLong maxAhead = new AtomicLong();
        Child c = Command.of("sh", "-c", "i=0; while [ $i -lt 256 ]; do head -c 65536 /dev/zero; i=$((i+1)); done")
            .mechanism(m).onStdout(b -> {
                delivered.addAndGet(b.remaining());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
        // While it runs, the bytes the child has written are its /proc/PID/io wchar.
        while (c.isAlive()) {
            try {
                long written = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + c.pid() + "/io")).stream()
                    .filter(l -> l.startsWith("wchar:")).mapToLong(l -> Long.parseLong(l.substring(6).strip())).sum();
                maxAhead.accumulateAndGet(written - delivered.get(), Math::max);
            } catch (IOException | RuntimeException gone) {
                break;
            }
            Thread.sleep(2);
        }
        assertThat(c.waitFor()).isZero();
        assertThat(delivered.get()).isEqualTo(256L * 65536);
        assertThat(maxAhead.get()).as("bytes written but not yet delivered").isLessThan(3L << 20);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aConsumerThatThrowsFailsRunWithItsException(Mechanism m) {
        assertThatThrownBy(() -> Command.of("seq", "1", "100000").mechanism(m)
            .onStdout(b -> { throw new IllegalStateException("consumer broke"); }).run())
            .isInstanceOf(IOException.class).hasMessageContaining("consumer broke")
            .hasCauseInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdinFromAByteBufferAndFromAnInputStream(Mechanism m) throws Exception {
        byte[] data = new byte[3 << 20];
        new java.util.Random(7).nextBytes(data);
        Output viaBuffer = Command.of("sha256sum").mechanism(m).stdin(ByteBuffer.wrap(data)).output();
        Output viaStream = Command.of("sha256sum").mechanism(m).stdin(new ByteArrayInputStream(data)).output();
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        assertThat(viaBuffer.stdoutText()).startsWith(expected);
        assertThat(viaStream.stdoutText()).startsWith(expected);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdinBufferRespectsPositionAndLimitAndAChildThatStopsReadingIsFine(Mechanism m) throws Exception {
        ByteBuffer b = ByteBuffer.wrap("xxhello\nyy".getBytes(StandardCharsets.US_ASCII));
        b.position(2).limit(8);
        assertThat(Command.of("cat").mechanism(m).stdin(b).output().stdoutText()).isEqualTo("hello\n");
        assertThat(b.position()).as("the caller's buffer is untouched").isEqualTo(2);
        // head reads one line of 10 MB and exits: the rest cannot be written, and that is not an error.
        Output head = Command.of("head", "-n", "1").mechanism(m).stdin(ByteBuffer.wrap(("one\n" + "x".repeat(10 << 20)).getBytes())).output();
        assertThat(head.stdoutText()).isEqualTo("one\n");
        assertThat(head.status().success()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void maxOutputKeepsTheHeadAndSaysSo(Mechanism m) throws Exception {
        Output out = Command.of("sh", "-c", "head -c 1000000 /dev/zero; echo err >&2").mechanism(m).maxOutput(1000).output();
        assertThat(out.stdout()).hasSize(1000);
        assertThat(out.stderrText()).isEqualTo("err\n");
        assertThat(out.truncated()).isTrue();
        assertThat(out.status().success()).as("the child was not stalled by the limit").isTrue();
        Output small = Command.of("echo", "fits").mechanism(m).maxOutput(1000).output();
        assertThat(small.truncated()).isFalse();
        assertThatThrownBy(() -> Command.of("x").maxOutput(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void outputAsyncCompletesWithTheOutput(Mechanism m) throws Exception {
        CompletableFuture<Output> f = Command.of("sh", "-c", "sleep 0.1; echo async").mechanism(m).outputAsync();
        assertThat(f.get(10, TimeUnit.SECONDS).stdoutText()).isEqualTo("async\n");
        assertThat(Command.of("vfork4j-nope").mechanism(m).outputAsync())
            .failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(java.util.concurrent.ExecutionException.class)
            .withCauseInstanceOf(SpawnException.class);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void cancellingOutputAsyncKillsTheChild(Mechanism m) throws Exception {
        java.util.Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
        CompletableFuture<Output> f = Command.of("sleep", "30").mechanism(m).outputAsync();
        ProcessHandle child = ProcessHandle.current().children().filter(h -> !before.contains(h.pid())).findFirst().orElseThrow();
        long pid = child.pid();
        f.cancel(true);
        // Running: not a zombie, and still the child (the handle's start time), for once the child
        // is reaped its pid may go to another process: a full run once saw the pid gone, then
        // running again 20 ms later (right after PidReuseTest, which steers pid numbers).
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (child.isAlive() && ParentDeathSignalTest.running(pid) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(child.isAlive() && ParentDeathSignalTest.running(pid)).isFalse();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void stdoutLinesStreamsLinesAsTheyCome(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "echo one; echo two; sleep 0.1; echo three").mechanism(m).start();
        try (Stream<String> lines = c.stdoutLines()) {
            assertThat(lines.toList()).containsExactly("one", "two", "three");
        }
        assertThat(c.waitFor()).isZero();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void tenMegabytesOnBothStreamsAtOnce(Mechanism m) throws Exception {
        Output out = Command.of("sh", "-c", "head -c 10485760 /dev/urandom & head -c 10485760 /dev/urandom >&2; wait")
            .mechanism(m).output();
        assertThat(out.stdout()).hasSize(10 << 20);
        assertThat(out.stderr()).hasSize(10 << 20);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aChildThatClosesStdoutEarlyButRunsOn(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "echo bye; exec >&-; sleep 0.3; exit 4").mechanism(m).start();
        assertThat(new String(c.getInputStream().readAllBytes())).isEqualTo("bye\n");
        assertThat(c.isAlive()).as("stdout is at its end, the child is still running").isTrue();
        assertThat(c.waitFor()).isEqualTo(4);
        Output out = Command.of("sh", "-c", "echo bye; exec >&-; sleep 0.2; echo late >&2").mechanism(m).output();
        assertThat(out.stdoutText()).isEqualTo("bye\n");
        assertThat(out.stderrText()).isEqualTo("late\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void closingTheOutputWriterClosesStdinSoSortCanAnswer(Mechanism m) throws Exception {
        // The README's sort example: sort answers only at end of input, so stdin must be closed.
        Child child = Command.of("sort").mechanism(m).start();
        try (java.io.BufferedWriter in = child.outputWriter()) {
            in.write("b\na\n");
        }
        assertThat(child.inputReader().lines().toList()).containsExactly("a", "b");
        assertThat(child.waitFor()).isZero();
    }
}
