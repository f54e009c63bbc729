package dev.vfork4j.cli.lab;

import dev.vfork4j.spawn.LabPlan;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A disposable JVM for the signals experiment. Its main thread spawns a VFORK child that sleeps
 * {@value #CHILD_SLEEP_MS} ms before it exits, leaving SIGUSR1 deliverable to itself meanwhile;
 * {@value #SEND_AFTER_MS} ms in, another thread sends SIGUSR1 to the main thread alone
 * (tgkill). A Java handler notes when it runs. The control does the same while the main thread
 * sleeps in {@code Thread.sleep}. Reports, in ms from the start of each: when the signal was
 * sent, when the main thread was released, when the handler ran.
 *
 * <p>HotSpot keeps SIGUSR2 for itself; SIGUSR1 is free for {@code sun.misc.Signal}.
 */
public final class SignalProbe {
    private SignalProbe() {}

    static final int SIGUSR1 = 10;
    static final long CHILD_SLEEP_MS = 400, SEND_AFTER_MS = 100;

    private static final AtomicLong handledAt = new AtomicLong();
    private static volatile CountDownLatch handled;

    public static void main(String[] args) throws Exception {
        ProbeReport report = new ProbeReport(System.out);
        sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> {
            handledAt.set(System.nanoTime());
            handled.countDown();
        });
        int pid = (int) ProcessHandle.current().pid();
        int tid = LabLibC.gettid();

        // During the vfork wait.
        handled = new CountDownLatch(1);
        long t0;
        long held;
        AtomicLong sentAt = new AtomicLong();
        try (LabPlan plan = new LabPlan()) {
            plan.deliverableDuringSpawn(SIGUSR1).sleep(Duration.ofMillis(CHILD_SLEEP_MS)).exit(0);
            Thread sender = Thread.ofPlatform().start(() -> {
                while (plan.pidfdWhileHeld() < 0) { // the child exists: the main thread is in the vfork wait
                    Thread.onSpinWait();
                }
                sleep(SEND_AFTER_MS);
                sentAt.set(System.nanoTime());
                LabLibC.tgkill(pid, tid, SIGUSR1);
            });
            t0 = System.nanoTime();
            held = plan.start(LabPlan.Clone.VFORK).heldNanos();
            plan.waitFor();
            sender.join();
        }
        boolean arrived = handled.await(5, TimeUnit.SECONDS);
        report.put("vforkSentMs", ms(sentAt.get() - t0));
        report.put("vforkReleasedMs", ms(held));
        report.put("vforkHandledMs", arrived ? ms(handledAt.get() - t0) : "never");

        // Control: the same thread blocked in an ordinary sleep.
        handled = new CountDownLatch(1);
        long c0 = System.nanoTime();
        Thread sender = Thread.ofPlatform().start(() -> {
            sleep(SEND_AFTER_MS);
            sentAt.set(System.nanoTime());
            LabLibC.tgkill(pid, tid, SIGUSR1);
        });
        Thread.sleep(CHILD_SLEEP_MS);
        long woke = System.nanoTime() - c0;
        sender.join();
        arrived = handled.await(5, TimeUnit.SECONDS);
        report.put("sleepSentMs", ms(sentAt.get() - c0));
        report.put("sleepWokeMs", ms(woke));
        report.put("sleepHandledMs", arrived ? ms(handledAt.get() - c0) : "never");
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
