package dev.vfork4j.cli.lab;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import dev.vfork4j.ballast.HeapBallast;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.spawn.LabPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A disposable JVM of a given (pre-touched) heap size, for the experiments on the parent's size:
 * {@code ParentSizeProbe <samples> <commit-charge: true|false> <program>}.
 *
 * <p>{@link ParentSizeExperiments} starts it with {@link HeapBallast#jvmFlags}, as {@code bench}
 * starts its workers, but it fills no ballast: what the experiments weigh is the memory a clone
 * has to copy or charge (resident pages and their page tables, private writable mappings), which
 * the pre-touched heap already has; a live set would add only collection work.
 *
 * <p>It reports its own size (VmRSS, its page tables VmPTE, and its private writable mappings)
 * and, when {@code samples > 0}, how long {@code start()} holds the calling thread for
 * {@code program} under VFORK, POSIX_SPAWN and FORK, the three interleaved so drift touches all
 * alike (median and minimum, in microseconds). With commit-charge it reports how much
 * {@code Committed_AS} rose while a FORK child, and then a VFORK child, waited before its exec.
 */
public final class ParentSizeProbe {
    private ParentSizeProbe() {}

    static final List<Mechanism> MECHANISMS = List.of(Mechanism.VFORK, Mechanism.POSIX_SPAWN, Mechanism.FORK);
    private static final int WARM_UP = 10, COMMIT_TRIALS = 3;

    public static void main(String[] args) throws Exception {
        int samples = Integer.parseInt(args[0]);
        boolean commitCharge = Boolean.parseBoolean(args[1]);
        String program = args[2];
        ProbeReport report = new ProbeReport(System.out);
        report.put("heapMb", Runtime.getRuntime().maxMemory() >> 20);
        report.put("rssKb", status("VmRSS"));
        report.put("pageTablesKb", status("VmPTE"));
        report.put("privateWritableKb", privateWritableKb());

        if (samples > 0) {
            // A mechanism that cannot spawn here (FORK under strict overcommit, say) is reported
            // and left out; the others, and the commit charge, are still measured.
            Map<Mechanism, long[]> nanos = new EnumMap<>(Mechanism.class);
            for (Mechanism m : MECHANISMS) {
                try {
                    for (int i = 0; i < WARM_UP; i++) {
                        spawn(m, program);
                    }
                    nanos.put(m, new long[samples]);
                } catch (IOException | RuntimeException e) {
                    report.put(m + ".error", e.getMessage());
                }
            }
            for (int i = 0; i < samples; i++) {
                for (Mechanism m : nanos.keySet()) {
                    nanos.get(m)[i] = spawn(m, program);
                }
            }
            for (Map.Entry<Mechanism, long[]> e : nanos.entrySet()) {
                long[] n = e.getValue();
                Arrays.sort(n);
                report.put(e.getKey() + ".medianUs", us(n[n.length / 2]));
                report.put(e.getKey() + ".minUs", us(n[0]));
            }
        }
        if (commitCharge) {
            report.put("overcommitMemory", Files.readString(Path.of("/proc/sys/vm/overcommit_memory")).trim());
            for (LabPlan.Clone clone : List.of(LabPlan.Clone.FORK, LabPlan.Clone.VFORK)) {
                commitCharge(clone, report);
            }
        }
    }

    /** How long start() held this thread, in ns; the child is then waited for. */
    private static long spawn(Mechanism m, String program) throws IOException, InterruptedException {
        Command c = Command.of(program).mechanism(m)
            .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
        long t0 = System.nanoTime();
        var child = c.start();
        long t = System.nanoTime() - t0;
        if (child.waitFor() != 0) {
            throw new IllegalStateException(program + " exited " + child.exitValue() + " under " + m);
        }
        return t;
    }

    /**
     * How much Committed_AS rose while a child made with {@code clone} slept before it would exec
     * (the spawning thread held meanwhile, on another thread): read just before the clone and
     * 150 ms into the child's 300 ms sleep. The machine's other processes move Committed_AS too,
     * so this is done {@value #COMMIT_TRIALS} times and the median reported, in kB, or the clone3
     * error.
     */
    private static void commitCharge(LabPlan.Clone clone, ProbeReport report) throws Exception {
        String key = clone.name().toLowerCase(Locale.ROOT);
        List<Long> rises = new ArrayList<>();
        for (int trial = 0; trial < COMMIT_TRIALS; trial++) {
            long before = committedAsKb();
            CompletableFuture<String> spawner = CompletableFuture.supplyAsync(() -> {
                try (LabPlan plan = new LabPlan()) {
                    plan.sleep(Duration.ofMillis(300)).exit(0).start(clone);
                    plan.waitFor();
                    return null;
                } catch (ErrnoException e) {
                    return e.errnoName();
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(150);
            long during = committedAsKb();
            String error = spawner.get();
            if (error != null) {
                report.put(key + ".cloneError", error);
                return;
            }
            rises.add(during - before);
        }
        rises.sort(null);
        report.put(key + ".commitRiseKb", rises.get(rises.size() / 2));
    }

    private static long committedAsKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("Committed_AS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no Committed_AS in /proc/meminfo");
    }

    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** The private writable mappings (what fork must account for): /proc/self/maps lines "rw?p". */
    static long privateWritableKb() throws IOException {
        long bytes = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] f = line.split(" ", 3);
            if (f[1].charAt(1) == 'w' && f[1].charAt(3) == 'p') {
                String[] range = f[0].split("-");
                bytes += Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
            }
        }
        return bytes >> 10;
    }

    private static String us(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
    }
}
