package dev.vfork4j.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import dev.vfork4j.Signal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, "signal storm": while 4 threads spawn {@code true} round robin on the native mechanisms,
 * a shell loop sends this JVM SIGPIPE and SIGXFSZ (HotSpot installs handlers for them) and SIGCHLD
 * and SIGWINCH (left at their default) as fast as it can. No crash, no hang, every spawn exits 0,
 * and no call fails with EINTR.
 */
@Tag("reliability")
class SignalStormTest {

    static final long SECONDS = Load.scale(8, 600);
    static final int THREADS = 4;

    @Test
    @Timeout(value = 2, unit = TimeUnit.HOURS)
    void spawningThroughASignalStormLosesNothing() throws Exception {
        List<Mechanism> mechanisms = Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable)
            .filter(m -> m != Mechanism.JDK).toList();
        for (Mechanism m : mechanisms) {
            Command.of("true").mechanism(m).output();
        }
        Health before = Health.now();
        Map<Integer, String> fdsBefore = Health.fdTable(); // compared fd by fd: see Health.fdsOpenedSince
        long self = ProcessHandle.current().pid();
        // `n` counts rounds of four signals; SIGTERM makes the loop print it and stop.
        Child storm = Command.of("sh", "-c", "n=0; trap 'echo $n; exit 0' TERM; "
                + "while :; do kill -PIPE " + self + "; kill -XFSZ " + self + "; kill -CHLD " + self
                + "; kill -WINCH " + self + "; n=$((n+1)); done")
            .stdin(Redirect.DISCARD).stdout(Redirect.PIPE).stderr(Redirect.PIPE).start();

        AtomicInteger started = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger eintr = new AtomicInteger();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        Map<Mechanism, AtomicInteger> perMechanism = new ConcurrentHashMap<>();
        long end = System.nanoTime() + SECONDS * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < THREADS; t++) {
            int offset = t;
            threads.add(Thread.ofPlatform().name("storm-spawner-" + t).start(() -> {
                for (int i = offset; System.nanoTime() < end; i++) {
                    Mechanism m = mechanisms.get(i % mechanisms.size());
                    started.incrementAndGet();
                    try {
                        boolean ok = i % 2 == 0
                            ? Command.of("true").mechanism(m).output().status().success()
                            : Command.of("true").mechanism(m).stdin(Redirect.DISCARD).stdout(Redirect.DISCARD)
                                .stderr(Redirect.DISCARD).run().success();
                        if (!ok) {
                            throw new AssertionError("`true` did not exit 0 on " + m);
                        }
                        succeeded.incrementAndGet();
                        perMechanism.computeIfAbsent(m, k -> new AtomicInteger()).incrementAndGet();
                    } catch (Throwable e) {
                        if (String.valueOf(e.getMessage()).contains("EINTR")
                            || String.valueOf(e.getMessage()).contains("Interrupted system call")) {
                            eintr.incrementAndGet();
                        }
                        firstFailure.compareAndSet(null, e);
                    }
                }
            }));
        }
        List<String> hung = new ArrayList<>();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(SECONDS + 30));
            if (t.isAlive()) {
                hung.add(t.getName() + " " + Arrays.toString(t.getStackTrace()));
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        boolean stormAlive = storm.isAlive();
        storm.signal(Signal.SIGTERM);
        String rounds;
        if (storm.waitFor(5, TimeUnit.SECONDS)) {
            rounds = new String(storm.getInputStream().readAllBytes()).strip();
        } else {
            storm.destroyForcibly().waitFor();
            rounds = "?";
        }
        storm.getInputStream().close();
        storm.getErrorStream().close();
        Map<Integer, String> fdsLeft = Health.fdsOpenedSince(fdsBefore, 2000);
        List<Long> zombies = Health.zombies();
        String figures = String.format("%d spawns in %.1f s (%.0f/s), %d exited 0; %s rounds of 4 signals (~%s signals/s); "
                + "EINTR failures %d; fds %d before, left open %d; zombies %d; per mechanism %s",
            started.get(), seconds, started.get() / seconds, succeeded.get(), rounds,
            rounds.equals("?") ? "?" : String.format("%.0f", 4 * Long.parseLong(rounds) / seconds),
            eintr.get(), before.fdCount(), fdsLeft.size(), zombies.size(), perMechanism);
        boolean pass = hung.isEmpty() && firstFailure.get() == null && succeeded.get() == started.get() && stormAlive
            && fdsLeft.isEmpty() && zombies.isEmpty();
        Report.record("Signal storm", "spawn `true` (output() and run(), alternating) from " + THREADS
                + " threads while `sh` sends this JVM SIGPIPE, SIGXFSZ, SIGCHLD, SIGWINCH in a tight loop",
            String.join(", ", mechanisms.stream().map(Enum::name).toList()) + " (round robin)", Load.MODE,
            SECONDS + " s of spawning under the storm",
            pass ? "no crash, no hang, every spawn exited 0, no EINTR, fds equal, no zombie" : "FAILED", figures);
        assertThat(hung).as("spawner threads still running after the bound").isEmpty();
        assertThat(firstFailure.get()).as(figures).isNull();
        assertThat(succeeded.get()).as(figures).isEqualTo(started.get());
        assertThat(stormAlive).as("the storm ran for the whole time").isTrue();
        assertThat(fdsLeft).as(figures).isEmpty();
        assertThat(zombies).as(figures).isEmpty();
    }

    @AfterAll
    static void report() throws IOException {
        Report.flush("Signal storm");
    }
}
