package dev.vfork4j.bench;

import java.io.IOException;
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
 * <p>System properties of the fork: those of {@link CLoopInFork} (the binary, the spawns per
 * measured iteration, the samples file) and {@code vfork4j.bench.cWay}, the C loop's way
 * (default {@code vfork}). {@code bench/run.sh vfork-vs-c} sets them with {@code -jvmArgs}.
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
        private CLoopInFork loop;

        @Setup
        public void setUp() {
            loop = CLoopInFork.of(System.getProperty("vfork4j.bench.cWay", "vfork"), List.of());
            System.out.println(ParentProcess.describe());
        }

        @Setup(Level.Iteration)
        public void runBeforeMeasuredIteration(IterationParams iteration) throws IOException, InterruptedException {
            if (iteration.getType() == IterationType.MEASUREMENT) {
                loop.run();
            }
        }
    }

    /** vfork4j, stdio inherited; the C loop runs before each measured iteration. */
    @Benchmark
    public int vfork4jInherit(TrueInherited spawn, CLoop c) throws IOException, InterruptedException {
        return spawn.spawnAndWait();
    }
}
