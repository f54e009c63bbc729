package dev.vfork4j.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6, "soak": spawns across every mechanism from 8 platform threads and 1,000 virtual threads
 * while another thread makes garbage and asks for GCs; afterwards this JVM holds the same fds, no
 * zombie, no child, no extra thread of its own, and RSS within a stated bound.
 * CI: 20,000 spawns; long: 1,000,000. The parent-JVM-SIGKILL fault is {@code ParentDeathSignalTest}.
 */
@Tag("reliability")
class SoakTest {

    static final int SPAWNS = Load.scale(20_000, 1_000_000);
    static final int PLATFORM_THREADS = 8;
    static final int VIRTUAL_THREADS = 1_000;
    /** RSS may grow this much: the heap (-Xmx1g) grows under the GC pressure and G1 keeps what it took. */
    static final long RSS_BOUND_KB = 256 * 1024;

    @Test
    @Timeout(value = 3, unit = java.util.concurrent.TimeUnit.HOURS)
    void spawnsFromManyThreadsUnderGcPressureLeaveNothingBehind() throws Exception {
        List<Mechanism> mechanisms = Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable).toList();
        for (Mechanism m : mechanisms) {
            Command.of("true").mechanism(m).output(); // each mechanism's lazy state, the loop's fds
        }
        System.gc();
        Thread.sleep(200);
        Health before = Health.now();
        long nativeBefore = nativeCommittedKb();
        int javaThreadsBefore = ownThreads();

        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        Map<Mechanism, AtomicInteger> perMechanism = new ConcurrentHashMap<>();
        Runnable worker = () -> {
            int i;
            while ((i = next.getAndIncrement()) < SPAWNS) {
                Mechanism m = mechanisms.get(i % mechanisms.size());
                try {
                    boolean ok = (i / mechanisms.size()) % 2 == 0
                        ? Command.of("true").mechanism(m).output().status().success()
                        : Command.of("true").mechanism(m).stdin(Redirect.DISCARD).stdout(Redirect.DISCARD)
                            .stderr(Redirect.DISCARD).run().success();
                    if (!ok) {
                        throw new AssertionError("true failed on " + m);
                    }
                    perMechanism.computeIfAbsent(m, k -> new AtomicInteger()).incrementAndGet();
                } catch (Throwable t) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, t);
                }
            }
        };
        // Garbage at a bounded rate (1 MiB a millisecond, at most 16 MiB held) and a full GC every
        // 200 ms: young collections every few tens of ms without taking a core from the spawns.
        Thread pressure = Thread.ofPlatform().daemon().name("gc-pressure").start(() -> {
            List<byte[]> hold = new ArrayList<>();
            long lastGc = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                for (int k = 0; k < 16; k++) {
                    hold.add(new byte[64 * 1024]);
                }
                if (hold.size() >= 256) {
                    hold.clear();
                }
                if (System.nanoTime() - lastGc > 200_000_000L) {
                    System.gc();
                    lastGc = System.nanoTime();
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
        });
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < PLATFORM_THREADS; i++) {
            threads.add(Thread.ofPlatform().name("soak-" + i).start(worker));
        }
        for (int i = 0; i < VIRTUAL_THREADS; i++) {
            threads.add(Thread.ofVirtual().name("soak-v" + i).start(worker));
        }
        // A spawn whose exit is never seen would park its thread for good: once every spawn has
        // been handed out, the rest get two minutes, then the test fails naming what is stuck.
        long allHandedOut = 0;
        for (Thread t : threads) {
            while (!t.join(Duration.ofSeconds(1))) {
                if (next.get() < SPAWNS) {
                    continue;
                }
                long now = System.nanoTime();
                allHandedOut = allHandedOut == 0 ? now : allHandedOut;
                if (now - allHandedOut > 120_000_000_000L) {
                    List<String> stuck = threads.stream().filter(Thread::isAlive)
                        .map(s -> s.getName() + " at " + Arrays.toString(s.getStackTrace())).toList();
                    throw new AssertionError(stuck.size() + " spawns never completed (2 minutes after the last one"
                        + " started); threads: " + stuck);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pressure.interrupt();
        pressure.join();

        System.gc();
        Health.fdsSettledTo(before.fdCount(), 5000);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((ownThreads() > javaThreadsBefore || ProcessHandle.current().children().findAny().isPresent())
            && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Health after = Health.now();
        long nativeAfter = nativeCommittedKb();
        // NMT's "Other" and "Internal" hold what FFM arenas allocate: what the spawns left there.
        long nativeGrowthKb = nativeBefore < 0 || nativeAfter < 0 ? 0 : nativeAfter - nativeBefore;
        String figures = String.format("%d spawns in %.1f s = %.0f spawns/s; fds %d -> %d; OS threads %d -> %d "
                + "(own Java threads %d -> %d); zombies %d -> %d; children %d -> %d; RSS %d -> %d MB; "
                + "native memory (NMT, committed, excluding the Java heap) %s -> %s MB; per mechanism %s",
            SPAWNS, seconds, SPAWNS / seconds, before.fdCount(), after.fdCount(), before.threadCount(), after.threadCount(),
            javaThreadsBefore, ownThreads(), before.zombieCount(), after.zombieCount(), before.childCount(),
            after.childCount(), before.rssKbytes() / 1024, after.rssKbytes() / 1024,
            nativeBefore < 0 ? "n/a" : Long.toString(nativeBefore / 1024), nativeAfter < 0 ? "n/a" : Long.toString(nativeAfter / 1024),
            perMechanism);
        boolean pass = failures.get() == 0 && after.fdCount() == before.fdCount() && after.zombieCount() == 0
            && after.childCount() == 0 && ownThreads() <= javaThreadsBefore
            && after.rssKbytes() - before.rssKbytes() <= RSS_BOUND_KB && nativeGrowthKb <= NATIVE_BOUND_KB;
        Report.record("Soak", "spawn + wait of `true` (output() and run(), alternating) from " + PLATFORM_THREADS
                + " platform + " + VIRTUAL_THREADS + " virtual threads, a thread allocating 64 KiB arrays and calling System.gc() every 200 ms",
            String.join(", ", mechanisms.stream().map(Enum::name).toList()) + " (round robin)", Load.MODE,
            SPAWNS + " spawns, " + failures.get() + " failed",
            pass ? "fds equal, no zombie, no child, no extra own thread, RSS within +" + RSS_BOUND_KB / 1024
                + " MB, native memory within +" + NATIVE_BOUND_KB / 1024 + " MB" : "FAILED",
            figures);
        assertThat(firstFailure.get()).as("first failed spawn").isNull();
        assertThat(after.fdCount()).as(figures).isEqualTo(before.fdCount());
        assertThat(after.zombieCount()).as(figures).isZero();
        assertThat(after.childCount()).as(figures).isZero();
        assertThat(ownThreads()).as(figures).isLessThanOrEqualTo(javaThreadsBefore);
        assertThat(after.rssKbytes() - before.rssKbytes()).as(figures).isLessThanOrEqualTo(RSS_BOUND_KB);
        assertThat(nativeGrowthKb).as(figures).isLessThanOrEqualTo(NATIVE_BOUND_KB);
    }

    /** Native memory that may stay after the soak: pooled child stacks (1 MiB), JIT code and metadata. */
    static final long NATIVE_BOUND_KB = 64 * 1024;

    /** A committed size in NMT's summary. */
    private static final Pattern COMMITTED = Pattern.compile("committed=(\\d+)KB");

    /**
     * The JVM's committed native memory outside the Java heap, in KB, from native memory tracking
     * (the surefire JVM runs with -XX:NativeMemoryTracking=summary); -1 when NMT is off.
     */
    static long nativeCommittedKb() throws Exception {
        String summary = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
            new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
            new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        long total = -1;
        long heap = 0;
        for (String line : summary.lines().toList()) {
            Matcher m = COMMITTED.matcher(line);
            if (!m.find()) {
                continue;
            }
            if (line.strip().startsWith("Total:")) {
                total = Long.parseLong(m.group(1));
            } else if (line.contains("Java Heap")) {
                heap = Long.parseLong(m.group(1));
            }
        }
        return total < 0 ? -1 : total - heap;
    }

    /**
     * Live platform threads, less the JDK's own pools that shrink on their own time: the JDK
     * mechanism's "process reaper" threads (60 s keep-alive) and virtual-thread carriers.
     */
    static int ownThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
            .filter(n -> !n.startsWith("process reaper") && !n.startsWith("ForkJoinPool")
                && !n.startsWith("InnocuousThread") && !n.equals("gc-pressure"))
            .count();
    }

    @AfterAll
    static void report() {
        Report.flush("Soak");
    }
}
