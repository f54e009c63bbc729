package dev.vfork4j.cli.bench;

import dev.vfork4j.Command;
import dev.vfork4j.Redirect;
import dev.vfork4j.ballast.HeapBallast;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The disposable JVM {@code bench} starts for each heap size, fd count and JDK launch mode.
 * Its heap flags ({@link HeapBallast#jvmFlags}: {@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch})
 * and the JDK's launch mode ({@code -Djdk.lang.Process.launchMechanism}) are set by whoever starts
 * it; it opens the fds, fills half the heap with a live ballast whose every page is written
 * ({@link HeapBallast#fillHalfTheHeap()}), then times spawn + wait of {@code /bin/true} for each
 * mechanism in turn, and reports on stdout in {@link WorkerReport} lines.
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED -Xms2g -Xmx2g -XX:+AlwaysPreTouch \
 *     -Djdk.lang.Process.launchMechanism=POSIX_SPAWN -cp vfork4j-cli.jar dev.vfork4j.cli.bench.BenchWorker \
 *     OPEN_FDS SPAWNS WARMUP MAX_MILLIS MECHANISM[,MECHANISM...]}</pre>
 *
 * Each mechanism gets WARMUP untimed spawns (fewer when they take more than a fifth of
 * MAX_MILLIS, at least one), then SPAWNS timed ones, or fewer when they take more than
 * MAX_MILLIS altogether (at least {@link #MIN_SPAWNS}): FORK from a large heap costs tens of
 * milliseconds a spawn. The children inherit the worker's stdio, as in the JMH benchmarks: the
 * spawn and the wait alone, no pipe to make or drain; {@code /bin/true} writes nothing.
 * Exits 0 after the last result, 1 when a spawn fails (the cause on stderr).
 */
public final class BenchWorker {
    static final String TRUE = "/bin/true";
    static final int MIN_SPAWNS = 10;
    private static final long PROGRESS_EVERY_NS = 100_000_000;

    private final PrintStream out;
    /** Held until the worker exits: the fds open and the ballast live throughout the timings. */
    private final List<Object> held = new ArrayList<>();

    private BenchWorker(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: BenchWorker OPEN_FDS SPAWNS WARMUP MAX_MILLIS MECHANISM[,MECHANISM...]");
            System.exit(2);
        }
        int openFds = Integer.parseInt(args[0]);
        int spawns = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        long maxNanos = Long.parseLong(args[3]) * 1_000_000;
        List<BenchMechanism> mechanisms = Arrays.stream(args[4].split(",")).map(BenchMechanism::valueOf).toList();
        try {
            new BenchWorker(System.out).run(openFds, spawns, warmup, maxNanos, mechanisms);
        } catch (IOException | RuntimeException e) {
            System.out.flush();
            System.err.println("bench worker: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private void run(int openFds, int spawns, int warmup, long maxNanos, List<BenchMechanism> mechanisms)
        throws IOException, InterruptedException {
        String launch = System.getProperty("jdk.lang.Process.launchMechanism", BenchMechanism.DEFAULT_JDK_LAUNCH);
        for (BenchMechanism m : mechanisms) {
            if (!m.launchMechanismProperty().equals(launch)) {
                throw new IllegalArgumentException(m + " needs -Djdk.lang.Process.launchMechanism="
                    + m.launchMechanismProperty() + ", this JVM has " + launch);
            }
        }
        for (int i = 0; i < openFds; i++) {
            held.add(new FileInputStream("/dev/null"));
        }
        // Last, for its full collection to settle the fds' objects in the old generation too.
        held.add(HeapBallast.fillHalfTheHeap());
        long heapMb = Runtime.getRuntime().maxMemory() >> 20;
        report(new WorkerReport.Ready(heapMb, statusKb("VmRSS"), statusKb("VmPTE"), openFdCount()));

        for (BenchMechanism m : mechanisms) {
            Optional<String> unavailable = m.isJdk() ? Optional.empty() : m.vfork4j().unavailableReason();
            if (unavailable.isPresent()) {
                report(new WorkerReport.Skipped(m, unavailable.get()));
                continue;
            }
            report(timings(m, spawns, warmup, maxNanos));
        }
    }

    private WorkerReport.Result timings(BenchMechanism m, int spawns, int warmup, long maxNanos)
        throws IOException, InterruptedException {
        Spawn spawn = spawner(m);
        // Warm-up is bounded in time too, a fifth of the timed part's: 20 forks of an 8 GB heap take seconds.
        long warmupStart = System.nanoTime();
        for (int i = 0; i < warmup && (i == 0 || System.nanoTime() - warmupStart < maxNanos / 5); i++) {
            spawn.andWait();
        }
        long[] samples = new long[spawns];
        int n = 0;
        long start = System.nanoTime();
        long lastReport = start;
        while (n < spawns) {
            long t0 = System.nanoTime();
            spawn.andWait();
            long t1 = System.nanoTime();
            samples[n++] = t1 - t0;
            if (t1 - start > maxNanos && n >= Math.min(MIN_SPAWNS, spawns)) {
                break;
            }
            if (t1 - lastReport > PROGRESS_EVERY_NS) {
                lastReport = t1;
                long byCount = 1000L * n / spawns;
                long byTime = 1000L * (t1 - start) / Math.max(1, maxNanos);
                report(new WorkerReport.Progress(m, (int) Math.min(999, Math.max(byCount, byTime))));
            }
        }
        long[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        long sum = 0;
        for (long s : sorted) {
            sum += s;
        }
        return new WorkerReport.Result(m, n, Math.round((double) sum / n), percentile(sorted, 50), percentile(sorted, 99));
    }

    /** The nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
    static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    @FunctionalInterface
    private interface Spawn {
        void andWait() throws IOException, InterruptedException;
    }

    private static Spawn spawner(BenchMechanism m) {
        if (m.isJdk()) {
            ProcessBuilder pb = new ProcessBuilder(TRUE).inheritIO();
            return () -> check(pb.start().waitFor(), m);
        }
        Command command = Command.of(TRUE).mechanism(m.vfork4j())
            .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
        return () -> check(command.start().waitFor(), m);
    }

    private static void check(int exitValue, BenchMechanism m) {
        if (exitValue != 0) {
            throw new IllegalStateException(TRUE + " exited with " + exitValue + " under " + m);
        }
    }

    private void report(WorkerReport r) {
        out.println(r.format());
        out.flush();
    }

    private static long openFdCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the listing's own fd
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code kB} field of /proc/self/status, or -1 when the kernel has none of that name. */
    private static long statusKb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
            }
        }
        return -1;
    }
}
