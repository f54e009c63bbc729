package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * stdin(InputStream) whose read throws or never returns: the failure surfaces, with its cause,
 * instead of the child getting short input and output() reporting success; a stream that never
 * returns holds up neither output() nor a pipe fd once the child has exited. A child that stops
 * reading early is still not an error. Every mechanism.
 */
@Timeout(120)
class StdinStreamTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    /** "partial\n", then read throws {@code failure}. */
    static InputStream failingAfterSomeBytes(Exception failure) {
        return new SequenceInputStream(new ByteArrayInputStream("partial\n".getBytes(StandardCharsets.US_ASCII)),
            new InputStream() {
                @Override
                public int read() throws IOException {
                    if (failure instanceof IOException io) {
                        throw io;
                    }
                    throw (RuntimeException) failure;
                }
            });
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aStreamThatThrowsFailsOutputAndRunWithItsException(Mechanism m) {
        IOException diskGone = new IOException("disk gone");
        assertThatThrownBy(() -> Command.of("cat").mechanism(m).stdin(failingAfterSomeBytes(diskGone)).output())
            .isInstanceOf(IOException.class).hasMessageContaining("feeding stdin of cat failed")
            .cause().isSameAs(diskGone);
        UncheckedIOException unchecked = new UncheckedIOException(new IOException("socket reset"));
        assertThatThrownBy(() -> Command.of("cat").mechanism(m).stdin(failingAfterSomeBytes(unchecked))
            .stdout(Redirect.DISCARD).run())
            .isInstanceOf(IOException.class).cause().isSameAs(unchecked);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aChildThatStopsReadingAnEndlessStreamIsNotAnError(Mechanism m) throws Exception {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'y';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Arrays.fill(b, off, off + len, (byte) '\n');
                return len;
            }
        };
        Output out = Command.of("head", "-n", "3").mechanism(m).stdin(endless).output();
        assertThat(out.status().success()).isTrue();
        assertThat(out.stdoutText()).isEqualTo("\n\n\n");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aStreamThatNeverReturnsLeaksNoFdAndHoldsUpNothing(Mechanism m) throws Exception {
        // read() blocks, deaf to interrupts, until the test ends: the worst a caller can pass.
        CountDownLatch testOver = new CountDownLatch(1);
        InputStream stuck = new InputStream() {
            @Override
            public int read() {
                boolean interrupted = false;
                while (true) {
                    try {
                        testOver.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return -1;
            }
        };
        try {
            Command.of("true").mechanism(m).output(); // the loop and its fds exist before counting
            int before = FdLeakTest.openFds();
            for (int i = 0; i < 200; i++) {
                Command c = Command.of("true").mechanism(m).stdin(stuck);
                if (i % 2 == 0) {
                    assertThat(c.output().status().success()).isTrue();
                } else {
                    c.start(); // nobody waits: the loop reaps it, and its exit must end the feed all the same
                }
            }
            int after = FdLeakTest.openFds();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (after > before && System.nanoTime() < deadline) { // the last exits' pipes close on the loop
                Thread.sleep(20);
                after = FdLeakTest.openFds();
            }
            assertThat(after).as("fds open after 200 children fed by a stuck stream (before: %d)", before)
                .isLessThanOrEqualTo(before);
        } finally {
            testOver.countDown();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aPipelineWhoseFirstStageStreamThrowsFailsWithItsException(Mechanism m) {
        IOException diskGone = new IOException("disk gone");
        assertThatThrownBy(() -> Pipeline.of(Command.of("cat").mechanism(m).stdin(failingAfterSomeBytes(diskGone)),
            Command.of("wc", "-c").mechanism(m)).output())
            .isInstanceOf(IOException.class).hasMessageContaining("feeding stdin of cat failed")
            .cause().isSameAs(diskGone);
    }
}
