package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.CLD_EXITED;
import static dev.vfork4j.linux.Linux.CLD_KILLED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Redirect;
import dev.vfork4j.Signal;
import dev.vfork4j.spawn.ChildAttributes;
import dev.vfork4j.spawn.CloneLauncher;
import dev.vfork4j.spawn.SpawnRequest;
import dev.vfork4j.spawn.Spawned;
import java.util.List;
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

    @Test
    void aBriefWaiterTakesThePidfdOutOfTheLoopAndReapsTheExitItself() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-1");
        int own = loop.poller().registered(); // the loop's eventfd and timerfd
        PidFd child = start(loop, "/bin/sleep", "30");
        child.watch();
        assertThat(loop.poller().registered()).isEqualTo(own + 1);
        AtomicReference<Thread> reapedOn = new AtomicReference<>();
        child.exit().whenComplete((status, failure) -> reapedOn.set(Thread.currentThread()));
        Thread waiter = Thread.ofPlatform().start(() -> child.awaitBriefly(10_000));

        // While the waiter polls, the loop must not watch the pidfd: the exit would wake it too.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (loop.poller().registered() != own && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(loop.poller().registered()).as("pidfd out of the epoll set while a platform thread polls it").isEqualTo(own);
        assertThat(child.exit().isDone()).isFalse();

        assertThat(child.signal(Signal.SIGTERM.number())).isTrue();
        waiter.join();
        assertThat(child.exit().get(5, TimeUnit.SECONDS)).isEqualTo(new WaitStatus(CLD_KILLED, 15));
        assertThat(reapedOn.get()).isSameAs(waiter);
        assertThat(loop.poller().registered()).isEqualTo(own);
    }

    @Test
    void aWaiterThatGivesUpPutsThePidfdBackSoTheLoopStillSeesTheExit() throws Exception {
        EventLoop loop = EventLoop.start("pidfd-test-2", TimeUnit.SECONDS.toNanos(60));
        int own = loop.poller().registered(); // the loop's eventfd and timerfd
        PidFd child = start(loop, "/bin/sleep", "30");

        // Never watched before: the last waiter to leave hands the pidfd to the loop itself.
        Thread[] waiters = new Thread[4];
        for (int i = 0; i < waiters.length; i++) {
            waiters[i] = Thread.ofPlatform().start(() -> child.awaitBriefly(20));
        }
        for (Thread w : waiters) {
            w.join();
        }
        assertThat(child.exit().isDone()).isFalse();
        assertThat(loop.poller().registered()).as("watched once the last brief waiter left").isEqualTo(own + 1);

        // Every waiter has left and this loop's sweep is a minute away: only the loop's watch,
        // handed over by the last waiter, can see this exit.
        assertThat(child.signal(Signal.SIGKILL.number())).isTrue();
        assertThat(child.exit().get(5, TimeUnit.SECONDS)).isEqualTo(new WaitStatus(CLD_KILLED, 9));
        assertThat(loop.poller().registered()).isEqualTo(own);
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
        assertThat(child.exit().get(5, TimeUnit.SECONDS)).isEqualTo(new WaitStatus(CLD_KILLED, 9));
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
            assertThat(child.exit().get(5, TimeUnit.SECONDS)).isEqualTo(new WaitStatus(CLD_EXITED, 0));
        }
        assertThat(loop.poller().registered()).isEqualTo(own);
    }
}
