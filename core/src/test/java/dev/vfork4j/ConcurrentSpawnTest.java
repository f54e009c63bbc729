package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Spawns from many platform and virtual threads at once while the GC runs: every child right, no crash. */
@Timeout(120)
class ConcurrentSpawnTest {

    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void manyThreadsSpawnWhileTheGcRuns(Mechanism m) throws Exception {
        int perThread = m == Mechanism.FORK ? 5 : 15;
        AtomicBoolean stop = new AtomicBoolean();
        Thread garbage = Thread.ofPlatform().start(() -> {
            List<byte[]> keep = new ArrayList<>();
            while (!stop.get()) {
                keep.add(new byte[64 * 1024]);
                if (keep.size() > 500) {
                    keep.clear();
                    System.gc();
                }
            }
        });
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger ok = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 8 + 100; t++) {
            int id = t;
            Runnable work = () -> {
                try {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        String token = id + "-" + i;
                        Output out = Command.of("echo", token).mechanism(m).output();
                        if (!out.stdoutText().equals(token + "\n") || !out.status().success()) {
                            throw new AssertionError("thread " + id + " got " + out + " " + out.stdoutText());
                        }
                        ok.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            };
            threads.add(t < 8 ? Thread.ofPlatform().start(work) : Thread.ofVirtual().start(work));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        stop.set(true);
        garbage.join();
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isEqualTo(108 * perThread);
        assertThat(ZombieTest.zombies()).isEmpty();
    }
}
