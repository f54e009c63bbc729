package dev.vfork4j.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EventLoopTest {

    @Test
    void deadlinesRunInOrderOnTheLoopThreadAndCancelledOnesNever() throws Exception {
        EventLoop loop = EventLoop.start("test-loop");
        List<Integer> ran = new CopyOnWriteArrayList<>();
        List<Boolean> onLoop = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        long now = System.nanoTime();
        loop.schedule(now + 60_000_000, () -> ran.add(3));
        loop.schedule(now + 20_000_000, () -> {
            ran.add(1);
            onLoop.add(loop.inLoop());
        });
        EventLoop.Deadline cancelled = loop.schedule(now + 30_000_000, () -> ran.add(99));
        loop.schedule(now + 40_000_000, () -> ran.add(2));
        loop.schedule(now - 1_000_000, () -> ran.add(0)); // already due
        loop.schedule(now + 80_000_000, done::countDown);
        cancelled.cancel();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly(0, 1, 2, 3);
        assertThat(onLoop).containsExactly(true);
        CountDownLatch checked = new CountDownLatch(1);
        int[] pending = new int[1];
        loop.execute(() -> {
            pending[0] = loop.pendingDeadlines();
            checked.countDown();
        });
        checked.await();
        assertThat(pending[0]).isZero();
    }

    @Test
    void aDeadlineEarlierThanTheArmedOneRearmsTheTimer() throws Exception {
        EventLoop loop = EventLoop.start("test-loop-2");
        CountDownLatch early = new CountDownLatch(1);
        long now = System.nanoTime();
        loop.schedule(now + 20_000_000_000L, () -> { });
        loop.schedule(now + 10_000_000, early::countDown);
        assertThat(early.await(5, TimeUnit.SECONDS)).as("the 10 ms deadline did not wait for the 20 s one").isTrue();
    }

    @Test
    void tasksFromManyThreadsAllRun() throws Exception {
        EventLoop loop = EventLoop.start("test-loop-3");
        CountDownLatch all = new CountDownLatch(10_000);
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 1250; i++) {
                    loop.execute(all::countDown);
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
