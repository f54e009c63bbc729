package dev.vfork4j.cli.lab;

import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.spawn.LabPlan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Who waits for the child, and for how long: parent-suspended, only-calling-thread-suspended,
 * whole-process-suspended, signals-after-release, no-sigttin-in-vfork-child.
 */
final class SuspensionExperiments {
    private SuspensionExperiments() {}

    static final long CHILD_SLEEP_MS = 200;

    private static double ms(long nanos) {
        return Math.round(nanos / 1e5) / 10.0;
    }

    /**
     * How long start() held this thread for a child that sleeps 200 ms and then execs
     * {@code sleep 1} (or exits), per clone. Safe here: the children only sleep, exec or exit;
     * the exec'd sleep is killed as soon as it is measured.
     */
    static Map<String, Object> held(Lab lab) {
        return lab.measured("held", "children that sleep " + CHILD_SLEEP_MS + " ms before their exec (in this JVM)", () -> {
            String sleep = Lab.which("sleep");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("childSleepsMs", CHILD_SLEEP_MS);
            m.put("vforkThenExecMs", heldMs(LabPlan.Clone.VFORK, sleep, true));
            m.put("vforkThenExitMs", heldMs(LabPlan.Clone.VFORK, sleep, false));
            m.put("forkWithCloneVforkMs", heldMs(LabPlan.Clone.FORK, sleep, true));
            m.put("forkWithoutCloneVforkMs", heldMs(LabPlan.Clone.FORK_NO_WAIT, sleep, true));
            m.put("execedProgramRunsMs", 1000);
            return m;
        });
    }

    private static double heldMs(LabPlan.Clone clone, String sleep, boolean exec) throws Exception {
        try (LabPlan plan = new LabPlan()) { // close() kills the exec'd sleep: its run time is not what is measured
            plan.sleep(Duration.ofMillis(CHILD_SLEEP_MS));
            if (exec) {
                plan.exec(List.of(sleep, "1"));
            } else {
                plan.exit(0);
            }
            return ms(plan.start(clone).heldNanos());
        }
    }

    static Finding parentSuspended(Lab lab) {
        Map<String, Object> m = held(lab);
        double exec = (double) m.get("vforkThenExecMs");
        double exit = (double) m.get("vforkThenExitMs");
        double noWait = (double) m.get("forkWithoutCloneVforkMs");
        boolean confirmed = exec >= CHILD_SLEEP_MS && exit >= CHILD_SLEEP_MS && exec < 1000 && noWait < CHILD_SLEEP_MS / 2.0;
        return new Finding(Claim.PARENT_SUSPENDED, m, confirmed ? Verdict.CONFIRMED : Verdict.REFUTED, confirmed
            ? "Each child slept " + CHILD_SLEEP_MS + " ms before its execve (of `sleep 1`) or its _exit. Under VFORK the "
                + "spawning thread came back only then (" + exec + " and " + exit + " ms), and at the execve, not when "
                + "the exec'd program ended a second later. The wait comes from CLONE_VFORK, not from the shared "
                + "memory: a fork with CLONE_VFORK (vfork4j's FORK) waited just as long, and a fork without it came "
                + "back in " + noWait + " ms while its child was still asleep."
            : "Expected the VFORK parent held for at least the child's " + CHILD_SLEEP_MS + " ms, released at the "
                + "execve, and a fork without CLONE_VFORK not held; measured " + m + ".");
    }

    /** How long the held child waits for the other threads at most before it releases its parent anyway. */
    static final long HOLD_LIMIT_MS = 10_000;
    /** Ticks the other thread must make after the GC before the child releases its parent. */
    static final int TICKS_AFTER_GC = 50;

    /**
     * While this JVM's spawning thread is held by a VFORK child, another thread ticks every
     * millisecond and a third runs a full GC: how many ticks, the longest pause between them, and
     * whether the GC finished before the release. The child waits in ppoll(2) on a pipe that the
     * GC thread writes to once its GC is over and the ticker has ticked {@value #TICKS_AFTER_GC}
     * times since, or {@value #HOLD_LIMIT_MS} ms at most: the hold lasts as long as the other
     * threads need, however slow the machine, and were they stopped with the caller (the whole
     * process suspended), the hold would run to its limit with neither the GC nor the ticks in it.
     */
    static Map<String, Object> otherThreads(Lab lab) {
        return lab.measured("threads", "another thread and a full GC while a VFORK child holds the spawning thread "
            + "(in this JVM)", () -> {
                List<Long> ticks = new ArrayList<>();
                AtomicBoolean stop = new AtomicBoolean();
                Thread ticker = Thread.ofPlatform().name("lab-ticker").start(() -> {
                    while (!stop.get()) {
                        synchronized (ticks) {
                            ticks.add(System.nanoTime());
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                });
                AtomicLong gcStart = new AtomicLong();
                AtomicLong gcEnd = new AtomicLong();
                long t0;
                long held;
                int[] pipe = Posix.pipe();
                try (Arena arena = Arena.ofConfined(); LabPlan plan = new LabPlan()) {
                    MemorySegment pollFd = arena.allocate(8, 4); // struct pollfd {int fd; short events, revents;}
                    pollFd.set(ValueLayout.JAVA_INT, 0, pipe[0]);
                    pollFd.set(ValueLayout.JAVA_SHORT, 4, (short) 1); // POLLIN
                    MemorySegment limit = arena.allocate(16, 8); // struct timespec
                    limit.set(ValueLayout.JAVA_LONG, 0, HOLD_LIMIT_MS / 1000);
                    plan.syscall("ppoll(the release pipe, " + HOLD_LIMIT_MS + " ms)", ppoll(), pollFd.address(), 1,
                        limit.address(), 0, 8).exit(0);
                    Thread gc = Thread.ofPlatform().name("lab-gc").start(() -> {
                        while (plan.pidfdWhileHeld() < 0) {
                            Thread.onSpinWait();
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                        gcStart.set(System.nanoTime());
                        System.gc();
                        gcEnd.set(System.nanoTime());
                        int before;
                        synchronized (ticks) {
                            before = ticks.size();
                        }
                        long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_LIMIT_MS);
                        while (System.nanoTime() - giveUp < 0) {
                            synchronized (ticks) {
                                if (ticks.size() - before >= TICKS_AFTER_GC) {
                                    break;
                                }
                            }
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                        }
                        try (Arena a = Arena.ofConfined()) {
                            Posix.write(CallState.allocate(a), pipe[1], a.allocate(1), 1);
                        }
                    });
                    t0 = System.nanoTime();
                    held = plan.start(LabPlan.Clone.VFORK).heldNanos();
                    plan.waitFor();
                    gc.join();
                } finally {
                    stop.set(true);
                    ticker.join();
                    Posix.close(pipe[0]);
                    Posix.close(pipe[1]);
                }
                long end = t0 + held;
                int inside = 0;
                long previous = t0;
                long longest = 0;
                synchronized (ticks) {
                    for (long t : ticks) {
                        if (t >= t0 && t <= end) {
                            inside++;
                            longest = Math.max(longest, t - previous);
                            previous = t;
                        }
                    }
                }
                longest = Math.max(longest, end - previous);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("spawningThreadHeldMs", ms(held));
                m.put("otherThreadTicks", inside);
                m.put("otherThreadLongestPauseMs", ms(longest));
                m.put("fullGcMs", ms(gcEnd.get() - gcStart.get()));
                m.put("fullGcFinishedBeforeReleaseMs", ms(end - gcEnd.get()));
                // Before the limit: the child's ppoll returned because the GC's thread wrote to the pipe.
                m.put("releasedByTheOtherThreads", held < TimeUnit.MILLISECONDS.toNanos(HOLD_LIMIT_MS));
                return m;
            });
    }

    /** ppoll(2)'s number: the one poll call both architectures have. */
    private static long ppoll() {
        return Arch.require() == Arch.X86_64 ? 271 : 73;
    }

    static Finding onlyCallingThreadSuspended(Lab lab) {
        Map<String, Object> m = otherThreads(lab);
        boolean confirmed = othersRan(m);
        return new Finding(Claim.ONLY_CALLING_THREAD_SUSPENDED, m, confirmed ? Verdict.CONFIRMED : Verdict.REFUTED,
            confirmed
                ? "While a VFORK child held the spawning thread for " + m.get("spawningThreadHeldMs") + " ms, another "
                    + "thread of the same JVM ticked " + times(m.get("otherThreadTicks")) + " (it parks 1 ms between "
                    + "ticks; longest pause " + m.get("otherThreadLongestPauseMs") + " ms), and a full GC ran and "
                    + "finished " + m.get("fullGcFinishedBeforeReleaseMs") + " ms before the release (the child waited on a "
                    + "pipe that the GC's thread wrote to after its GC and " + TICKS_AFTER_GC + " more ticks): the held "
                    + "thread is in a native call, so the JVM's safepoints do not wait for it."
                : "The other thread or the GC did not make progress while the spawning thread was held: " + m + ".");
    }

    private static boolean othersRan(Map<String, Object> m) {
        return (int) m.get("otherThreadTicks") >= TICKS_AFTER_GC && (boolean) m.get("releasedByTheOtherThreads")
            && (double) m.get("fullGcFinishedBeforeReleaseMs") > 0;
    }

    static Finding wholeProcessSuspended(Lab lab) {
        Map<String, Object> m = otherThreads(lab);
        boolean othersRan = othersRan(m);
        return new Finding(Claim.WHOLE_PROCESS_SUSPENDED, m, othersRan ? Verdict.REFUTED : Verdict.CONFIRMED, othersRan
            ? "Only the calling thread is suspended, as the Linux man page says: during the vfork wait another "
                + "thread of the parent ticked " + times(m.get("otherThreadTicks")) + " and a full GC completed "
                + "(the same measurement as only-calling-thread-suspended). The kernel's vfork wait "
                + "(wait_for_vfork_done) puts the one calling task to sleep, not its thread group."
            : "The rest of the parent made no progress while the calling thread was held: " + m + ".");
    }

    static Finding signalsAfterRelease(Lab lab) {
        LabJvm probe = lab.measured("signals", "SIGUSR1 sent to a thread during its vfork wait (in a disposable JVM)",
            () -> LabJvm.run(SignalProbe.class, List.of("-Xmx64m"), List.of(), Duration.ofSeconds(30)));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("childSleepsMs", SignalProbe.CHILD_SLEEP_MS);
        m.put("sentMs", probe.number("vforkSentMs"));
        m.put("releasedMs", probe.number("vforkReleasedMs"));
        String handled = probe.get("vforkHandledMs");
        m.put("handledMs", handled.equals("never") ? handled : Double.parseDouble(handled));
        m.put("controlSentMs", probe.number("sleepSentMs"));
        m.put("controlHandledMs", probe.get("sleepHandledMs").equals("never") ? "never" : probe.number("sleepHandledMs"));
        if (handled.equals("never") || m.get("controlHandledMs") instanceof String) {
            return new Finding(Claim.SIGNALS_AFTER_RELEASE, m, Verdict.REFUTED,
                "The signal's handler never ran within 5 s: " + m + ".");
        }
        double sent = (double) m.get("sentMs");
        double released = (double) m.get("releasedMs");
        double at = (double) m.get("handledMs");
        double controlDelay = (double) m.get("controlHandledMs") - (double) m.get("controlSentMs");
        boolean confirmed = at >= released - 1 && at - sent >= 50 && controlDelay < 50;
        return new Finding(Claim.SIGNALS_AFTER_RELEASE, m, confirmed ? Verdict.CONFIRMED : Verdict.REFUTED, confirmed
            ? "SIGUSR1 was sent (tgkill) to the spawning thread alone " + sent + " ms into the spawn, with the "
                + "signal left unblocked in it; the thread was in the kernel's vfork wait until the child exited at "
                + released + " ms, and the handler ran only then (" + at + " ms). The control, the same signal sent "
                + "to the same thread asleep in Thread.sleep, was handled " + round(controlDelay) + " ms after it "
                + "was sent. The vfork wait is killable but not interruptible: only a fatal signal would end it."
            : "Expected the handler to run only after the release and at once in the control; measured " + m + ".");
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static Finding noSigttinInVforkChild(Lab lab) {
        LabJvm probe = lab.measured("sigttin", "a VFORK child in a background process group reads its terminal "
            + "(in a disposable JVM that leads its own session on a pseudo-terminal)",
            () -> LabJvm.run(TerminalProbe.class, List.of("-Xmx64m"), List.of(), Duration.ofSeconds(30),
                c -> c.newSession()));
        if (probe.values().containsKey("problem")) {
            return Finding.notTestable(Claim.NO_SIGTTIN_IN_VFORK_CHILD, "No terminal to test with: "
                + probe.get("problem") + ".");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        int signal = Integer.parseInt(probe.get("childStoppedBySignal"));
        m.put("childStoppedBy", signal == TerminalProbe.SIGTTIN ? "SIGTTIN" : signal == 0 ? null : "signal " + signal);
        m.put("spawningThreadStillHeld", Boolean.parseBoolean(probe.get("spawnerHeldWhileChildStopped")));
        m.put("watchedMs", Long.parseLong(probe.get("heldMs")));
        m.put("childEnded", probe.get("childEnded"));
        if (signal == TerminalProbe.SIGTTIN) {
            return new Finding(Claim.NO_SIGTTIN_IN_VFORK_CHILD, m, Verdict.REFUTED,
                "That is NetBSD's rule (the Linux man page quotes it as the BSD man page's); Linux has no such "
                    + "exception. A VFORK child that moved to a background process group and read from its "
                    + "controlling terminal was sent SIGTTIN and stopped, before its exec, and the spawning thread "
                    + (Boolean.TRUE.equals(m.get("spawningThreadStillHeld")) ? "stayed held" : "was not held")
                    + " while it was stopped: the very deadlock BSD avoids. The lab ended it with SIGKILL.");
        }
        boolean eof = String.valueOf(m.get("childEnded")).startsWith("exit 0");
        return new Finding(Claim.NO_SIGTTIN_IN_VFORK_CHILD, m, eof ? Verdict.CONFIRMED : Verdict.REFUTED, eof
            ? "The child's read returned (end of file) instead of stopping it with SIGTTIN."
            : "The child was not stopped by SIGTTIN, but its read did not give end of file either: " + m + ".");
    }

    /** "1 time", "256 times"; what was measured as is when it is not a number. */
    private static String times(Object count) {
        return count instanceof Number n ? Plural.count(n.longValue(), "time") : count + " times";
    }
}
