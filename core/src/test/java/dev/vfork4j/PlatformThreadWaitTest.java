package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A platform thread that waits for its child (waitFor, run, output, a stream read) waits in the
 * kernel, as C's waitpid does, not through the loop thread: the child's exit and output wake
 * that thread alone. The hazards: an interrupt cannot wake a thread blocked in a native poll,
 * so the wait must be reachable; the loop must still serve everyone else who waits for the same
 * child (onExit, virtual threads, timeouts), with one reap and one status for all.
 */
@Timeout(120)
class PlatformThreadWaitTest {

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    /** Waits (at most 5 s) until the shared loop has not been woken for 300 ms. */
    private static void awaitQuietLoop() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long last = loopWakeUps();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            long now = loopWakeUps();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    /** Context switches of the shared loop thread(s) so far: how often it was woken. */
    private static long loopWakeUps() throws IOException {
        long sum = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    if (!Files.readString(task.resolve("comm")).strip().equals("vfork4j-loop")) {
                        continue;
                    }
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        // Voluntary: it slept and was woken. (Preemptions while it runs count elsewhere.)
                        if (line.startsWith("voluntary_ctxt_switches")) {
                            sum += Long.parseLong(line.split("\\s+")[1]);
                        }
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // a thread that ended meanwhile
                }
            }
        }
        return sum;
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void runAndOutputOnAPlatformThreadDoNotWakeTheLoop(Mechanism m) throws Exception {
        Command.of("true").mechanism(m).run(); // the shared loop exists, and is idle
        Thread.sleep(50);
        long before = loopWakeUps();
        for (int i = 0; i < 10; i++) {
            assertThat(Command.of("sleep", "0.01").mechanism(m).run().success()).isTrue();
        }
        // Forty separate writes, then the exit: through the loop, each one would wake it.
        Output out = Command.of("sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.005; echo $i >&2; "
            + "sleep 0.005; echo $i; echo $i >&2; done").mechanism(m).output();
        long wakeUps = loopWakeUps() - before;
        assertThat(out.stdoutText().lines()).hasSize(20);
        assertThat(out.stderrText().lines()).hasSize(20);
        // Through the loop: more than 50 (every exit, every write, every sweep). A few are left
        // to whatever an earlier test left behind (a deadline of its own).
        assertThat(wakeUps).as("loop thread wake-ups for 11 children waited for on a platform thread").isLessThan(10);
    }

    /**
     * The mechanisms whose parent goes on at once after the spawn. FORK's parent, its memory
     * copied for the child, meets copy-on-write faults on every page it writes next, which often
     * takes it more than the sweep's 1 ms to reach waitFor(); the sweep then fires, as it should.
     */
    static Stream<Mechanism> memorySharingMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.FORK);
    }

    @ParameterizedTest
    @MethodSource("memorySharingMechanisms")
    void startThenWaitForOnAPlatformThreadDoesNotWakeTheLoop(Mechanism m) throws Exception {
        // start() gives the child a sweep (nobody may ever ask about it), but a thread that then
        // waits for it in the kernel takes it out: children that outlive the sweep's 1 ms woke
        // the loop twice each (the sweep's scheduling, then the sweep itself).
        Command.of("true").mechanism(m).run();
        awaitQuietLoop(); // earlier tests' deadlines and children are done with
        long before = loopWakeUps();
        for (int i = 0; i < 20; i++) { // about 2 per child before
            Child c = Command.of("sleep", "0.01").mechanism(m).stdin(Redirect.INHERIT).stdout(Redirect.INHERIT)
                .stderr(Redirect.INHERIT).start();
            assertThat(c.waitFor()).isZero();
        }
        // A few are left to whatever an earlier test left behind (a deadline of its own).
        assertThat(loopWakeUps() - before).as("loop thread wake-ups for 20 children started, then waited for").isLessThan(10);
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aChildWhoseWaiterLeftEarlyIsStillSweptToTheLoop(Mechanism m) throws Exception {
        // The waiter took the pidfd out of the sweep and ran out of time: it must give it back,
        // or an exit nobody else asks about would never be reaped (ProcessHandle shows the zombie).
        Child c = Command.of("sleep", "0.3").mechanism(m).stdin(Redirect.INHERIT).stdout(Redirect.INHERIT)
            .stderr(Redirect.INHERIT).start();
        assertThat(c.waitFor(20, TimeUnit.MILLISECONDS)).isFalse();
        // Nothing that asks the loop (isAlive, onExit, exitValue): /proc shows the reap alone.
        Path proc = Path.of("/proc", Long.toString(c.pid()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(proc) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(proc).as("reaped by the loop after its sweep, though nobody asked").doesNotExist();
        assertThat(c.exitStatus()).isEqualTo(ExitStatus.exited(0));
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void thePlatformThreadThatWaitsReapsTheChildAndOnExitStillCompletes(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "sleep 0.2; exit 3").mechanism(m).start();
        AtomicReference<Thread> reapedOn = new AtomicReference<>();
        c.exit().whenComplete((status, failure) -> reapedOn.set(Thread.currentThread())); // a subscriber first
        CompletableFuture<Process> onExit = c.onExit();
        assertThat(c.waitFor()).isEqualTo(3);
        assertThat(reapedOn.get()).as("reaped by the thread in waitFor, not the loop").isSameAs(Thread.currentThread());
        assertThat(onExit.get(10, TimeUnit.SECONDS)).isSameAs(c);
        assertThat(c.exitStatus()).isEqualTo(ExitStatus.exited(3));
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void everyoneWaitingForOneChildSeesOneStatusAndTheTimeoutFiresMeanwhile(Mechanism m) throws Exception {
        // A timeout (on the loop), two platform threads in the kernel, a virtual thread and an
        // onExit subscriber, all on one child: one reap, one status, and the loop's deadline
        // still fires while the platform threads sleep in poll(2).
        Child c = Command.of("sleep", "30").mechanism(m).timeout(Duration.ofMillis(300)).start();
        List<CompletableFuture<Object>> waits = new ArrayList<>();
        waits.add(on(Thread.ofPlatform(), c::waitFor));
        waits.add(on(Thread.ofPlatform(), () -> c.waitFor(60, TimeUnit.SECONDS)));
        waits.add(on(Thread.ofVirtual(), c::waitFor));
        CompletableFuture<Process> onExit = c.onExit();
        assertThat(waits.get(0).get(20, TimeUnit.SECONDS)).isEqualTo(143);
        assertThat(waits.get(1).get(20, TimeUnit.SECONDS)).isEqualTo(true);
        assertThat(waits.get(2).get(20, TimeUnit.SECONDS)).isEqualTo(143);
        assertThat(onExit.get(20, TimeUnit.SECONDS)).isSameAs(c);
        assertThat(c.exitStatus()).isEqualTo(ExitStatus.killed(15, false));
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void anInterruptEndsAWaitForThatSleepsInTheKernel(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            CompletableFuture<List<Object>> waited = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    waited.complete(List.of(c.waitFor()));
                } catch (Throwable e) {
                    waited.complete(List.of(e, Thread.currentThread().isInterrupted()));
                }
            });
            Thread.sleep(300); // long past the first quick poll: in poll(2), where interrupt() alone wakes nobody
            t.interrupt();
            List<Object> result = waited.get(10, TimeUnit.SECONDS);
            assertThat(result.getFirst()).isInstanceOf(InterruptedException.class);
            assertThat(result.getLast()).as("the interrupt status is cleared, as Object.wait clears it").isEqualTo(false);
            assertThat(c.isAlive()).isTrue();
            // The loop has the child now: a kill is seen without anyone in waitFor.
            c.destroyForcibly();
            assertThat(c.onExit().get(10, TimeUnit.SECONDS)).isSameAs(c);
            assertThat(c.exitStatus()).isEqualTo(ExitStatus.killed(9, false));
        } finally {
            c.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void anInterruptDuringOutputKillsAndReapsTheChild(Mechanism m) throws Exception {
        CompletableFuture<Object> result = new CompletableFuture<>();
        AtomicReference<Long> pid = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                result.complete(Command.of("sh", "-c", "echo $$; exec sleep 30").mechanism(m)
                    .onStdout(chunk -> pid.compareAndSet(null, Long.parseLong(
                        java.nio.charset.StandardCharsets.UTF_8.decode(chunk).toString().strip())))
                    .output());
            } catch (Throwable e) {
                result.complete(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pid.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50);
        t.interrupt();
        assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(pid.get()).isNotNull();
        assertThat(ProcessHandle.of(pid.get())).as("killed and reaped before output() threw").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void anInterruptEndsAPlatformThreadsBlockedRead(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            CompletableFuture<List<Object>> result = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    result.complete(List.of(c.getInputStream().read()));
                } catch (IOException e) {
                    result.complete(List.of(e, Thread.currentThread().isInterrupted()));
                }
            });
            Thread.sleep(300); // in poll(2) on the pipe
            t.interrupt();
            assertThat(result.get(10, TimeUnit.SECONDS).getFirst()).isInstanceOf(InterruptedIOException.class);
            assertThat(result.get().getLast()).as("the interrupt status is set again, as a virtual thread's read leaves it")
                .isEqualTo(true);
        } finally {
            c.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void aBlockedReadEndsAtTheChildsExitThoughAGrandchildHoldsThePipe(Mechanism m) throws Exception {
        // The grandchild keeps stdout open for 30 s; the child exits after 0.3 s. What the pipe
        // held is kept and the stream ends at the exit, on a platform thread (which waits in
        // poll(2) without the stream's lock) as on a virtual one.
        for (Thread.Builder builder : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
            Child c = Command.of("sh", "-c", "sleep 30 & echo started; sleep 0.3; echo last").mechanism(m).start();
            try {
                CompletableFuture<Object> read = on(builder, () -> new String(c.getInputStream().readAllBytes()));
                assertThat(read.get(15, TimeUnit.SECONDS)).as(builder.toString()).isEqualTo("started\nlast\n");
                assertThat(c.waitFor()).isZero();
            } finally {
                c.descendants().forEach(ProcessHandle::destroyForcibly);
                c.destroyForcibly();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void closingAStreamEndsAPlatformThreadsBlockedRead(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            CompletableFuture<Object> read = on(Thread.ofPlatform(), () -> c.getInputStream().read());
            Thread.sleep(300); // in poll(2): close() must neither wait for it nor leave it there
            c.getInputStream().close();
            assertThat(read.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .hasFieldOrPropertyWithValue("message", "Stream closed");
        } finally {
            c.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void waitForWithATimeoutReturnsFalseThenTheLoopStillSeesTheExit(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            assertThat(c.waitFor(50, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(c.isAlive()).isTrue();
            CompletableFuture<Process> onExit = c.onExit();
            c.destroy();
            assertThat(onExit.get(10, TimeUnit.SECONDS)).isSameAs(c);
            assertThat(c.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(c.exitValue()).isEqualTo(143);
        } finally {
            c.destroyForcibly();
        }
    }

    /** Runs {@code call} on a new thread from {@code builder}; the future holds what it returned or threw. */
    private static CompletableFuture<Object> on(Thread.Builder builder, Callable<?> call) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        builder.start(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable t) {
                f.complete(t);
            }
        });
        return f;
    }
}
