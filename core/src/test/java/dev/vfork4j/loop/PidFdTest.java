package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.CLD_EXITED;
import static dev.vfork4j.linux.Linux.CLD_KILLED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vfork4j.Redirect;
import dev.vfork4j.Signal;
import dev.vfork4j.spawn.ChildAttributes;
import dev.vfork4j.spawn.CloneLauncher;
import dev.vfork4j.spawn.SpawnRequest;
import dev.vfork4j.spawn.Spawned;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PidFdTest {

    private static PidFd start(EventLoop loop, String... argv) throws Exception {
        Spawned s = new CloneLauncher(true).spawn(new SpawnRequest(List.of(argv), System.getenv(), null,
            Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT, ChildAttributes.NONE, SpawnRequest.NO_FDS));
        return new PidFd(s.pid(), s.pidfd(), loop);
    }

    /** Waits for {@code child} in the kernel on a new platform thread; the future holds what it returned or threw. */
    private static CompletableFuture<Object> kernelWaiter(PidFd child, long timeoutNanos, AtomicReference<Thread> thread) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        thread.set(Thread.ofPlatform().start(() -> {
            try {
                result.complete(KernelWait.awaitExit(child, List.of(), timeoutNanos));
            } catch (Throwable t) {
                result.complete(t);
            }
        }));
        return result;
    }

    private static void awaitRegistered(EventLoop loop, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (loop.poller().registered() != expected && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    /** How often the thread named {@code name} has slept and been woken (voluntary context switches). */
    private static long wakeUps(String name) throws java.io.IOException {
        try (var tasks = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path task : tasks) {
                if (java.nio.file.Files.readString(task.resolve("comm")).strip().equals(name)) {
                    for (String line : java.nio.file.Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches")) {
                            return Long.parseLong(line.split("\\s+")[1]);
                        }
                    }
                }
            }
        }
        throw new AssertionError("no thread " + name);
    }

    @Test
    void childrenWaitedForInTheKernelNeverWakeTheLoop() throws Exception {
        // Each child outlives the sweep's 1 ms; its waiter takes it out of the sweep (and the
        // last one out disarms the sweep timer), so the loop, which nobody else uses, sleeps on.
        // Before, each such child woke it two or three times (the sweep scheduled, then run).
        EventLoop loop = EventLoop.start("pidfd-test-8");
        long before = 0;
        for (int i = 0; i < 40; i++) {
            if (i == 20) {
                // The first 20 warm this path up: in a cold JVM the step from the spawn to the
                // wait can outlast the sweep's 1 ms, and the sweep then fires, as it should.
                Thread.sleep(50);
                before = wakeUps("pidfd-test-8");
            }
            PidFd child = start(loop, "/bin/sleep", "0.01");
            assertThat(KernelWait.awaitExit(child, List.of(), -1)).isTrue();
            assertThat(child.exit().isDone()).isTrue();
        }
        Thread.sleep(20); // a sweep left armed by mistake would fire within this
        // 0 but for a preemption between a spawn and its wait; 40-60 before.
        assertThat(wakeUps("pidfd-test-8") - before).as("wake-ups of a loop whose 20 children were all waited for")
            .isLessThanOrEqualTo(3);
    }

    @Test
    void aKernelWaiterTakesThePidfdOutOfTheLoopAndReapsTheExitItself() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-1");
        int own = loop.poller().registered(); // the loop's eventfd and timerfd
        PidFd child = start(loop, "/bin/sleep", "30");
        child.watch();
        assertThat(loop.poller().registered()).isEqualTo(own + 1);
        AtomicReference<Thread> reapedOn = new AtomicReference<>();
        child.exit().whenComplete((status, failure) -> reapedOn.set(Thread.currentThread()));
        AtomicReference<Thread> waiter = new AtomicReference<>();
        CompletableFuture<Object> waited = kernelWaiter(child, -1, waiter);

        // While the waiter polls, the loop must not watch the pidfd: the exit would wake it too.
        awaitRegistered(loop, own);
        assertThat(loop.poller().registered()).as("pidfd out of the epoll set while a platform thread polls it").isEqualTo(own);
        Thread.sleep(50); // past the quick poll: the waiter now sleeps in poll(2) with its eventfd
        child.watch(); // someone subscribes meanwhile: noted, not added while the waiter polls
        assertThat(loop.poller().registered()).isEqualTo(own);
        assertThat(child.exit().isDone()).isFalse();

        assertThat(child.signal(Signal.SIGTERM.number())).isTrue();
        assertThat(waited.get(5, TimeUnit.SECONDS)).isEqualTo(true);
        assertThat(child.exit().get(5, TimeUnit.SECONDS))
            .usingRecursiveComparison().comparingOnlyFields("siCode", "siStatus").isEqualTo(new WaitStatus(CLD_KILLED, 15));
        assertThat(reapedOn.get()).isSameAs(waiter.get());
        assertThat(loop.poller().registered()).isEqualTo(own);
    }

    @Test
    void anInterruptedKernelWaiterLeavesAtOnceAndHandsThePidfdToTheLoop() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-2", TimeUnit.SECONDS.toNanos(60));
        int own = loop.poller().registered(); // the loop's eventfd and timerfd
        PidFd child = start(loop, "/bin/sleep", "30");
        AtomicReference<Thread> waiter = new AtomicReference<>();
        CompletableFuture<Object> waited = kernelWaiter(child, -1, waiter);
        Thread.sleep(200); // long past the quick poll: blocked in poll(2), which interrupt() alone cannot end
        child.watch(); // as onExit() would: the loop must take the pidfd when the waiter leaves
        long interruptedAt = System.nanoTime();
        waiter.get().interrupt();
        assertThat(waited.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - interruptedAt))
            .as("the interrupt ends the poll itself, not a later time-out").isLessThan(2_000);
        assertThat(child.exit().isDone()).isFalse();
        awaitRegistered(loop, own + 1);
        assertThat(loop.poller().registered()).as("watched once the waiter left").isEqualTo(own + 1);

        // The waiter has left and this loop's sweep is a minute away: only the loop's watch,
        // handed over by the waiter, can see this exit.
        assertThat(child.signal(Signal.SIGKILL.number())).isTrue();
        assertThat(child.exit().get(5, TimeUnit.SECONDS))
            .usingRecursiveComparison().comparingOnlyFields("siCode", "siStatus").isEqualTo(new WaitStatus(CLD_KILLED, 9));
        assertThat(loop.poller().registered()).isEqualTo(own);
    }

    @Test
    void anInterruptBeforeTheWaitEndsItAtOnce() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-5", TimeUnit.SECONDS.toNanos(60));
        PidFd child = start(loop, "/bin/sleep", "30");
        try {
            Thread.currentThread().interrupt();
            long before = System.nanoTime();
            assertThatThrownBy(() -> KernelWait.awaitExit(child, List.of(), -1)).isInstanceOf(InterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("cleared, as Object.wait clears it").isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).isLessThan(2_000);
        } finally {
            Thread.interrupted();
            child.signal(Signal.SIGKILL.number());
            child.watch();
        }
        assertThat(child.exit().get(5, TimeUnit.SECONDS))
            .usingRecursiveComparison().comparingOnlyFields("siCode", "siStatus").isEqualTo(new WaitStatus(CLD_KILLED, 9));
    }

    @Test
    void manyKernelWaitersOneReapAndEveryoneSeesTheSameStatus() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-6", TimeUnit.SECONDS.toNanos(60));
        PidFd child = start(loop, "/bin/sh", "-c", "sleep 0.2; exit 7");
        List<CompletableFuture<Object>> waiters = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiters.add(kernelWaiter(child, -1, new AtomicReference<>()));
        }
        CompletableFuture<Object> timed = kernelWaiter(child, TimeUnit.MILLISECONDS.toNanos(20), new AtomicReference<>());
        assertThat(timed.get(5, TimeUnit.SECONDS)).as("out of time before the exit").isEqualTo(false);
        for (CompletableFuture<Object> w : waiters) {
            assertThat(w.get(5, TimeUnit.SECONDS)).isEqualTo(true);
        }
        assertThat(child.exit().get(5, TimeUnit.SECONDS))
            .usingRecursiveComparison().comparingOnlyFields("siCode", "siStatus").isEqualTo(new WaitStatus(CLD_EXITED, 7));
    }

    @Test
    void aKernelWaiterThatRunsOutOfTimeBeforeTheSweepLeavesTheChildToIt() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-7", TimeUnit.MILLISECONDS.toNanos(300));
        int own = loop.poller().registered();
        PidFd child = start(loop, "/bin/sleep", "30");
        assertThat(KernelWait.awaitExit(child, List.of(), TimeUnit.MILLISECONDS.toNanos(10))).isFalse();
        assertThat(loop.poller().registered()).as("no epoll_ctl for a wait that ends before the sweep").isEqualTo(own);
        assertThat(child.signal(Signal.SIGKILL.number())).isTrue();
        // Nobody asked: the sweep alone must still bring the exit to the loop.
        assertThat(child.exit().get(5, TimeUnit.SECONDS))
            .usingRecursiveComparison().comparingOnlyFields("siCode", "siStatus").isEqualTo(new WaitStatus(CLD_KILLED, 9));
    }

    @Test
    void theLoopWatchesOnlyWhenAskedOrAtItsSweep() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-3", TimeUnit.SECONDS.toNanos(60));
        int own = loop.poller().registered();
        PidFd child = start(loop, "/bin/sleep", "30");
        assertThat(loop.poller().registered()).as("not watched from the spawn").isEqualTo(own);
        child.watch();
        child.watch(); // twice is harmless
        assertThat(loop.poller().registered()).isEqualTo(own + 1);
        assertThat(child.signal(Signal.SIGKILL.number())).isTrue();
        assertThat(child.exit().get(5, TimeUnit.SECONDS))
            .usingRecursiveComparison().comparingOnlyFields("siCode", "siStatus").isEqualTo(new WaitStatus(CLD_KILLED, 9));
        assertThat(loop.poller().registered()).isEqualTo(own);
        child.watch(); // after the reap: nothing to watch
        assertThat(loop.poller().registered()).isEqualTo(own);
    }

    @Test
    void aChildNobodyAsksAboutIsReapedAfterTheSweep() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-4", TimeUnit.MILLISECONDS.toNanos(20));
        int own = loop.poller().registered();
        PidFd[] children = new PidFd[3];
        for (int i = 0; i < children.length; i++) {
            children[i] = start(loop, "/bin/true");
            Thread.sleep(30); // a sweep in between: the next spawn must schedule the sweep again
        }
        for (PidFd child : children) {
            // PidFd.exit() does not ask for watching: only the sweep can have put the pidfd in.
            assertThat(child.exit().get(5, TimeUnit.SECONDS))
            .usingRecursiveComparison().comparingOnlyFields("siCode", "siStatus").isEqualTo(new WaitStatus(CLD_EXITED, 0));
        }
        assertThat(loop.poller().registered()).isEqualTo(own);
    }
}
