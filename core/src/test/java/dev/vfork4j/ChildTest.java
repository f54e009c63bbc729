package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vfork4j.loop.EventLoop;
import dev.vfork4j.spawn.ChildAttributes;
import dev.vfork4j.spawn.CloneLauncher;
import dev.vfork4j.spawn.SpawnRequest;
import dev.vfork4j.spawn.Spawned;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every java.lang.Process method, on every available mechanism, against real children. */
@Timeout(60)
class ChildTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void streamsReachTheChildAndBack(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "read line; echo \"out:$line\"; echo \"err:$line\" >&2").mechanism(m).start();
        try (var w = c.outputWriter()) {
            w.write("hello\n");
        }
        try (BufferedReader out = c.inputReader(); BufferedReader err = c.errorReader()) {
            assertThat(out.readLine()).isEqualTo("out:hello");
            assertThat(err.readLine()).isEqualTo("err:hello");
            assertThat(out.readLine()).isNull();
        }
        assertThat(c.waitFor()).isZero();
        assertThat(c.mechanism()).isEqualTo(m);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void largeTransferBothWays(Mechanism m) throws Exception {
        Child c = Command.of("cat").mechanism(m).start();
        byte[] data = new byte[3 << 20];
        new java.util.Random(1).nextBytes(data);
        CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
            try {
                return c.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (var in = c.getOutputStream()) {
            in.write(data);
        }
        assertThat(back.get(30, TimeUnit.SECONDS)).isEqualTo(data);
        assertThat(c.waitFor()).isZero();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void exitCodes(Mechanism m) throws Exception {
        for (int code : new int[] {0, 1, 2, 127, 255}) {
            Child c = Command.of("sh", "-c", "exit " + code).mechanism(m).start();
            assertThat(c.waitFor()).isEqualTo(code);
            assertThat(c.exitValue()).isEqualTo(code);
            assertThat(c.exitStatus()).isEqualTo(ExitStatus.exited(code));
            assertThat(c.exitStatus().success()).isEqualTo(code == 0);
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void exitValueAndExitStatusThrowWhileRunning(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            assertThat(c.isAlive()).isTrue();
            assertThatThrownBy(c::exitValue).isInstanceOf(IllegalThreadStateException.class);
            assertThatThrownBy(c::exitStatus).isInstanceOf(IllegalThreadStateException.class);
            assertThat(c.waitFor(50, TimeUnit.MILLISECONDS)).isFalse();
            assertThat(c.waitFor(Duration.ofMillis(10))).isFalse();
        } finally {
            c.destroyForcibly();
        }
        assertThat(c.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(c.isAlive()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void destroySendsSigterm(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        c.destroy();
        assertThat(c.waitFor()).isEqualTo(128 + 15);
        if (m != Mechanism.JDK) {
            assertThat(c.exitStatus()).isEqualTo(ExitStatus.killed(15, false));
        }
        c.destroy(); // after exit: nothing happens
        c.signal(Signal.SIGTERM);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void destroyForciblySendsSigkill(Mechanism m) throws Exception {
        // The child ignores SIGTERM, so only SIGKILL ends it.
        Child c = Command.of("sh", "-c", "trap '' TERM; echo ready; exec sleep 30").mechanism(m).start();
        assertThat(c.inputReader().readLine()).isEqualTo("ready");
        assertThat(c.destroyForcibly()).isSameAs(c);
        assertThat(c.waitFor()).isEqualTo(128 + 9);
        if (m != Mechanism.JDK) {
            assertThat(c.exitStatus().signal()).isEqualTo(9);
            assertThat(c.exitStatus().code()).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void signalDeliversAnySignal(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "trap 'echo got-usr1; exit 0' USR1; echo ready; while :; do sleep 0.05; done").mechanism(m).start();
        BufferedReader out = c.inputReader();
        assertThat(out.readLine()).isEqualTo("ready");
        c.signal(Signal.SIGUSR1);
        assertThat(out.readLine()).isEqualTo("got-usr1");
        assertThat(c.waitFor()).isZero();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void pidIsTheChildsOwn(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "echo $$").mechanism(m).start();
        assertThat(c.inputReader().readLine()).isEqualTo(Long.toString(c.pid()));
        c.waitFor();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void onExitCompletesWithTheChild(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "sleep 0.2; exit 5").mechanism(m).start();
        CompletableFuture<Process> f = c.onExit();
        assertThat(f).isNotSameAs(c.onExit());
        assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(c);
        assertThat(c.exitValue()).isEqualTo(5);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void toHandleAndInfoDescribeTheLiveChild(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        ProcessHandle h = c.toHandle();
        assertThat(h.pid()).isEqualTo(c.pid());
        assertThat(h.isAlive()).isTrue();
        assertThat(h.supportsNormalTermination()).isTrue();
        assertThat(h.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid)).contains(c.pid());
        // The parent is released when the exec swaps the address space, a moment before the kernel
        // records the new argv (/proc/PID/cmdline): give it that moment.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (c.info().arguments().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(c.info().command()).hasValueSatisfying(cmd -> assertThat(cmd).endsWith("sleep"));
        assertThat(c.info().arguments()).hasValueSatisfying(a -> assertThat(a).containsExactly("30"));
        assertThat(c.supportsNormalTermination()).isTrue();
        assertThat(h.destroy()).isTrue();
        assertThat(h.onExit().get(10, TimeUnit.SECONDS).pid()).isEqualTo(c.pid());
        assertThat(h.isAlive()).isFalse();
        assertThat(c.children()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void childrenAndDescendants(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "sleep 30 & echo $!; wait").mechanism(m).start();
        long grandchild = Long.parseLong(c.inputReader().readLine());
        try {
            assertThat(c.children().map(ProcessHandle::pid)).contains(grandchild);
            assertThat(c.descendants().map(ProcessHandle::pid)).contains(grandchild);
        } finally {
            ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
            c.destroyForcibly();
            c.waitFor();
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void streamsOfAnExitedChildStillHoldWhatItWrote(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "echo late-reader; echo to-err >&2").mechanism(m).start();
        c.waitFor();
        Thread.sleep(50); // let the exit hand-over run
        assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("late-reader\n");
        assertThat(new String(c.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("to-err\n");
        assertThatThrownBy(() -> {
            c.getOutputStream().write(1);
            c.getOutputStream().flush();
        }).isInstanceOf(IOException.class);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void writingToAChildThatClosedStdinIsBrokenPipe(Mechanism m) throws Exception {
        Child c = Command.of("sh", "-c", "exec 0<&-; echo closed; sleep 30").mechanism(m).start();
        try {
            assertThat(c.inputReader().readLine()).isEqualTo("closed");
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    c.getOutputStream().write(new byte[8192]);
                    c.getOutputStream().flush();
                }
            }).isInstanceOf(IOException.class);
        } finally {
            c.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void closingAStreamWakesABlockedReader(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    c.getInputStream().read();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            Thread.sleep(100);
            c.getInputStream().close();
            assertThat(reader.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class).hasMessage("Stream closed");
        } finally {
            c.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void interruptingABlockedReaderThrowsInterruptedIoException(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            CompletableFuture<Throwable> result = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    c.getInputStream().read();
                    result.complete(null);
                } catch (IOException e) {
                    result.complete(e);
                }
            });
            Thread.sleep(100);
            t.interrupt();
            assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
        } finally {
            c.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void waitForIsInterruptible(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        try {
            Thread.currentThread().interrupt();
            assertThatThrownBy(c::waitFor).isInstanceOf(InterruptedException.class);
            assertThat(c.isAlive()).isTrue();
        } finally {
            Thread.interrupted();
            c.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void runKillsTheChildWhenInterrupted(Mechanism m) throws Exception {
        java.util.Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid)
            .collect(java.util.stream.Collectors.toSet());
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> Command.of("sleep", "30").mechanism(m).run()).isInstanceOf(InterruptedException.class);
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> !before.contains(p)))
            .as("the child run() started is gone (killed and reaped)").isEmpty();
    }

    @Test
    void toStringNamesPidMechanismAndState() throws Exception {
        Child c = Command.of("true").start();
        c.waitFor();
        assertThat(c).hasToString("Process[pid=" + c.pid() + ", exitValue=0, mechanism=" + c.mechanism() + "]");
    }

    /**
     * The loop watches a child's pidfd only once someone asks for the exit (or at its sweep, a
     * minute away on this loop): onExit() and isAlive() must have it watched at once, or a
     * child that exits meanwhile would go unseen until the sweep.
     */
    @Test
    void askingForTheExitHasTheLoopWatchTheChildAtOnce() throws Exception {
        EventLoop loop = EventLoop.start("child-test-loop", TimeUnit.SECONDS.toNanos(60));
        int own = loop.poller().registered();
        List<String> argv = List.of("sleep", "30");
        Spawned s = new CloneLauncher(true).spawn(new SpawnRequest(argv,
            System.getenv(), null, Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT,
            ChildAttributes.NONE, SpawnRequest.NO_FDS));
        ChildIo io = new ChildIo(ChildIo.Verb.START, Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT,
            Command.of(argv).io(), false, null, "sleep");
        Child child = new NativeChild(s, Mechanism.VFORK, io, loop, System.nanoTime(), null);
        assertThat(loop.poller().registered()).as("not watched from the spawn").isEqualTo(own);

        CompletableFuture<Process> exited = child.onExit();
        assertThat(loop.poller().registered()).as("watched once onExit() was asked for").isEqualTo(own + 1);
        assertThat(child.isAlive()).isTrue();

        child.signal(Signal.SIGKILL);
        assertThat(exited.get(5, TimeUnit.SECONDS)).isSameAs(child);
        assertThat(child.exitStatus()).isEqualTo(ExitStatus.killed(9, false));
        assertThat(loop.poller().registered()).isEqualTo(own);
    }
}
