package dev.vfork4j.agent.bench;

import dev.vfork4j.ballast.HeapBallast;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What run-agent.sh starts in a fresh JVM, with the agent or without: an unmodified
 * application, plain ProcessBuilder code that knows nothing of vfork4j. Each mode prints one line
 * of {@code key=value} figures for the script to collect.
 *
 * <ul>
 *   <li>{@code loop ITER WARM [FDS] [BALLAST]}: start + waitFor of /bin/true, WARM times, then
 *       ITER times timed; the median in microseconds, and the JIT compilers' time during the
 *       timed starts in milliseconds (jit_ms). FDS: open that many more fds first (/dev/null).
 *       BALLAST {@code ballast}: fill half the heap with live arrays first (HeapBallast).</li>
 *   <li>{@code fds ITER WARM FDS BATCH}: start + waitFor of /bin/true at this JVM's ~10 fds and
 *       at FDS more, in one JVM: WARM starts, then alternating batches of BATCH timed starts
 *       without the FDS fds and with them (opened before the batch, closed after; the batch
 *       without them follows the same opening, closed before it: opening 10,000 fds just before
 *       a batch made it 2-3 % slower), until each cell has ITER; each cell's median and p10 in
 *       microseconds. Alternating in one JVM
 *       compares the two cells at the same moments, under the same JIT state, where two JVMs
 *       run minutes apart drift with the machine by more than the difference measured.</li>
 *   <li>{@code first DELAY_MS}: the application's first start + waitFor of /bin/true, DELAY_MS
 *       after main began; its time in microseconds.</li>
 *   <li>{@code steady WARM SECONDS}: WARM starts + waitFor of /bin/true, then {@code tid=N} (this
 *       thread's id in the kernel, for a tracer to attach to), then starts for SECONDS; their
 *       number, median and this thread's CPU time per start in microseconds (user + system).</li>
 *   <li>{@code threads N}: N children of {@code sleep 30} started and left running; this JVM's
 *       threads (/proc/self/task) before and with them; then each destroyed and reaped.</li>
 * </ul>
 */
public final class AgentBench {
    private AgentBench() {}

    private static final long MAIN_NANOS = System.nanoTime();

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "loop" -> loop(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                args.length > 3 ? Integer.parseInt(args[3]) : 0, args.length > 4 && args[4].equals("ballast"));
            case "fds" -> fds(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]));
            case "first" -> first(Long.parseLong(args[1]));
            case "threads" -> threads(Integer.parseInt(args[1]));
            case "steady" -> steady(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void spawnTrue() throws IOException, InterruptedException {
        int code = new ProcessBuilder("/bin/true").start().waitFor();
        if (code != 0) {
            throw new IllegalStateException("/bin/true exited " + code);
        }
    }

    /** Steady state: the agent's thread (warm-up, rewrite), if any, has ended. */
    private static void awaitAgentThread() throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("vfork4j-agent")) {
                t.join();
            }
        }
    }

    private static void loop(int iterations, int warm, int extraFds, boolean ballast) throws Exception {
        Object keep = ballast ? HeapBallast.fillHalfTheHeap() : null;
        awaitAgentThread(); // then the fds, as an application opens its own after startup
        List<FileInputStream> fds = new ArrayList<>();
        for (int i = 0; i < extraFds; i++) {
            fds.add(new FileInputStream("/dev/null"));
        }
        for (int i = 0; i < warm; i++) {
            spawnTrue();
        }
        long[] ns = new long[iterations];
        long jitBefore = jitMillis();
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            spawnTrue();
            ns[i] = System.nanoTime() - t;
        }
        long jit = jitMillis() - jitBefore;
        Arrays.sort(ns);
        System.out.printf("median_us=%.1f p10_us=%.1f p90_us=%.1f jit_ms=%d fds=%d rss_mb=%d heap_max_mb=%d%s%n", ns[iterations / 2] / 1e3,
            ns[iterations / 10] / 1e3, ns[iterations * 9 / 10] / 1e3, jit, openFds(), rssMb(),
            Runtime.getRuntime().maxMemory() >> 20, keep == null ? "" : " ballast_mb=" + (((HeapBallast) keep).bytes() >> 20));
        for (FileInputStream f : fds) {
            f.close();
        }
    }

    private static void fds(int iterations, int warm, int extraFds, int batch) throws Exception {
        awaitAgentThread();
        for (int i = 0; i < warm; i++) {
            spawnTrue();
        }
        long[] low = new long[iterations];
        long[] high = new long[iterations];
        long lowFds = 0;
        long highFds = 0;
        for (int done = 0; done < iterations; done += batch) {
            int n = Math.min(batch, iterations - done);
            // The low batch follows the same churn as the high one (opening the fds: their Java
            // objects, the kernel's files), so that the two differ only in the fds that are open.
            closeAll(openNullFds(extraFds));
            lowFds = openFds();
            timed(low, done, n);
            List<FileInputStream> fds = openNullFds(extraFds);
            highFds = openFds();
            timed(high, done, n);
            closeAll(fds);
        }
        Arrays.sort(low);
        Arrays.sort(high);
        System.out.printf("low_median_us=%.1f high_median_us=%.1f low_p10_us=%.1f high_p10_us=%.1f low_fds=%d high_fds=%d%n",
            low[iterations / 2] / 1e3, high[iterations / 2] / 1e3, low[iterations / 10] / 1e3, high[iterations / 10] / 1e3,
            lowFds, highFds);
    }

    private static List<FileInputStream> openNullFds(int n) throws IOException {
        List<FileInputStream> fds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fds.add(new FileInputStream("/dev/null"));
        }
        return fds;
    }

    private static void closeAll(List<FileInputStream> fds) throws IOException {
        for (FileInputStream f : fds) {
            f.close();
        }
    }

    private static void steady(int warm, int seconds) throws Exception {
        awaitAgentThread();
        for (int i = 0; i < warm; i++) {
            spawnTrue();
        }
        // /proc/thread-self is a link to PID/task/TID
        String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
        System.out.println("tid=" + self.substring(self.lastIndexOf('/') + 1));
        System.out.flush();
        var threads = ManagementFactory.getThreadMXBean();
        long cpuBefore = threads.getCurrentThreadCpuTime();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Long> ns = new ArrayList<>();
        while (System.nanoTime() < end) {
            long t = System.nanoTime();
            spawnTrue();
            ns.add(System.nanoTime() - t);
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
        ns.sort(null);
        System.out.printf("starts=%d median_us=%.1f cpu_us_per_start=%.1f%n", ns.size(), ns.get(ns.size() / 2) / 1e3,
            cpu / 1e3 / ns.size());
    }

    /**
     * The JIT compilers' time so far, in milliseconds (CompilationMXBean): what they spent during a
     * timed loop says whether the warm-up reached the steady state the loop is meant to measure.
     */
    private static long jitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** {@code n} timed starts into {@code ns} from {@code from}. */
    private static void timed(long[] ns, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            long t = System.nanoTime();
            spawnTrue();
            ns[i] = System.nanoTime() - t;
        }
    }

    private static void first(long delayMs) throws Exception {
        long at = MAIN_NANOS + TimeUnit.MILLISECONDS.toNanos(delayMs);
        long now;
        while ((now = System.nanoTime()) < at) {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(at - now)));
        }
        long t = System.nanoTime();
        spawnTrue();
        long took = System.nanoTime() - t;
        System.out.printf("first_us=%.1f at_ms=%.1f%n", took / 1e3, (t - MAIN_NANOS) / 1e6);
    }

    private static void threads(int n) throws Exception {
        awaitAgentThread();
        long before = threadCount();
        List<Process> children = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            children.add(new ProcessBuilder("sleep", "30").start());
        }
        Thread.sleep(500); // whatever a start hands to other threads has happened
        long with = threadCount();
        for (Process p : children) {
            p.destroy();
        }
        for (Process p : children) {
            p.waitFor();
        }
        System.out.printf("threads_before=%d threads_with_children=%d children=%d%n", before, with, n);
    }

    private static long threadCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            return s.count();
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static long rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
            }
        }
        return -1;
    }
}
