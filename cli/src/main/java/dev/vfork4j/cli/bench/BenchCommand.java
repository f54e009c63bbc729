package dev.vfork4j.cli.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.vfork4j.cli.Json;
import dev.vfork4j.cli.lab.Plural;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code vfork4j bench}: spawn + wait latency of {@code /bin/true} per mechanism, parent heap
 * size and open fd count, each (heap, fds) cell timed in disposable {@link BenchWorker} JVMs,
 * one at a time. Prints a Markdown table (or {@code --json}) and writes a CSV and a PNG chart.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
        "Times spawn + wait of /bin/true through vfork4j's VFORK, POSIX_SPAWN and FORK and through the JDK's "
            + "ProcessBuilder in each launch mode (JDK_POSIX_SPAWN, JDK_FORK, JDK_VFORK), from parent JVMs of "
            + "several heap sizes (-Xms = -Xmx, pre-touched, half of it live ballast) holding several numbers of "
            + "extra open fds. Each heap size, fd count and JDK launch mode is a JVM of its own, one at a time.",
        "Prints a Markdown table of mean, median (p50) and p99 in microseconds, and writes "
            + "spawn-latency.csv and spawn-latency.png (median against heap size) to the output directory. "
            + "A progress bar goes to stderr.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:a worker JVM failed, or there was not the memory for a heap size",
        "2:a usage error",
    })
public final class BenchCommand implements Callable<Integer> {

    static final int MIN_HEAP_MB = 64;
    static final int MAX_HEAP_MB = 8192;
    /** fds the worker JVM needs for itself (jars, the JIT, pipes, pidfds) below the open-files limit. */
    static final int FD_HEADROOM = 256;
    static final String CSV = "spawn-latency.csv";
    static final String PNG = "spawn-latency.png";
    static final String WORKER_LOG = "workers.log";

    /** The full run's defaults, and {@code --quick}'s. */
    private record Defaults(List<Integer> heapsMb, List<Integer> fds, int spawns, int warmup, double maxSeconds) {}

    private static final Defaults FULL = new Defaults(List.of(256, 1024, 2048, 4096, 8192), List.of(10, 10_000), 1000, 20, 3);
    private static final Defaults QUICK = new Defaults(List.of(256, 1024), List.of(10, 1000), 200, 10, 0.5);

    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "A run of under a minute: heaps 256m,1g; fds 10,1000; "
        + "200 spawns, 10 warm-up, at most 0.5 s per mechanism and cell. Other options still override.")
    private boolean quick;

    @Option(names = "--heaps", split = ",", paramLabel = "SIZE", converter = HeapSize.class,
        description = "Parent heap sizes, a number with m or g: 64m to 8g. Default: 256m,1g,2g,4g,8g.")
    private List<Integer> heapsMb;

    @Option(names = "--fds", split = ",", paramLabel = "N",
        description = "Extra open fds in the parent, from 0 to the open-files limit less " + FD_HEADROOM
            + ". Default: 10,10000.")
    private List<Integer> fds;

    @Option(names = "--mechanisms", split = ",", paramLabel = "MECHANISM", converter = MechanismName.class,
        description = "Any of VFORK, POSIX_SPAWN, FORK, JDK_POSIX_SPAWN, JDK_FORK, JDK_VFORK (case-insensitive). "
            + "Default: all, less those not available here.")
    private List<BenchMechanism> mechanisms;

    @Option(names = "--spawns", paramLabel = "N",
        description = "The most spawns timed per mechanism and cell, 1 to 100000. Default: 1000.")
    private Integer spawns;

    @Option(names = "--warmup", paramLabel = "N",
        description = "Untimed spawns per mechanism and cell before the timed ones, 0 to 10000. Default: 20.")
    private Integer warmup;

    @Option(names = "--max-seconds", paramLabel = "S",
        description = "Stops timing a mechanism in a cell after S seconds once it has "
            + BenchWorker.MIN_SPAWNS + " spawns (FORK of a large heap is slow), 0.05 to 600. Default: 3.")
    private Double maxSeconds;

    @Option(names = "--out", paramLabel = "DIR",
        description = "Where the CSV, the chart and the workers' log go. Default: target/vfork4j-bench.")
    private Path out = Path.of("target", "vfork4j-bench");

    @Option(names = "--json", description = "Prints {\"results\": [{mechanism, heapMb, openFds, meanUs, p50Us, "
        + "p99Us}], \"chart\": PNG path} instead of the table.")
    private boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchPlan plan = plan(err);
        Path dir = outputDirectory();
        Path log = dir.resolve(WORKER_LOG);
        Files.deleteIfExists(log);

        long started = System.nanoTime();
        List<SpawnLatency> rows;
        List<String> notes;
        // On a terminal the library draws on the process's stderr (fd 2) itself, which is the
        // err writer too unless a caller replaced it; only tests do, and they have no terminal.
        try (BenchProgress progress = BenchProgress.start(plan.steps(), Tty.isTerminal(2), err)) {
            BenchRun run = new BenchRun(plan, log, progress);
            rows = run.run();
            notes = run.notes();
        } catch (BenchRun.BenchFailure e) {
            err.println("vfork4j bench: " + e.getMessage());
            err.flush();
            return 1;
        }
        long seconds = Math.round((System.nanoTime() - started) / 1e9);
        notes.forEach(note -> err.println("vfork4j bench: " + note));
        if (rows.isEmpty()) {
            err.println("vfork4j bench: no mechanism could be timed here");
            err.flush();
            return 1;
        }

        Path csv = dir.resolve(CSV);
        Path png = dir.resolve(PNG);
        Files.writeString(csv, LatencyTable.csv(rows), UTF_8);
        System.setProperty("java.awt.headless", "true");
        LatencyChart.write(rows, png);

        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("results", rows.stream().sorted(SpawnLatency.TABLE_ORDER).map(SpawnLatency::toJson).toList());
            root.put("chart", png.toString());
            stdout.println(Json.write(root));
        } else {
            stdout.println("Spawn + wait of /bin/true, µs: at most " + Plural.count(plan.spawns(), "timed spawn")
                + " per row after " + plan.warmup() + " untimed, at most " + formatSeconds(plan.maxMillis())
                + " s per row; " + Plural.count(plan.jobs().size(), "worker JVM") + " in " + seconds + " s.");
            stdout.println();
            stdout.print(LatencyTable.markdown(rows));
            stdout.println();
            stdout.println("CSV: " + csv);
            stdout.println("Chart: " + png);
        }
        stdout.flush();
        err.println("vfork4j bench: " + Plural.count(rows.size(), "row") + " from "
            + Plural.count(plan.jobs().size(), "worker JVM") + " in "
            + seconds + " s; the workers' stderr is in " + log);
        err.flush();
        return 0;
    }

    /** The options, checked, over the defaults ({@code --quick}'s or the full run's). */
    private BenchPlan plan(PrintWriter err) {
        CommandLine cl = spec.commandLine();
        Defaults d = quick ? QUICK : FULL;
        int n = inRange("--spawns", spawns, d.spawns(), 1, 100_000);
        int w = inRange("--warmup", warmup, d.warmup(), 0, 10_000);
        double s = maxSeconds != null ? maxSeconds : d.maxSeconds();
        if (!(s >= 0.05 && s <= 600)) {
            throw new ParameterException(cl, "--max-seconds must be from 0.05 to 600, not " + s);
        }
        List<Integer> fdCounts = fds != null ? fds : d.fds();
        long limit = openFilesHardLimit();
        long most = limit - FD_HEADROOM;
        for (int f : fdCounts) {
            if (f < 0 || f > most) {
                throw new ParameterException(cl, "--fds " + f + " is out of range: from 0 to " + most
                    + " (the open-files limit " + limit + " less " + FD_HEADROOM + " for the JVM's own)");
            }
        }
        List<BenchMechanism> chosen;
        if (mechanisms != null) {
            for (BenchMechanism m : mechanisms) {
                Optional<String> why = unavailable(m);
                if (why.isPresent()) {
                    throw new ParameterException(cl, "mechanism " + m + " is not available here: " + why.get());
                }
            }
            chosen = mechanisms;
        } else {
            chosen = new ArrayList<>();
            for (BenchMechanism m : BenchMechanism.values()) {
                unavailable(m).ifPresentOrElse(
                    why -> err.println("vfork4j bench: skipping " + m + ", not available here: " + why),
                    () -> chosen.add(m));
            }
            if (chosen.isEmpty()) {
                throw new ParameterException(cl, "no mechanism is available here");
            }
        }
        return new BenchPlan(heapsMb != null ? heapsMb : d.heapsMb(), fdCounts, chosen, n, w, Math.round(s * 1000));
    }

    private static Optional<String> unavailable(BenchMechanism m) {
        return m.isJdk() ? Optional.empty() : m.vfork4j().unavailableReason();
    }

    private int inRange(String option, Integer given, int fallback, int min, int max) {
        int v = given != null ? given : fallback;
        if (v < min || v > max) {
            throw new ParameterException(spec.commandLine(), option + " must be from " + min + " to " + max + ", not " + v);
        }
        return v;
    }

    /**
     * Created now, so that a bad --out is a usage error before minutes of timing, not after.
     * Absolute, so that every path bench prints (CSV, chart, log) can be opened from anywhere.
     */
    private Path outputDirectory() {
        try {
            return Files.createDirectories(out).toAbsolutePath().normalize();
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " cannot be used as a directory: " + e);
        }
    }

    /** The hard limit on open files from /proc/self/limits: the JVM raises its soft limit to it. */
    static long openFilesHardLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).strip().split("\\s+");
                    return f[1].equals("unlimited") ? Integer.MAX_VALUE : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: assume the common default
        }
        return 4096;
    }

    private static String formatSeconds(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : String.format(Locale.ROOT, "%.2f", millis / 1000.0);
    }

    /** {@code 256m}, {@code 2g} (any case) → megabytes, 64m to 8g. */
    static final class HeapSize implements ITypeConverter<Integer> {
        private static final Pattern SIZE = Pattern.compile("(\\d{1,6})([mMgG])");

        @Override
        public Integer convert(String value) {
            Matcher m = SIZE.matcher(value.strip());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a heap size: use a number with m or g, "
                    + "such as 256m or 2g, from " + MIN_HEAP_MB + "m to " + MAX_HEAP_MB / 1024 + "g");
            }
            long mb = Long.parseLong(m.group(1)) * (m.group(2).equalsIgnoreCase("g") ? 1024 : 1);
            if (mb < MIN_HEAP_MB || mb > MAX_HEAP_MB) {
                throw new TypeConversionException("'" + value + "' is out of range: heap sizes go from "
                    + MIN_HEAP_MB + "m to " + MAX_HEAP_MB / 1024 + "g");
            }
            return (int) mb;
        }
    }

    /** A {@link BenchMechanism} name in any case, with the valid names in the error. */
    static final class MechanismName implements ITypeConverter<BenchMechanism> {
        @Override
        public BenchMechanism convert(String value) {
            try {
                return BenchMechanism.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
