package dev.vfork4j.bench.startup;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The startup benchmark (issue 13): what a fresh JVM pays for its first child, for the bare
 * FFM floor ({@link FfmFloor}), vfork4j ({@link Vfork4jFirst}: VFORK, POSIX_SPAWN, and the
 * default, which includes {@code Mechanism.best()}) and the JDK ({@link JdkFirst}), each
 * without and with a JDK AOT cache trained by one run of that same program.
 *
 * <p>This JVM only starts and times the others; it is not what is measured. Each round starts
 * one fresh JVM per variant, in an order that rotates from round to round, so that a slow
 * phase of the machine falls on every variant alike rather than on whichever ran then. Per
 * variant it reports the median and the range (min-max) of
 * <ul>
 *   <li><b>main → child exited</b>: from the first statement of main to the return of the
 *       wait, read by the measured JVM itself;</li>
 *   <li><b>launch → child exited</b>: from just before this JVM's {@code ProcessBuilder.start()}
 *       of the measured JVM to the same end. Both sides read System.nanoTime, which on Linux is
 *       CLOCK_MONOTONIC, one clock for the whole machine; it includes JVM creation, and the
 *       JDK's jspawnhelper exec, the same for every variant;</li>
 *   <li><b>JVM wall</b>: from the same start to {@code waitFor()} returning here, so the
 *       measured JVM's exit too (<b>of which exit</b>: the part after the child exited);</li>
 *   <li><b>JVM CPU</b>: the user + system time of all the measured JVM's threads and its child,
 *       from {@code getrusage(RUSAGE_CHILDREN)} here before and after: less disturbed by other
 *       load on the machine than the wall times;</li>
 * </ul>
 * and, from one more run of each variant with {@code -Xlog:class+load}, the classes loaded and
 * how many of them came from somewhere other than the CDS archive or AOT cache.
 *
 * <p>A run whose JVM exits non-zero, prints no result line, writes anything to stderr, or
 * outlives the timeout is not counted and is listed below the table. With a cache, the JVM
 * runs with {@code -XX:AOTMode=on}, so that a cache the JVM cannot use fails the run instead
 * of being silently ignored.
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED -cp startup.jar dev.vfork4j.bench.startup.StartupBenchmark
 *     --startup-jar startup.jar --core-jar vfork4j.jar --out DIR [--runs N] [--timeout SECONDS]
 *     [--java JAVA] [--label TEXT]}</pre>
 *
 * The measured JVMs run on the class path (only jars: an AOT cache needs them), with
 * {@code --enable-native-access=ALL-UNNAMED} and no other flag. The table goes to stdout and to
 * {@code DIR/startup.md}, every run to {@code DIR/startup-runs.csv}, the caches and logs to
 * {@code DIR/startup/}. {@code bench/run-startup.sh} builds the jars and passes these.
 */
public final class StartupBenchmark {
    private StartupBenchmark() {}

    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /** One program: the floor, vfork4j with a mechanism, or the JDK. */
    record Program(String id, String label, String mainClass, List<String> args, boolean needsCore) {}

    /** A program, run with or without its AOT cache. */
    record Variant(Program program, boolean aot) {
        String id() {
            return program.id() + (aot ? "-aot" : "");
        }
    }

    /**
     * One measured JVM: the three spans in nanoseconds, and the steps the program timed itself
     * (name to nanoseconds since the step before; empty for most programs).
     */
    record Sample(long mainToExited, long launchToExited, long wall, long cpu, Map<String, Long> phases) {}

    static final List<Program> PROGRAMS = List.of(
        new Program("floor", "bare FFM floor (posix_spawn + waitpid)", FfmFloor.class.getName(), List.of(), false),
        new Program("vfork", "vfork4j VFORK", Vfork4jFirst.class.getName(), List.of("VFORK"), true),
        new Program("posix-spawn", "vfork4j POSIX_SPAWN", Vfork4jFirst.class.getName(), List.of("POSIX_SPAWN"), true),
        new Program("default", "vfork4j default (with Mechanism.best())", Vfork4jFirst.class.getName(),
            List.of("default"), true),
        new Program("jdk", "JDK ProcessBuilder", JdkFirst.class.getName(), List.of(), false));

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int runs = Integer.parseInt(options.getOrDefault("--runs", "7"));
        long timeoutSeconds = Long.parseLong(options.getOrDefault("--timeout", "60"));
        Path startupJar = Path.of(required(options, "--startup-jar")).toAbsolutePath();
        Path coreJar = Path.of(required(options, "--core-jar")).toAbsolutePath();
        Path out = Path.of(required(options, "--out")).toAbsolutePath();
        String java = options.getOrDefault("--java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1, got " + runs);
        }
        Path work = out.resolve("startup");
        Files.createDirectories(work);
        StartupBenchmark.Runner runner = new Runner(java, startupJar, coreJar, work, timeoutSeconds);

        String loadBefore = loadAverage();
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        // Train every cache first: one run of the program itself, as a user would train theirs.
        Map<Program, String> untrained = new LinkedHashMap<>();
        for (Program p : PROGRAMS) {
            System.err.printf("training the AOT cache of %s%n", p.label());
            runner.train(p).ifPresent(why -> untrained.put(p, why));
        }
        List<Variant> variants = new ArrayList<>();
        for (Program p : PROGRAMS) {
            variants.add(new Variant(p, false));
        }
        for (Program p : PROGRAMS) {
            if (!untrained.containsKey(p)) {
                variants.add(new Variant(p, true));
            }
        }

        Map<Variant, List<Sample>> samples = new LinkedHashMap<>();
        Map<Variant, List<String>> failures = new LinkedHashMap<>();
        for (Variant v : variants) {
            samples.put(v, new ArrayList<>());
            failures.put(v, new ArrayList<>());
        }
        List<String> csv = new ArrayList<>(List.of("round,variant,main_to_exited_ns,launch_to_exited_ns,wall_ns,failure"));
        for (int round = 0; round < runs; round++) {
            System.err.printf("round %d of %d%n", round + 1, runs);
            for (int k = 0; k < variants.size(); k++) {
                // Rotate the starting variant each round: no variant always runs first or last.
                Variant v = variants.get((k + round) % variants.size());
                Runner.Outcome o = runner.measure(v);
                if (o.sample() != null) {
                    samples.get(v).add(o.sample());
                    csv.add(round + "," + v.id() + "," + o.sample().mainToExited() + "," + o.sample().launchToExited()
                        + "," + o.sample().wall() + ",");
                } else {
                    failures.get(v).add(o.failure());
                    csv.add(round + "," + v.id() + ",,,," + o.failure().replace(',', ';'));
                }
            }
        }

        Map<Variant, Optional<ClassCount>> classes = new LinkedHashMap<>();
        for (Variant v : variants) {
            classes.put(v, runner.countClasses(v));
        }
        String loadAfter = loadAverage();

        String report = report(options.getOrDefault("--label", ""), runs, java, started, loadBefore, loadAfter,
            variants, samples, failures, classes, untrained);
        System.out.print(report);
        Files.writeString(out.resolve("startup.md"), report, UTF_8);
        Files.write(out.resolve("startup-runs.csv"), csv, UTF_8);
        System.err.printf("wrote %s and %s%n", out.resolve("startup.md"), out.resolve("startup-runs.csv"));
    }

    /** Classes loaded by one run: in all, and from somewhere else than the CDS archive or AOT cache. */
    record ClassCount(int total, int notShared) {}

    /** Starts, times and checks the measured JVMs. */
    static final class Runner {
        private final String java;
        private final Path startupJar;
        private final Path coreJar;
        private final Path work;
        private final long timeoutSeconds;

        Runner(String java, Path startupJar, Path coreJar, Path work, long timeoutSeconds) {
            this.java = java;
            this.startupJar = startupJar;
            this.coreJar = coreJar;
            this.work = work;
            this.timeoutSeconds = timeoutSeconds;
        }

        /** How one measured JVM went: a sample, or why there is none. */
        record Outcome(Sample sample, String failure) {}

        Path cache(Program p) {
            return work.resolve(p.id() + ".aot");
        }

        private List<String> command(Program p, List<String> vmFlags) {
            List<String> c = new ArrayList<>();
            c.add(java);
            c.add(NATIVE_ACCESS);
            c.addAll(vmFlags);
            c.add("-cp");
            c.add(p.needsCore() ? startupJar + File.pathSeparator + coreJar : startupJar.toString());
            c.add(p.mainClass());
            c.addAll(p.args());
            return c;
        }

        /** Trains {@code p}'s cache anew with one run of it; empty when that worked, else why not. */
        Optional<String> train(Program p) throws IOException, InterruptedException {
            Path cache = cache(p);
            Files.deleteIfExists(cache);
            // JDK 25 (JEP 514): one run with -XX:AOTCacheOutput records the training run and
            // then assembles the cache in a JVM of its own.
            Finished f = run(command(p, List.of("-XX:AOTCacheOutput=" + cache)), "train-" + p.id());
            if (f.timedOut()) {
                return Optional.of("training timed out after " + timeoutSeconds + " s");
            }
            if (f.code() != 0 || !Files.isRegularFile(cache)) {
                return Optional.of("training exited " + f.code() + ", no cache: " + firstLine(f.err(), f.out()));
            }
            return Optional.empty();
        }

        Outcome measure(Variant v) throws IOException, InterruptedException {
            List<String> flags = v.aot()
                ? List.of("-XX:AOTCache=" + cache(v.program()), "-XX:AOTMode=on")
                : List.of();
            Finished f = run(command(v.program(), flags), "run-" + v.id());
            if (f.timedOut()) {
                return new Outcome(null, "timed out after " + timeoutSeconds + " s");
            }
            if (f.code() != 0) {
                return new Outcome(null, "exit " + f.code() + ": " + firstLine(f.err(), f.out()));
            }
            if (!f.err().isEmpty()) {
                return new Outcome(null, "stderr: " + firstLine(f.err(), ""));
            }
            Optional<String> line = f.out().lines().filter(l -> l.startsWith(StartupLine.PREFIX)).findFirst();
            if (line.isEmpty()) {
                return new Outcome(null, "no result line in stdout: " + firstLine(f.out(), ""));
            }
            String[] fields = line.get().substring(StartupLine.PREFIX.length()).trim().split(" ");
            long mainEntry = Long.parseLong(fields[0]);
            long childExited = Long.parseLong(fields[1]);
            if (mainEntry < f.launched() || childExited < mainEntry || childExited > f.ended()) {
                return new Outcome(null, "instants out of order (is System.nanoTime not CLOCK_MONOTONIC here?)");
            }
            Map<String, Long> phases = new LinkedHashMap<>();
            long previous = mainEntry;
            for (String l : (Iterable<String>) f.out().lines().filter(l -> l.startsWith(StartupLine.PHASE))::iterator) {
                String[] p = l.substring(StartupLine.PHASE.length()).split(" ", 2);
                long instant = Long.parseLong(p[0]);
                phases.put(p[1], instant - previous);
                previous = instant;
            }
            return new Outcome(new Sample(childExited - mainEntry, childExited - f.launched(), f.ended() - f.launched(),
                f.cpu(), phases), null);
        }

        /** One more run with -Xlog:class+load, not timed. */
        Optional<ClassCount> countClasses(Variant v) throws IOException, InterruptedException {
            Path log = work.resolve("classes-" + v.id() + ".log");
            Files.deleteIfExists(log);
            List<String> flags = new ArrayList<>();
            if (v.aot()) {
                flags.addAll(List.of("-XX:AOTCache=" + cache(v.program()), "-XX:AOTMode=on"));
            }
            flags.add("-Xlog:class+load=info:file=" + log);
            Finished f = run(command(v.program(), flags), "classes-" + v.id());
            if (f.timedOut() || f.code() != 0 || !Files.isRegularFile(log)) {
                return Optional.empty();
            }
            int total = 0;
            int notShared = 0;
            try (Stream<String> lines = Files.lines(log)) {
                for (String l : (Iterable<String>) lines::iterator) {
                    if (!l.contains(" source: ")) {
                        continue;
                    }
                    total++;
                    if (!l.contains("source: shared objects file")) {
                        notShared++;
                    }
                }
            }
            return Optional.of(new ClassCount(total, notShared));
        }

        /** How a JVM ended; {@code cpu}: the user + system time it and its children used, in ns. */
        record Finished(int code, boolean timedOut, long launched, long ended, long cpu, String out, String err) {}

        private Finished run(List<String> command, String name) throws IOException, InterruptedException {
            Path out = work.resolve(name + ".out");
            Path err = work.resolve(name + ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
            long cpuBefore = ChildrenCpu.nanos();
            long launched = System.nanoTime();
            Process p = pb.start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            long ended = System.nanoTime();
            if (!done) {
                p.destroyForcibly();
                p.waitFor();
            }
            // One JVM at a time, reaped by waitFor: the growth of this JVM's children's usage is its.
            long cpu = ChildrenCpu.nanos() - cpuBefore;
            return new Finished(done ? p.exitValue() : -1, !done, launched, ended, cpu,
                Files.readString(out, UTF_8), Files.readString(err, UTF_8));
        }
    }

    // ---- the report ----

    static String report(String label, int runs, String java, Instant started, String loadBefore, String loadAfter,
                         List<Variant> variants, Map<Variant, List<Sample>> samples,
                         Map<Variant, List<String>> failures, Map<Variant, Optional<ClassCount>> classes,
                         Map<Program, String> untrained) {
        StringBuilder r = new StringBuilder();
        r.append("First child in a fresh JVM: /bin/true, spawn + wait, stdio inherited. ").append(runs)
            .append(" JVMs per variant, interleaved; median [min-max] in ms.\n\n");
        r.append("| variant | AOT cache | main → child exited | ÷ floor | launch → child exited | JVM wall | of which exit | JVM CPU"
            + " | classes loaded (not from CDS/AOT) |\n");
        r.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Variant v : variants) {
            List<Sample> s = samples.get(v);
            Variant floor = new Variant(PROGRAMS.get(0), v.aot());
            List<Sample> f = samples.getOrDefault(floor, List.of());
            String ratio = s.isEmpty() || f.isEmpty() ? "-"
                : String.format(Locale.ROOT, "%.2f", median(s, Sample::mainToExited) / median(f, Sample::mainToExited));
            String counted = classes.get(v).map(c -> c.total() + " (" + c.notShared() + ")").orElse("-");
            r.append("| ").append(v.program().label()).append(" | ").append(v.aot() ? "yes" : "no")
                .append(" | ").append(span(s, Sample::mainToExited))
                .append(" | ").append(ratio)
                .append(" | ").append(span(s, Sample::launchToExited))
                .append(" | ").append(span(s, Sample::wall))
                .append(" | ").append(s.isEmpty() ? "-" : ms(median(s, x -> x.wall() - x.launchToExited())))
                .append(" | ").append(span(s, Sample::cpu))
                .append(" | ").append(counted).append(" |\n");
        }
        r.append('\n');
        for (Program p : PROGRAMS) {
            List<Sample> without = samples.getOrDefault(new Variant(p, false), List.of());
            List<Sample> with = samples.getOrDefault(new Variant(p, true), List.of());
            if (without.isEmpty() || without.get(0).phases().isEmpty()) {
                continue;
            }
            r.append("Where the time of ").append(p.label()).append(" goes, main → child exited (median ms):\n\n");
            r.append("| step | no cache | AOT cache |\n|---|---:|---:|\n");
            for (String step : without.get(0).phases().keySet()) {
                r.append("| ").append(step).append(" | ").append(phaseMedian(without, step))
                    .append(" | ").append(phaseMedian(with, step)).append(" |\n");
            }
            r.append('\n');
        }
        boolean anyFailure = false;
        for (Variant v : variants) {
            List<String> fs = failures.get(v);
            if (!fs.isEmpty()) {
                anyFailure = true;
                r.append("- ").append(v.id()).append(": ").append(fs.size()).append(" of ").append(runs)
                    .append(" runs not counted, first: ").append(fs.get(0)).append('\n');
            }
        }
        untrained.forEach((p, why) -> r.append("- ").append(p.id()).append(": no AOT cache, ").append(why).append('\n'));
        if (anyFailure || !untrained.isEmpty()) {
            r.append('\n');
        }
        r.append("Conditions: ").append(started).append(", Linux ").append(System.getProperty("os.version"))
            .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, load ")
            .append(loadBefore).append(" before, ").append(loadAfter).append(" after; ")
            .append(javaVersion(java)).append("; measured JVMs: class path, ").append(NATIVE_ACCESS)
            .append(", default heap and GC").append(label.isEmpty() ? "" : "; " + label).append(".\n");
        r.append("main → child exited is read inside the measured JVM; launch → child exited and JVM wall start just ")
            .append("before the runner's ProcessBuilder.start() (System.nanoTime = CLOCK_MONOTONIC on both sides); ")
            .append("of which exit: JVM wall − launch → child exited, the median of each run's difference. ")
            .append("JVM CPU: user + system time of the JVM's threads (and of its child), from getrusage(RUSAGE_CHILDREN) ")
            .append("in the runner, less sensitive to other load than wall times. ")
            .append("AOT cache: trained by one run of the same program (-XX:AOTCacheOutput), used with -XX:AOTCache ")
            .append("and -XX:AOTMode=on. ÷ floor: median over the floor's median, same cache column.\n");
        return r.toString();
    }

    private static String phaseMedian(List<Sample> s, String step) {
        List<Sample> having = s.stream().filter(x -> x.phases().containsKey(step)).toList();
        return having.isEmpty() ? "-" : ms(median(having, x -> x.phases().get(step)));
    }

    private static double median(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        long[] v = s.stream().mapToLong(f).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    private static String span(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        if (s.isEmpty()) {
            return "-";
        }
        long[] v = s.stream().mapToLong(f).sorted().toArray();
        return String.format(Locale.ROOT, "%s [%s-%s]", ms(median(s, f)), ms(v[0]), ms(v[v.length - 1]));
    }

    private static String ms(double nanos) {
        double ms = nanos / 1e6;
        return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.1f", ms);
    }

    private static String firstLine(String text, String otherwise) {
        String t = text.isBlank() ? otherwise : text;
        return t.lines().filter(l -> !l.isBlank()).findFirst().orElse("(nothing printed)");
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
    }

    private static String javaVersion(String java) {
        try {
            Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            // Line 2: "OpenJDK Runtime Environment Temurin-25.0.3+9 (build 25.0.3+9-LTS)"
            return text.lines().skip(1).findFirst().orElse(text.strip());
        } catch (IOException e) {
            return "java -version failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "java -version interrupted";
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --option value pairs, got " + Arrays.toString(args));
            }
            o.put(args[i], args[++i]);
        }
        return o;
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return v;
    }
}
