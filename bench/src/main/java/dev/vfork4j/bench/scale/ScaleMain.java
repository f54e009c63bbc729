package dev.vfork4j.bench.scale;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import dev.vfork4j.Signal;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The scale figures of issue 4, measured side by side with the JDK in one JVM run each:
 *
 * <ul>
 *   <li>{@code children N [vfork4j|jdk|both] [EXIT_LATENCY]}: N concurrent {@code sleep}
 *       children (stdio discarded): threads added, exit-detection latency (each child is
 *       killed at a known instant, one every 200 µs, then again one every 1 ms, and the
 *       latency runs from the kill, and from the kernel's notice of the exit when perf can
 *       record it, to its onExit() future), fds and zombies left; with EXIT_LATENCY
 *       (bench/src/main/c/exit_latency.c) the C floor is measured the same way;</li>
 *   <li>{@code ends N EXIT_AT [vfork4j|jdk|both] [EXIT_LATENCY]}: exit detection alone: N
 *       children of the {@code exit_at} helper (bench/src/main/c/exit_at.c), each ending
 *       itself at a planned instant (one every 200 µs, then one every 1 ms) and recording when
 *       it ended; the latency runs from that instant, and from the kernel's notice of the exit
 *       ({@link KernelExits}, when perf can record it), to its onExit() future. With
 *       EXIT_LATENCY (bench/src/main/c/exit_latency.c) the C floor is measured the same way,
 *       in the same table;</li>
 *   <li>{@code throughput MiB ROUNDS}: MiB through a child's stdout into onStdout (after 5 warm-up rounds), against
 *       the JDK's {@code getInputStream().transferTo(nullOutputStream())};</li>
 *   <li>{@code virtual N}: N virtual threads, each blocked reading a child's stdout and in
 *       waitFor, the children sleeping 1 s: wall time against that second.</li>
 * </ul>
 */
public final class ScaleMain {
    /** Threads of this JVM before vfork4j or the JDK started any child. */
    static final int COLD_THREADS = threads();

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "all";
        Mechanism m = Mechanism.best();
        System.out.printf(Locale.ROOT, "# vfork4j scale, mechanism %s, %d cpus, java %s%n", m,
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        switch (what) {
            case "children" -> children(arg(args, 1, 10_000), args.length > 2 ? args[2] : "both",
                args.length > 3 ? Path.of(args[3]) : null);
            case "ends" -> ends(arg(args, 1, 10_000), Path.of(args[2]), args.length > 3 ? args[3] : "both",
                args.length > 4 ? Path.of(args[4]) : null);
            case "throughput" -> throughput(arg(args, 1, 1024), arg(args, 2, 5));
            case "virtual" -> virtual(arg(args, 1, 1000));
            case "all" -> {
                children(10_000, "both", null);
                throughput(1024, 5);
                virtual(1000);
            }
            default -> throw new IllegalArgumentException("children|ends|throughput|virtual|all, not " + what);
        }
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    static long fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    static long zombies() throws IOException {
        long self = ProcessHandle.current().pid();
        long n = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") && Long.parseLong(f[1]) == self) {
                        n++;
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return n;
    }

    static double percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)] / 1000.0;
    }

    // ---- 10,000 children ----

    static void children(int n, String who, Path cFloor) throws Exception {
        System.out.printf(Locale.ROOT, "%n## %d concurrent children (sleep 600, stdio discarded)%n", n);
        System.out.printf(Locale.ROOT, "threads of this JVM before any child: %d%n", COLD_THREADS);
        boolean kernelClock = kernelClock();
        System.out.println("Exit detection from the kill, " + FROM_NOTICE);
        System.out.println("| | threads before | threads with all children alive | added | from the kill: " + LATENCY_COLUMNS
            + " | fds left | zombies |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        // vfork4j first: the JDK's reaper threads outlive its children by a minute and would
        // be counted, and compete, in whatever runs after it.
        long[] intervals = {200_000, 1_000_000};
        if (!who.equals("jdk")) {
            for (long interval : intervals) {
                vfork4jChildren(n, interval, kernelClock);
            }
        }
        if (!who.equals("vfork4j")) {
            for (long interval : intervals) {
                jdkChildren(n, interval, kernelClock);
            }
        }
        if (cFloor != null) {
            System.out.println();
            System.out.println("The C floor (vfork + exec, pidfds on one epoll, waitid), same children, same pacing:");
            System.out.println("| | from the kill: " + LATENCY_COLUMNS + " |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (long interval : intervals) {
                cFloor("C floor, a kill every " + interval / 1000 + " µs", cFloor, n, interval, null, kernelClock);
            }
        }
    }

    /**
     * Whether perf can time exits here ({@link KernelExits}); says why not otherwise. Trying
     * starts perf through vfork4j, so vfork4j's loop thread exists from here on: "threads
     * before" of a JDK-only run counts it, "added" does not.
     */
    static boolean kernelClock() throws Exception {
        KernelExits.Result probe = KernelExits.start();
        if (probe.get().isPresent()) {
            probe.get().orElseThrow().close();
            return true;
        }
        System.out.println("(no kernel-notice columns: " + probe.whyNot() + ")");
        return false;
    }

    static void vfork4jChildren(int n, long interval, boolean kernelClock) throws Exception {
        Command sleep = Command.of("sleep", "600").stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD);
        supervise("vfork4j " + Mechanism.best(), n, interval, kernelClock, sleep::start, p -> ((Child) p).signal(Signal.SIGKILL));
    }

    static void jdkChildren(int n, long interval, boolean kernelClock) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sleep", "600").redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        supervise("JDK ProcessBuilder", n, interval, kernelClock, pb::start, Process::destroyForcibly);
    }

    interface Start {
        Process start() throws IOException;
    }

    /**
     * Starts n children (after 200 warm-up children, so the library's own threads exist before
     * counting and the exit path is compiled), kills one every {@code interval} ns and reports
     * threads, exit-detection latency to onExit(), fds and zombies left.
     */
    static void supervise(String who, int n, long interval, boolean kernelClock, Start start,
        java.util.function.Consumer<Process> kill) throws Exception {
        // warm-up, one child at a time (so the JDK reuses one reaper thread): the library's lazy
        // state and threads, and the JIT for the kill-and-exit path, as "ends" does
        for (int i = 0; i < 200; i++) {
            Process warm = start.start();
            kill.accept(warm);
            warm.onExit().get();
        }
        System.gc();
        int threadsBefore = threads();
        long fdsBefore = fds();
        List<Process> children = new ArrayList<>(n);
        long[] pids = new long[n];
        for (int i = 0; i < n; i++) {
            children.add(start.start());
            pids[i] = children.get(i).pid();
        }
        int threadsDuring = threads();
        long[] killedAt = new long[n];
        long[] detectedAt = new long[n];
        KernelExits.Exits exits = whileRecording(kernelClock, () -> {
            CompletableFuture<Void> allExited = stampExits(children, detectedAt);
            pacedKill(n, killedAt, i -> kill.accept(children.get(i)), interval);
            allExited.get(300, TimeUnit.SECONDS);
        });
        Thread.sleep(200);
        System.out.printf(Locale.ROOT, "| %s, a kill every %d µs | %d | %d | %d | %s | %d | %d |%n", who, interval / 1000,
            threadsBefore, threadsDuring, threadsDuring - threadsBefore, latencyCells(pids, killedAt, detectedAt, exits),
            fds() - fdsBefore, zombies());
    }

    // ---- exit detection alone ----

    static void ends(int n, Path exitAt, String who, Path cFloor) throws Exception {
        System.out.printf(Locale.ROOT, "%n## exit detection: %d children that end themselves at planned instants (%s)%n", n, exitAt);
        boolean kernelClock = kernelClock();
        System.out.println("Exit detection from the child's last instruction (its own clock reading before _exit), " + FROM_NOTICE);
        System.out.println("| | from its end: " + LATENCY_COLUMNS + " | fds left | zombies |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        long[] intervals = {200_000, 1_000_000};
        if (!who.equals("jdk")) {
            for (long interval : intervals) {
                endsOne("vfork4j " + Mechanism.best(), n, interval, exitAt, kernelClock,
                    argv -> Command.of(argv).stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).start());
            }
        }
        if (!who.equals("vfork4j")) {
            for (long interval : intervals) {
                endsOne("JDK ProcessBuilder", n, interval, exitAt, kernelClock, argv -> new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start());
            }
        }
        if (cFloor != null) {
            for (long interval : intervals) {
                cFloor("C floor, an end every " + interval / 1000 + " µs", cFloor, n, interval, exitAt, kernelClock);
            }
        }
    }

    interface StartArgv {
        Process start(List<String> argv) throws IOException;
    }

    /**
     * After 200 children of warm-up, starts n exit_at children whose planned ends lie after
     * the last start (3 ms a start planned, plus 2 s), one every {@code interval} ns, and
     * reports from each child's own record of its end, and from the kernel's notice of it, to
     * its onExit() future.
     */
    static void endsOne(String who, int n, long interval, Path exitAt, boolean kernelClock, StartArgv start) throws Exception {
        Path record = Files.createTempFile("vfork4j-ends", ".bin");
        try {
            Files.write(record, new byte[n * 8]);
            for (int i = 0; i < 200; i++) { // warm-up: the library's lazy state and threads, the JIT
                start.start(List.of(exitAt.toString(), "0", record.toString(), "0")).onExit().get();
            }
            System.gc();
            long fdsBefore = fds();
            List<Process> children = new ArrayList<>(n);
            long[] pids = new long[n];
            long[] detectedAt = new long[n];
            KernelExits.Exits exits = whileRecording(kernelClock, () -> {
                long first = System.nanoTime() + n * 3_000_000L + 2_000_000_000L;
                for (int i = 0; i < n; i++) {
                    children.add(start.start(List.of(exitAt.toString(), Long.toString(first + i * interval), record.toString(),
                        Integer.toString(i))));
                    pids[i] = children.get(i).pid();
                }
                if (System.nanoTime() > first) {
                    throw new IllegalStateException("starting " + n + " children took longer than planned; the first had already ended");
                }
                stampExits(children, detectedAt).get(first - System.nanoTime() + n * interval + 60_000_000_000L, TimeUnit.NANOSECONDS);
            });
            for (Process p : children) {
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("exit_at failed with " + p.exitValue());
                }
            }
            long[] endedAt = new long[n];
            java.nio.ByteBuffer.wrap(Files.readAllBytes(record)).order(java.nio.ByteOrder.nativeOrder()).asLongBuffer().get(endedAt);
            Thread.sleep(200);
            System.out.printf(Locale.ROOT, "| %s, an end every %d µs | %s | %d | %d |%n", who, interval / 1000,
                latencyCells(pids, endedAt, detectedAt, exits), fds() - fdsBefore, zombies());
        } finally {
            Files.deleteIfExists(record);
        }
    }

    /**
     * The same measurement in plain C, the floor on this machine: bench/src/main/c/exit_latency.c
     * (vfork + exec, pidfds on one epoll, waitid), which writes each child's pid, kill or end,
     * and detection instant to the file named by EXIT_LATENCY_RECORD. {@code exitAt} null: its
     * children are {@code sleep 600}, killed one every {@code interval}; else they are exit_at
     * children that end themselves.
     */
    static void cFloor(String row, Path exitLatency, int n, long interval, Path exitAt, boolean kernelClock) throws Exception {
        Path rows = Files.createTempFile("vfork4j-ends-c", ".txt");
        try {
            List<String> argv = new ArrayList<>(List.of(exitLatency.toString(), Integer.toString(n), Long.toString(interval / 1000)));
            if (exitAt != null) {
                argv.add(exitAt.toString());
            }
            ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("EXIT_LATENCY_RECORD", rows.toString());
            KernelExits.Exits exits = whileRecording(kernelClock, () -> {
                int rc = pb.start().waitFor();
                if (rc != 0) {
                    throw new IllegalStateException(exitLatency + " exited with " + rc);
                }
            });
            List<String> lines = Files.readAllLines(rows);
            long[] pids = new long[n];
            long[] endedAt = new long[n];
            long[] detectedAt = new long[n];
            for (int i = 0; i < n; i++) {
                String[] f = lines.get(i).split(" ");
                pids[i] = Long.parseLong(f[0]);
                endedAt[i] = Long.parseLong(f[1]);
                detectedAt[i] = Long.parseLong(f[2]);
            }
            System.out.printf(Locale.ROOT, "| %s | %s |%s%n", row, latencyCells(pids, endedAt, detectedAt, exits),
                exitAt == null ? "" : " | |"); // the "ends" table's fds and zombies: not this JVM's
        } finally {
            Files.deleteIfExists(rows);
        }
    }

    /** What the "from the kernel's notice" columns mean, for the tables' headings. */
    static final String FROM_NOTICE =
        "and from the kernel's notice of the exit (the SIGCHLD it sends in exit_notify, when the pidfd turns readable; perf):";

    /** The headings of {@link #latencyCells}'s cells. */
    static final String LATENCY_COLUMNS = "p50 µs | p90 µs | p99 µs | max µs | from the kernel's notice: p50 µs | p90 µs | p99 µs | max µs";

    interface Measured {
        void run() throws Exception;
    }

    /** Runs {@code measured} while perf records exits if {@code kernelClock}: the exits recorded, else null. */
    static KernelExits.Exits whileRecording(boolean kernelClock, Measured measured) throws Exception {
        if (!kernelClock) {
            measured.run();
            return null;
        }
        try (KernelExits recording = KernelExits.start().orThrow()) {
            measured.run();
            return recording.stop();
        }
    }

    /**
     * Table cells p50, p90, p99 and max of the latency from {@code from[i]} (a kill, a child's
     * own end) to {@code detectedAt[i]}, then the same from the kernel's notice of each exit
     * ("n/a" when {@code exits} is null: no kernel clock). The notice looked up for child i is
     * the first exit of its pid at or after {@code from[i]} (a pid may be recycled).
     */
    static String latencyCells(long[] pids, long[] from, long[] detectedAt, KernelExits.Exits exits) {
        String cells = percentiles(latencies(from, detectedAt));
        if (exits == null) {
            return cells + " | n/a | n/a | n/a | n/a";
        }
        int n = pids.length;
        long[] noticedAt = new long[n];
        int missing = 0;
        for (int i = 0; i < n; i++) {
            noticedAt[i] = exits.of(pids[i], from[i]);
            if (noticedAt[i] < 0) {
                missing++;
            }
        }
        return cells + " | " + (missing > 0 ? missing + " of " + n + " exits not recorded by perf | | |"
            : percentiles(latencies(noticedAt, detectedAt)));
    }

    /** "p50 | p90 | p99 | max" in µs of sorted ns latencies. */
    static String percentiles(long[] sorted) {
        return String.format(Locale.ROOT, "%.0f | %.0f | %.0f | %.0f", percentile(sorted, 50), percentile(sorted, 90),
            percentile(sorted, 99), sorted[sorted.length - 1] / 1000.0);
    }

    /** Records in {@code detectedAt[i]} when child i's onExit() completed; the result completes after the last. */
    static CompletableFuture<Void> stampExits(List<Process> children, long[] detectedAt) {
        CompletableFuture<?>[] exits = new CompletableFuture<?>[children.size()];
        for (int i = 0; i < exits.length; i++) {
            int id = i;
            exits[i] = children.get(i).onExit().thenRun(() -> detectedAt[id] = System.nanoTime());
        }
        return CompletableFuture.allOf(exits);
    }

    interface Kill {
        void kill(int i) throws Exception;
    }

    /**
     * Kills child i at about start + i × interval, recording exactly when. The pacing sleeps
     * rather than spins: a spinning thread would take one of the two cores from the loop.
     */
    static void pacedKill(int n, long[] killedAt, Kill kill, long interval) throws Exception {
        long start = System.nanoTime() + 10_000_000;
        for (int i = 0; i < n; i++) {
            long at = start + i * interval;
            long wait = at - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            killedAt[i] = System.nanoTime();
            kill.kill(i);
        }
    }

    /** How many latency series have been dumped so far. */
    static final AtomicLong DUMPS = new AtomicLong();

    /**
     * detectedAt[i] - from[i] for each child, sorted. With -Dvfork4j.scale.dump=PREFIX, each series
     * is also written to PREFIX.1, PREFIX.2, … in the order computed, a line per child in child
     * order: "i latency-µs from-ns" (from on System.nanoTime's clock, to line up with
     * -Xlog:gc:…:timenanos, say).
     */
    static long[] latencies(long[] from, long[] detectedAt) {
        long[] l = new long[from.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = detectedAt[i] - from[i];
        }
        String dump = System.getProperty("vfork4j.scale.dump");
        if (dump != null) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < l.length; i++) {
                sb.append(i).append(' ').append(l[i] / 1000).append(' ').append(from[i]).append('\n');
            }
            try {
                Files.writeString(Path.of(dump + "." + DUMPS.incrementAndGet()), sb);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        Arrays.sort(l);
        return l;
    }

    // ---- throughput ----

    static final int THROUGHPUT_WARMUP_ROUNDS = 5;

    static void throughput(int mib, int rounds) throws Exception {
        System.out.printf(Locale.ROOT, "%n## %d MiB through a child's stdout (head -c %d MiB /dev/zero), %d rounds each, alternating,"
            + " after %d warm-up rounds each%n",
            mib, mib, rounds, THROUGHPUT_WARMUP_ROUNDS);
        long bytes = (long) mib << 20;
        List<String> argv = List.of("head", "-c", Long.toString(bytes), "/dev/zero");
        double[] ours = new double[rounds];
        double[] jdk = new double[rounds];
        // Warm-up rounds for both first: perf shows the JIT's compiler threads taking ~19 % of
        // the two CPUs during the first seconds of streaming (from head and the reader), and a
        // single warm-up round left the next ones at 1.3-3 GiB/s instead of ~4.
        for (int r = -THROUGHPUT_WARMUP_ROUNDS; r < rounds; r++) {
            AtomicLong got = new AtomicLong();
            long t0 = System.nanoTime();
            Command.of(argv).onStdout(b -> got.addAndGet(b.remaining())).run();
            long t1 = System.nanoTime();
            check(got.get(), bytes);
            Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            long n = p.getInputStream().transferTo(OutputStream.nullOutputStream());
            p.waitFor();
            long t2 = System.nanoTime();
            check(n, bytes);
            if (r >= 0) {
                ours[r] = mib / ((t1 - t0) / 1e9);
                jdk[r] = mib / ((t2 - t1) / 1e9);
            }
        }
        Arrays.sort(ours);
        Arrays.sort(jdk);
        System.out.println("| | median MiB/s | min | max |");
        System.out.println("|---|---:|---:|---:|");
        System.out.printf(Locale.ROOT, "| vfork4j onStdout | %.0f | %.0f | %.0f |%n", ours[rounds / 2], ours[0], ours[rounds - 1]);
        System.out.printf(Locale.ROOT, "| JDK transferTo(nullOutputStream) | %.0f | %.0f | %.0f |%n", jdk[rounds / 2], jdk[0], jdk[rounds - 1]);
        System.out.printf(Locale.ROOT, "ratio vfork4j / JDK (medians): %.2f%n", ours[rounds / 2] / jdk[rounds / 2]);
    }

    static void check(long got, long expected) {
        if (got != expected) {
            throw new AssertionError("got " + got + " bytes, expected " + expected);
        }
    }

    // ---- virtual threads ----

    static void virtual(int n) throws Exception {
        System.out.printf(Locale.ROOT,
            "%n## %d virtual threads, each blocked reading a child's stdout and in waitFor (child: sleep 1; echo done)%n", n);
        System.out.println("| | wall time s | children's own run time s | all lines right |");
        System.out.println("|---|---:|---:|---|");
        for (String who : List.of("vfork4j", "JDK")) {
            AtomicLong ok = new AtomicLong();
            long t0 = System.nanoTime();
            List<Thread> threads = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        Process p = who.equals("vfork4j")
                            ? Command.of("sh", "-c", "sleep 1; echo done").stderr(Redirect.DISCARD).start()
                            : new ProcessBuilder("sh", "-c", "sleep 1; echo done").start();
                        String line = p.inputReader().readLine();
                        p.waitFor();
                        if ("done".equals(line)) {
                            ok.incrementAndGet();
                        }
                    } catch (Exception e) {
                        System.err.println(who + ": " + e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "| %s | %.2f | 1.00 | %s |%n", who, wall, ok.get() == n ? "yes" : ok.get() + "/" + n);
        }
    }
}
