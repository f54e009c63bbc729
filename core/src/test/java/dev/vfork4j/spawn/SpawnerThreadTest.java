package dev.vfork4j.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Redirect;
import dev.vfork4j.Signal;
import dev.vfork4j.SpawnException;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.reliability.Health;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The spawner thread that parentDeathSignal children are made on: a caller interrupted while it
 * waits for it gives up, whether its spawn is still queued or being made, and nothing of that
 * spawn stays behind (no child, no fd, no zombie).
 */
@Timeout(60)
class SpawnerThreadTest {

    private static SpawnRequest request(String program, Signal deathSignal, String... args) {
        ChildAttributes a = deathSignal == null ? ChildAttributes.NONE : ChildAttributes.NONE.toBuilder().parentDeathSignal(deathSignal).build();
        return new SpawnRequest(Stream.concat(Stream.of(program), Stream.of(args)).toList(), System.getenv(), null,
            Redirect.PIPE, Redirect.PIPE, Redirect.PIPE, a, SpawnRequest.NO_FDS);
    }

    /** Holds the spawner thread until {@code go} opens; {@code running} opens once it holds it. */
    private static CompletableFuture<Throwable> occupySpawner(CountDownLatch running, CountDownLatch go) {
        CompletableFuture<Throwable> result = new CompletableFuture<>();
        SpawnRequest r = request("true", Signal.SIGKILL);
        Thread.ofPlatform().start(() -> {
            try {
                SpawnerThread.run(r, () -> {
                    running.countDown();
                    awaitUninterruptibly(go);
                    throw new IllegalStateException("the occupying task ends");
                }, () -> { });
                result.complete(null);
            } catch (Throwable t) {
                result.complete(t);
            }
        });
        return result;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // the spawner thread is never interrupted on purpose; keep holding it
            }
        }
    }

    /** Waits for a child started here (it runs {@code true}) and closes all it came with. */
    private static void reapAndClose(Spawned s) {
        Posix.reap(s.pidfd());
        for (int fd : new int[] {s.pidfd(), s.stdin(), s.stdout(), s.stderr()}) {
            Posix.close(fd);
        }
    }

    private static Set<Long> children() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static int fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }

    private static void awaitState(Thread t, Thread.State state) throws InterruptedException {
        while (t.getState() != state) {
            Thread.sleep(1);
        }
    }

    @Test
    void aCallerInterruptedWhileItsSpawnIsQueuedGivesUpAndLeavesNothing() throws Exception {
        reapAndClose(new CloneLauncher(true).spawn(request("true", Signal.SIGKILL))); // the spawner thread exists
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<Throwable> occupier = occupySpawner(running, go);
        try {
            running.await();
            Set<Long> childrenBefore = children();
            int fdsBefore = fds();
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    new CloneLauncher(true).spawn(request("sleep", Signal.SIGKILL, "30")); // three pipes opened, then queued
                    thrown.complete(null);
                } catch (Throwable t) {
                    thrown.complete(t);
                }
                flagKept.complete(Thread.currentThread().isInterrupted());
            });
            awaitState(caller, Thread.State.WAITING); // waiting for the spawner
            caller.interrupt();
            assertThat(thrown.get(10, TimeUnit.SECONDS)).as("the caller gave up while the spawner was still busy")
                .isInstanceOf(InterruptedIOException.class).hasMessageContaining("sleep");
            assertThat(flagKept.get(10, TimeUnit.SECONDS)).as("the interrupt status is kept").isTrue();
            assertThat(occupier).isNotDone();
            assertThat(fds()).as("the queued spawn's pipes were closed").isEqualTo(fdsBefore);
            go.countDown();
            assertThat(occupier.get(10, TimeUnit.SECONDS)).hasMessage("the occupying task ends");
            reapAndClose(new CloneLauncher(true).spawn(request("true", Signal.SIGKILL))); // the thread serves on
            assertThat(children()).as("the abandoned spawn never ran").isEqualTo(childrenBefore);
            assertThat(Health.zombies()).isEmpty();
        } finally {
            go.countDown();
        }
    }

    @Test
    void aCallerInterruptedWhileItsChildIsBeingMadeGetsNoChildAndTheChildIsKilledAndReaped() throws Exception {
        Set<Long> childrenBefore = children();
        int fdsBefore = fds();
        CountDownLatch inTask = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger released = new AtomicInteger();
        CompletableFuture<Long> made = new CompletableFuture<>();
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                SpawnerThread.run(request("sleep", Signal.SIGKILL, "30"), () -> {
                    inTask.countDown();
                    awaitUninterruptibly(go); // as a slow clone would
                    try {
                        Spawned s = new CloneLauncher(true).spawn(request("sleep", null, "30"));
                        made.complete(s.pid());
                        return s;
                    } catch (SpawnException e) {
                        throw e;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, released::incrementAndGet);
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        });
        try {
            inTask.await();
            caller.interrupt();
            assertThat(thrown.get(10, TimeUnit.SECONDS)).as("the caller gave up while its child was being made")
                .isInstanceOf(InterruptedIOException.class);
        } finally {
            go.countDown();
        }
        long pid = made.get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(Path.of("/proc/" + pid)) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(Path.of("/proc/" + pid)).as("the child made for nobody was killed and reaped").doesNotExist();
        assertThat(released).hasValue(1);
        assertThat(children()).isEqualTo(childrenBefore);
        assertThat(Health.zombies()).isEmpty();
        long fdsDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (fds() != fdsBefore && System.nanoTime() < fdsDeadline) {
            Thread.sleep(5);
        }
        assertThat(fds()).as("its pidfd and pipes were closed").isEqualTo(fdsBefore);
    }
}
