package dev.vfork4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the suites behind the figures of {@code docs/benchmarks.md} and prints each figure as
 * Markdown tables: the distribution of every benchmark (median, mean, p90, p99 of all its
 * SampleTime samples) and the ratios the figure is about, each against its target.
 *
 * <pre>{@code java -cp vfork4j-benchmarks.jar dev.vfork4j.bench.Suites SUITE --c-loop PATH --out DIR [--rounds N]}</pre>
 *
 * SUITE is {@code vfork-vs-c}, {@code heap}, {@code fds}, {@code wait}, {@code all} (the four)
 * or {@code quick} (the four, one short round each: for checking that everything runs, not
 * for figures). {@code bench/run.sh SUITE} builds what is needed and calls this.
 *
 * <p>Why rounds: on a noisy host the speed drifts over minutes, and JMH runs every fork of one
 * benchmark before the next, so two benchmarks it compares may run in different weather. Here
 * each round runs every benchmark of the suite in one fork of its own, in the opposite order
 * to the round before, and the samples of all rounds are merged: each side of a ratio has
 * been measured in every stretch of the run. The medians of the single forks are printed too,
 * to show how far the weather moved.
 */
public final class Suites {
    private Suites() {}

    /**
     * A JMH benchmark at one set of parameters; {@code cSamples} labels the C loop it runs
     * inside, if any, and {@code cShare} scales that loop's spawns per measured iteration
     * (below 1 for a child that runs long, so that the C loop takes about as long per
     * iteration as for {@code /bin/true}).
     */
    record Bench(String label, String method, Map<String, String> params, String cSamples, double cShare) {
        Bench(String label, String method, Map<String, String> params, String cSamples) {
            this(label, method, params, cSamples, 1);
        }

        Bench(String label, String method, Map<String, String> params) {
            this(label, method, params, null);
        }

        /** The C loop's spawns per measured iteration, at least one. */
        int cSpawns(Timing timing) {
            return Math.max(1, (int) Math.round(timing.cIterations() * cShare));
        }
    }

    /** A run of the C loop from this JVM, between the JMH forks of a round. */
    record CLoopRun(String label, String way, int fds) {}

    /** {@code numerator / denominator}: at most {@code atMost} when that is a target, else shown with {@code note}. */
    record Ratio(String numerator, String denominator, Double atMost, String note) {}

    record Suite(String name, String title, int rounds, List<Bench> benches, List<CLoopRun> cLoops, List<Ratio> ratios) {
        /** Every ratio names rows of this suite: a typo fails here, not after minutes of measuring. */
        Suite {
            List<String> labels = labels(benches, cLoops);
            for (Ratio r : ratios) {
                for (String side : List.of(r.numerator(), r.denominator())) {
                    if (!labels.contains(side)) {
                        throw new IllegalArgumentException("suite " + name + ": the ratio " + r.numerator() + " / "
                            + r.denominator() + " names no row of the suite: " + side);
                    }
                }
            }
            if (labels.size() != Set.copyOf(labels).size()) {
                throw new IllegalArgumentException("suite " + name + ": two rows have the same label: " + labels);
            }
        }

        /** The rows of the suite's table, in order: each benchmark, then the C loop inside it, then the C loops between forks. */
        List<String> labels() {
            return labels(benches, cLoops);
        }

        private static List<String> labels(List<Bench> benches, List<CLoopRun> cLoops) {
            List<String> labels = new ArrayList<>();
            for (Bench b : benches) {
                labels.add(b.label());
                if (b.cSamples() != null) {
                    labels.add(b.cSamples());
                }
            }
            cLoops.forEach(c -> labels.add(c.label()));
            return labels;
        }
    }

    /** Per JMH fork: warm-up and measured iterations; spawns per run of the C loop. */
    record Timing(int warmups, int warmupSeconds, int measurements, int measurementSeconds, int cIterations) {
        static final Timing FULL = new Timing(2, 1, 4, 2, 1000);
        static final Timing QUICK = new Timing(1, 1, 2, 1, 200);
    }

    private static final String C_VFORK = "C vfork + execve + waitpid";

    static Suite vforkVersusC(int rounds) {
        return new Suite("vfork-vs-c", "VFORK against the C loop and the JDK", rounds,
            List.of(
                new Bench("VFORK, stdio inherited", "VforkVersusCBenchmark.vfork4jInherit",
                    Map.of("mechanism", "VFORK"), C_VFORK),
                new Bench("JDK ProcessBuilder, inheritIO()", "SpawnBenchmark.jdkInheritIO", Map.of()),
                new Bench("VFORK, three pipes", "SpawnBenchmark.vfork4jPipes", Map.of("mechanism", "VFORK")),
                new Bench("JDK ProcessBuilder, three pipes", "SpawnBenchmark.jdkPipes", Map.of())),
            List.of(),
            List.of(
                new Ratio("VFORK, stdio inherited", C_VFORK, 1.10, null),
                new Ratio("VFORK, stdio inherited", "JDK ProcessBuilder, inheritIO()", 0.45, null),
                new Ratio("VFORK, three pipes", "JDK ProcessBuilder, three pipes", null, "")));
    }

    /** The child that runs 5 ms, as the wait suite's labels name it. */
    private static final String SLEEPER = "5 ms child";

    /**
     * Issue 13's item 4: a platform thread's spawn + wait, against C on the same child in the
     * same JMH forks, and the JDK beside each. (a) /bin/true and (b) the 5 ms child with stdio
     * inherited, against C's vfork + execve + waitpid; (c) both children through output(),
     * against C's posix_spawn with pipes, poll and read to end of file, then waitpid.
     */
    static Suite waitVersusC(int rounds) {
        List<Bench> benches = new ArrayList<>();
        List<Ratio> ratios = new ArrayList<>();
        for (String child : List.of("/bin/true", SLEEPER)) {
            String item = child.equals(SLEEPER) ? "(b)" : "(a)";
            Map<String, String> params = Map.of("mechanism", "VFORK", "child", child.equals(SLEEPER) ? "sleep_5ms" : "true");
            double cShare = child.equals(SLEEPER) ? 0.1 : 1;
            String vfork = item + " VFORK, " + child + ", inherited, waitFor()";
            String c = item + " C vfork + execve + waitpid, " + child;
            String jdk = item + " JDK inheritIO(), " + child;
            benches.add(new Bench(vfork, "WaitVersusCBenchmark.vfork4jWait", params, c, cShare));
            benches.add(new Bench(jdk, "WaitVersusCBenchmark.jdkWait", params));
            ratios.add(new Ratio(vfork, c, 1.05, null));
            ratios.add(new Ratio(vfork, jdk, null, ""));
        }
        for (String child : List.of("/bin/true", SLEEPER)) {
            Map<String, String> params = Map.of("mechanism", "VFORK", "child", child.equals(SLEEPER) ? "sleep_5ms" : "true");
            double cShare = child.equals(SLEEPER) ? 0.1 : 1;
            String vfork = "(c) VFORK output(), " + child;
            String c = "(c) C posix_spawn + 2 pipes + poll + waitpid, " + child;
            String jdk = "(c) JDK, 2 pipes read to EOF, " + child;
            benches.add(new Bench(vfork, "WaitVersusCBenchmark.vfork4jOutput", params, c, cShare));
            benches.add(new Bench(jdk, "WaitVersusCBenchmark.jdkOutput", params));
            ratios.add(new Ratio(vfork, c, 1.10, null));
            ratios.add(new Ratio(vfork, jdk, null, ""));
        }
        return new Suite("wait", "The wait: VFORK against C on the same child, and the JDK", rounds, benches, List.of(),
            ratios);
    }

    static Suite parentSize(int rounds) {
        List<Bench> benches = new ArrayList<>();
        List<Ratio> ratios = new ArrayList<>();
        for (String m : List.of("VFORK", "FORK", "POSIX_SPAWN")) {
            benches.add(new Bench(m + ", heap 256 MiB", "ParentSizeBenchmark.vfork4jHeap256m", Map.of("mechanism", m)));
            benches.add(new Bench(m + ", heap 8 GiB", "ParentSizeBenchmark.vfork4jHeap8g", Map.of("mechanism", m)));
            ratios.add(new Ratio(m + ", heap 8 GiB", m + ", heap 256 MiB", m.equals("VFORK") ? 1.10 : null,
                m.equals("FORK") ? "grows: copies the page tables" : "flat: shares the memory"));
        }
        benches.add(new Bench("JDK, heap 256 MiB", "ParentSizeBenchmark.jdkHeap256m", Map.of()));
        benches.add(new Bench("JDK, heap 8 GiB", "ParentSizeBenchmark.jdkHeap8g", Map.of()));
        ratios.add(new Ratio("JDK, heap 8 GiB", "JDK, heap 256 MiB", null, "flat: posix_spawn shares the memory"));
        ratios.add(new Ratio("FORK, heap 8 GiB", "VFORK, heap 8 GiB", null, "what VFORK saves at 8 GiB"));
        return new Suite("heap", "Flat in the parent's size", rounds, benches, List.of(), ratios);
    }

    static Suite openFds(int rounds) {
        List<Bench> benches = new ArrayList<>();
        List<CLoopRun> cLoops = new ArrayList<>();
        List<Ratio> ratios = new ArrayList<>();
        for (String m : List.of("VFORK", "POSIX_SPAWN", "FORK", "JDK")) {
            for (int fds : new int[] {10, 10_000}) {
                benches.add(m.equals("JDK")
                    ? new Bench("JDK inheritIO(), " + fds + " fds", "OpenFdsBenchmark.jdkInheritIO",
                        Map.of("openFds", Integer.toString(fds)))
                    : new Bench(m + ", " + fds + " fds", "OpenFdsBenchmark.vfork4jInherit",
                        Map.of("mechanism", m, "openFds", Integer.toString(fds))));
            }
            String name = m.equals("JDK") ? "JDK inheritIO()" : m;
            ratios.add(new Ratio(name + ", 10000 fds", name + ", 10 fds", m.equals("VFORK") ? 1.10 : null,
                m.equals("JDK") ? "grows: jspawnhelper closes each fd" : ""));
        }
        // Three pipes, as ProcessBuilder's default: their ends are above the open files, so
        // without the low slots the child's unshare would copy the whole table (issue 15 (d)).
        for (String m : List.of("VFORK", "JDK")) {
            String name = m.equals("JDK") ? "JDK pipes" : m + " pipes";
            for (int fds : new int[] {10, 10_000}) {
                benches.add(m.equals("JDK")
                    ? new Bench(name + ", " + fds + " fds", "OpenFdsBenchmark.jdkPipes", Map.of("openFds", Integer.toString(fds)))
                    : new Bench(name + ", " + fds + " fds", "OpenFdsBenchmark.vfork4jPipes",
                        Map.of("mechanism", m, "openFds", Integer.toString(fds))));
            }
            ratios.add(new Ratio(name + ", 10000 fds", name + ", 10 fds", m.equals("VFORK") ? 1.05 : null,
                m.equals("JDK") ? "grows: jspawnhelper closes each fd" : "the pipes lent low fd slots"));
        }
        for (String way : List.of("vfork", "vfork_close_range", "clone_files")) {
            for (int fds : new int[] {10, 10_000}) {
                cLoops.add(new CLoopRun("C " + way + ", " + fds + " fds", way, fds));
            }
            ratios.add(new Ratio("C " + way + ", 10000 fds", "C " + way + ", 10 fds", null, switch (way) {
                case "vfork" -> "kernel: fd table copied at clone, closed at exit";
                case "vfork_close_range" -> "what VFORK's child does today";
                default -> "CLONE_FILES + CLOSE_RANGE_UNSHARE: nothing copied";
            }));
        }
        return new Suite("fds", "Flat in the parent's open fds", rounds, benches, cLoops, ratios);
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String name = null;
        Path cLoop = null;
        Path out = null;
        Integer rounds = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--c-loop" -> cLoop = Path.of(args[++i]).toAbsolutePath();
                case "--out" -> out = Path.of(args[++i]).toAbsolutePath();
                case "--rounds" -> rounds = Integer.valueOf(args[++i]);
                default -> name = args[i];
            }
        }
        if (name == null || cLoop == null || out == null) {
            System.err.println("usage: Suites vfork-vs-c|heap|fds|wait|all|quick --c-loop PATH --out DIR [--rounds N]");
            System.exit(2);
        }
        Timing timing = name.equals("quick") ? Timing.QUICK : Timing.FULL;
        List<Suite> suites = switch (name) {
            case "vfork-vs-c" -> List.of(vforkVersusC(rounds != null ? rounds : 3));
            case "heap" -> List.of(parentSize(rounds != null ? rounds : 2));
            case "fds" -> List.of(openFds(rounds != null ? rounds : 2));
            case "wait" -> List.of(waitVersusC(rounds != null ? rounds : 3));
            case "all" -> List.of(vforkVersusC(rounds != null ? rounds : 3), parentSize(rounds != null ? rounds : 2),
                openFds(rounds != null ? rounds : 2), waitVersusC(rounds != null ? rounds : 3));
            case "quick" -> List.of(vforkVersusC(1), parentSize(1), openFds(1), waitVersusC(1));
            default -> throw new IllegalArgumentException("no suite named " + name
                + "; the suites are vfork-vs-c, heap, fds, wait, all, quick");
        };
        Files.createDirectories(out);
        StringBuilder report = new StringBuilder();
        for (Suite suite : suites) {
            String section = new SuiteRun(suite, timing, cLoop, out).run();
            report.append(section).append('\n');
            System.out.println();
            System.out.println(section);
        }
        Path reportFile = out.resolve("suite-" + name + ".md");
        Files.writeString(reportFile, report);
        System.out.println("(this report is also in " + reportFile + ")");
    }

    /** One suite being run: its rounds, the samples gathered so far, and the report. */
    private static final class SuiteRun {
        private final Suite suite;
        private final Timing timing;
        private final Path cLoop;
        private final Path out;
        private final Map<String, Samples> samples = new LinkedHashMap<>();
        private final List<String> failures = new ArrayList<>();
        private final Instant started = Instant.now();

        SuiteRun(Suite suite, Timing timing, Path cLoop, Path out) {
            this.suite = suite;
            this.timing = timing;
            this.cLoop = cLoop;
            this.out = out;
        }

        String run() throws IOException, InterruptedException {
            for (String label : suite.labels()) {
                samples.put(label, new Samples());
            }
            for (int round = 1; round <= suite.rounds(); round++) {
                List<Bench> benches = new ArrayList<>(suite.benches());
                List<CLoopRun> cLoops = new ArrayList<>(suite.cLoops());
                if (round % 2 == 0) {
                    Collections.reverse(benches);
                    Collections.reverse(cLoops);
                }
                for (Bench b : benches) {
                    System.out.printf("%n## %s, round %d of %d: %s%n", suite.name(), round, suite.rounds(), b.label());
                    runJmh(b, round);
                }
                for (CLoopRun c : cLoops) {
                    System.out.printf("%n## %s, round %d of %d: %s%n", suite.name(), round, suite.rounds(), c.label());
                    runCLoop(c, round);
                }
            }
            return report(suite, timing, samples, failures, started, Instant.now());
        }

        private void runJmh(Bench b, int round) throws IOException {
            List<String> jvmArgs = new ArrayList<>(List.of("-Dvfork4j.bench.cLoop=" + cLoop,
                "-Dvfork4j.bench.cIterations=" + b.cSpawns(timing)));
            Path cSamples = null;
            if (b.cSamples() != null) {
                cSamples = out.resolve(suite.name() + "-c-samples-round" + round + ".txt");
                Files.deleteIfExists(cSamples);
                jvmArgs.add("-Dvfork4j.bench.cSamples=" + cSamples);
            }
            // Setting jvmArgs keeps this JVM's own flags (its small heap) out of the fork; the
            // benchmarks' @Fork(jvmArgsAppend) still add theirs.
            ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote("dev.vfork4j.bench." + b.method()) + "$")
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .forks(1)
                .warmupIterations(timing.warmups())
                .warmupTime(TimeValue.seconds(timing.warmupSeconds()))
                .measurementIterations(timing.measurements())
                .measurementTime(TimeValue.seconds(timing.measurementSeconds()))
                .jvmArgs(jvmArgs.toArray(String[]::new))
                .shouldFailOnError(true);
            b.params().forEach(options::param);
            Collection<RunResult> results;
            try {
                results = new Runner(options.build()).run();
            } catch (RunnerException e) {
                failures.add(b.label() + ", round " + round + ": " + e.getMessage());
                System.out.println("FAILED: " + e.getMessage());
                return;
            }
            for (RunResult r : results) {
                Map<Double, Long> run = new TreeMap<>();
                Iterator<Map.Entry<Double, Long>> raw = r.getAggregatedResult().getPrimaryResult().getStatistics().getRawData();
                raw.forEachRemaining(e -> run.merge(e.getKey(), e.getValue(), Long::sum));
                samples.get(b.label()).addRun(run);
            }
            if (cSamples != null) {
                samples.get(b.cSamples()).addRun(readSamples(cSamples));
            }
        }

        private void runCLoop(CLoopRun c, int round) throws IOException, InterruptedException {
            Path file = out.resolve(suite.name() + "-c-samples-" + c.way() + "-" + c.fds() + "-round" + round + ".txt");
            Files.deleteIfExists(file);
            List<String> command = List.of(cLoop.toString(), Integer.toString(2 * timing.cIterations()), c.way(),
                "--fds", Integer.toString(c.fds()), "--samples", file.toString());
            System.out.println(String.join(" ", command));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            System.out.println(output);
            if (p.waitFor() != 0) {
                failures.add(c.label() + ", round " + round + ": " + output);
                return;
            }
            samples.get(c.label()).addRun(readSamples(file));
        }
    }

    /** The C loop's samples file: a time in µs on each line. No samples when the file is missing. */
    static Map<Double, Long> readSamples(Path file) throws IOException {
        Map<Double, Long> run = new TreeMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    run.merge(Double.valueOf(line), 1L, Long::sum);
                }
            }
        }
        return run;
    }

    /**
     * The suite's Markdown section: a line saying when and how it ran, the table of every
     * row's distribution (a row with no samples says "no result") and the table of ratios of
     * medians, each judged against its target where it has one; then the failed runs.
     */
    static String report(Suite suite, Timing timing, Map<String, Samples> samples, List<String> failures,
                         Instant started, Instant finished) {
        StringBuilder s = new StringBuilder();
        s.append("### ").append(suite.title()).append(" (suite ").append(suite.name()).append(")\n\n");
        String cLoop = !suite.cLoops().isEmpty()
            ? String.format(Locale.ROOT, " C loop: %d spawns per run, between the forks.", 2 * timing.cIterations())
            : cInsideText(suite, timing);
        s.append(String.format(Locale.ROOT,
            "%s to %s; %d round(s), each benchmark in one JMH fork per round: %d × %d s warm-up, %d × %d s measured, SampleTime.%s%n%n",
            started.truncatedTo(ChronoUnit.SECONDS), finished.truncatedTo(ChronoUnit.SECONDS), suite.rounds(),
            timing.warmups(), timing.warmupSeconds(), timing.measurements(), timing.measurementSeconds(), cLoop));
        s.append("| Benchmark | samples | median µs | mean µs | p90 µs | p99 µs | median of each run, µs |\n");
        s.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (String label : suite.labels()) {
            Samples d = samples.getOrDefault(label, new Samples());
            if (d.n == 0) {
                s.append("| ").append(label).append(" | 0 | — | — | — | — | no result |\n");
                continue;
            }
            s.append(String.format(Locale.ROOT, "| %s | %d | **%.1f** | %.1f | %.1f | %.1f | %s |%n", label, d.n,
                d.percentile(50), d.mean(), d.percentile(90), d.percentile(99),
                d.runMedians.stream().map(m -> String.format(Locale.ROOT, "%.1f", m)).collect(Collectors.joining(", "))));
        }
        s.append("\n| Ratio | median | mean | target | result |\n");
        s.append("|---|---:|---:|---:|---|\n");
        for (Ratio r : suite.ratios()) {
            Samples num = samples.getOrDefault(r.numerator(), new Samples());
            Samples den = samples.getOrDefault(r.denominator(), new Samples());
            if (num.n == 0 || den.n == 0) {
                s.append("| ").append(r.numerator()).append(" / ").append(r.denominator()).append(" | — | — | | no result |\n");
                continue;
            }
            double median = num.percentile(50) / den.percentile(50);
            double mean = num.mean() / den.mean();
            String target = r.atMost() == null ? "" : String.format(Locale.ROOT, "≤ %.2f", r.atMost());
            String result = r.atMost() == null ? r.note()
                : median <= r.atMost() ? "pass (median" + tieBreakingDecimals(median, r.atMost()) + ")"
                : "**FAIL** (median" + tieBreakingDecimals(median, r.atMost()) + ")";
            s.append(String.format(Locale.ROOT, "| %s / %s | **%.2f** | %.2f | %s | %s |%n",
                r.numerator(), r.denominator(), median, mean, target, result));
        }
        if (!failures.isEmpty()) {
            s.append("\nFailed runs:\n\n");
            failures.forEach(f -> s.append("- ").append(f).append('\n'));
        }
        return s.toString();
    }

    /** When the ratio, rounded to two decimals, reads as the target itself: three decimals, which tell pass from fail. */
    private static String tieBreakingDecimals(double ratio, double target) {
        String twoDecimals = String.format(Locale.ROOT, "%.2f", ratio);
        return twoDecimals.equals(String.format(Locale.ROOT, "%.2f", target))
            ? String.format(Locale.ROOT, "; %.3f", ratio) : "";
    }

    /** What the report says of the C loop run inside the forks: its spawns per measured iteration. */
    private static String cInsideText(Suite suite, Timing timing) {
        Map<Integer, List<String>> spawns = new TreeMap<>(Collections.reverseOrder());
        for (Bench b : suite.benches()) {
            if (b.cSamples() != null) {
                spawns.computeIfAbsent(b.cSpawns(timing), n -> new ArrayList<>()).add(b.cSamples());
            }
        }
        if (spawns.isEmpty()) {
            return "";
        }
        if (spawns.size() == 1) {
            return String.format(Locale.ROOT, " C loop: %d spawns before each measured iteration.", spawns.keySet().iterator().next());
        }
        return " C loop, before each measured iteration: " + spawns.entrySet().stream()
            .map(e -> e.getKey() + " spawns (" + String.join("; ", e.getValue()) + ")")
            .collect(Collectors.joining(", ")) + ".";
    }

    /**
     * A distribution of times in µs, merged from several runs. Percentiles are nearest-rank on
     * the merged samples (JMH's SampleTime keeps its samples in buckets a few percent wide at
     * most; the C loop's are exact to the nanosecond).
     */
    static final class Samples {
        private final TreeMap<Double, Long> counts = new TreeMap<>();
        final List<Double> runMedians = new ArrayList<>();
        long n;
        private double sum;

        void addRun(Map<Double, Long> run) {
            if (run.isEmpty()) {
                return;
            }
            Samples single = new Samples();
            run.forEach(single::add);
            runMedians.add(single.percentile(50));
            run.forEach(this::add);
        }

        private void add(double value, long count) {
            counts.merge(value, count, Long::sum);
            n += count;
            sum += value * count;
        }

        double mean() {
            return sum / n;
        }

        /** The smallest sample with at least {@code p} percent of the samples at or below it. */
        double percentile(double p) {
            long rank = Math.max(1, (long) Math.ceil(p / 100 * n));
            long seen = 0;
            for (Map.Entry<Double, Long> e : counts.entrySet()) {
                seen += e.getValue();
                if (seen >= rank) {
                    return e.getKey();
                }
            }
            throw new IllegalStateException("no samples");
        }
    }
}
