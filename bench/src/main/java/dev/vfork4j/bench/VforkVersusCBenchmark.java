package dev.vfork4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * vfork4j against the C loop, side by side: before each measured iteration of
 * {@link #vfork4jInherit}, untimed by JMH, this fork runs {@code vfork_loop N vfork} as a child,
 * which times its own N spawns + waits of {@code /bin/true} and appends them to a samples file.
 * The two alternate every couple of seconds on the same machine, in the same minutes, so the
 * drift of a noisy host falls on both; {@code Suites} merges the C samples of every fork and
 * sets them beside this benchmark's SampleTime distribution.
 *
 * <p>The C loop is not timed by JMH (its process start and its own warm-up would count):
 * each sample is one spawn + waitpid timed in C on CLOCK_MONOTONIC, as JMH times one
 * invocation here with System.nanoTime.
 *
 * <p>System properties of the fork: {@code vfork4j.bench.cLoop}, the binary (default
 * {@code bench/target/vfork_loop}, then {@code target/vfork_loop}); {@code vfork4j.bench.cWay}
 * (default {@code vfork}); {@code vfork4j.bench.cIterations}, spawns per measured iteration
 * (default 1000); {@code vfork4j.bench.cSamples}, the file to append the samples to (none by
 * default: the loop's summary line is printed either way). {@code bench/run.sh vfork-vs-c} sets
 * them with {@code -jvmArgs}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE})
public class VforkVersusCBenchmark {

    /** The C loop, run between measured iterations. */
    @State(Scope.Benchmark)
    public static class CLoop {
        private List<String> command;

        @Setup
        public void setUp() {
            Path binary = binary();
            command = new ArrayList<>(List.of(binary.toString(),
                Integer.getInteger("vfork4j.bench.cIterations", 1000).toString(),
                System.getProperty("vfork4j.bench.cWay", "vfork")));
            String samples = System.getProperty("vfork4j.bench.cSamples");
            if (samples != null) {
                command.addAll(List.of("--samples", samples));
            }
            System.out.println(ParentProcess.describe());
        }

        @Setup(Level.Iteration)
        public void runBeforeMeasuredIteration(IterationParams iteration) throws IOException, InterruptedException {
            if (iteration.getType() != IterationType.MEASUREMENT) {
                return;
            }
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int exit = p.waitFor();
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exit + ": " + out);
            }
            System.out.println("C loop: " + out);
        }

        private static Path binary() {
            String given = System.getProperty("vfork4j.bench.cLoop");
            List<Path> candidates = given != null ? List.of(Path.of(given))
                : List.of(Path.of("bench/target/vfork_loop"), Path.of("target/vfork_loop"));
            for (Path p : candidates) {
                if (Files.isExecutable(p)) {
                    return p.toAbsolutePath();
                }
            }
            throw new IllegalStateException("no C loop at " + candidates
                + ": build it with bench/run-c-baseline.sh, or pass -Dvfork4j.bench.cLoop=PATH");
        }
    }

    /** vfork4j, stdio inherited; the C loop runs before each measured iteration. */
    @Benchmark
    public int vfork4jInherit(TrueInherited spawn, CLoop c) throws IOException, InterruptedException {
        return spawn.spawnAndWait();
    }
}
