package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Virtual threads blocked on a child's stdout and in waitFor do not pin their carriers: JFR's
 * jdk.VirtualThreadPinned event must not fire for any of vfork4j's frames.
 */
@Timeout(120)
class VirtualThreadTest {

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void blockedReadersAndWaitersDoNotPinCarriers(Mechanism m) throws Exception {
        // Warm up first: the first use of a class initialises it, and a virtual thread that waits
        // for a class initialiser is pinned by design; that is the JVM's, not a blocking read's.
        runReaders(m, 4);
        ConcurrentLinkedQueue<String> pinned = new ConcurrentLinkedQueue<>();
        try (RecordingStream jfr = new RecordingStream()) {
            jfr.enable("jdk.VirtualThreadPinned").withThreshold(java.time.Duration.ZERO).withStackTrace();
            jfr.onEvent("jdk.VirtualThreadPinned", (RecordedEvent e) -> pinned.add(String.valueOf(e.getStackTrace())));
            jfr.startAsync();
            assertThat(runReaders(m, 50)).hasSize(50).containsOnly("done");
            Thread.sleep(500); // let the stream deliver what it recorded
        }
        assertThat(pinned.stream().filter(s -> s.contains("dev.vfork4j"))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void outputAndRunOnVirtualThreadsParkWithoutPinning(Mechanism m) throws Exception {
        // A platform thread waits for run() and output() in poll(2); a virtual thread must not
        // (it would hold its carrier) and parks instead, served by the loop, which takes the
        // child's pidfd and pipes when asked: these verbs give it no sweep to find them by.
        runVerbs(m, 4);
        ConcurrentLinkedQueue<String> pinned = new ConcurrentLinkedQueue<>();
        try (RecordingStream jfr = new RecordingStream()) {
            jfr.enable("jdk.VirtualThreadPinned").withThreshold(java.time.Duration.ZERO).withStackTrace();
            jfr.onEvent("jdk.VirtualThreadPinned", (RecordedEvent e) -> pinned.add(String.valueOf(e.getStackTrace())));
            jfr.startAsync();
            assertThat(runVerbs(m, 50)).hasSize(50).containsOnly("out|0");
            Thread.sleep(500); // let the stream deliver what it recorded
        }
        assertThat(pinned.stream().filter(s -> s.contains("dev.vfork4j"))).isEmpty();
    }

    /** {@code n} virtual threads, each waiting for output() and then run() of a child that sleeps. */
    private static List<String> runVerbs(Mechanism m, int n) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<String> results = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    String out = Command.of("sh", "-c", "sleep 0.3; echo out").mechanism(m).output().stdoutText().strip();
                    int code = Command.of("sleep", "0.1").mechanism(m).run().exitValue();
                    results.add(out + "|" + code);
                } catch (Exception e) {
                    results.add("failed: " + e);
                }
            }));
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            t.join(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        return List.copyOf(results);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void twentyBlockedReadersShareOneCarrier(Mechanism m) throws Exception {
        Output out = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED",
            "-Djdk.virtualThreadScheduler.parallelism=1", "-Djdk.virtualThreadScheduler.maxPoolSize=1"),
            CarrierProbe.class, m.name()).timeout(java.time.Duration.ofSeconds(60)).output();
        assertThat(out.stdoutText()).as(out.stderrText()).isEqualTo("all-started\nok\n");
    }

    /** {@code n} virtual threads, each starting a child, blocked reading its stdout, then in waitFor. */
    private static List<String> runReaders(Mechanism m, int n) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    Child c = Command.of("sh", "-c", "sleep 0.3; echo done").mechanism(m).start();
                    lines.add(c.inputReader().readLine());
                    c.waitFor();
                } catch (Exception e) {
                    lines.add("failed: " + e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return List.copyOf(lines);
    }
}
