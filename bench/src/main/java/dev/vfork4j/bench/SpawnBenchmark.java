package dev.vfork4j.bench;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one spawn + wait of {@code /bin/true}: vfork4j against the JDK's
 * ProcessBuilder, each with inherited stdio and with three pipes, so that both the mechanism
 * and the cost of the pipes show. All run in the same JMH run, each benchmark and parameter
 * value in forks of its own, so no benchmark sees another's children, threads or heap.
 *
 * <p>The vfork4j benchmarks take the mechanism as a parameter. A mechanism that is not
 * available in this build or on this kernel fails in setup with the library's reason, and
 * JMH goes on with the next one; {@code bench/run.sh} passes only the available ones.
 *
 * <p>The JDK launches through {@code jdk.lang.Process.launchMechanism}, POSIX_SPAWN by
 * default on Linux (posix_spawn of {@code lib/jspawnhelper}, which then execs the program: two
 * execs per spawn). The {@code jdkPipesLaunch*} benchmarks run the JDK default (pipes) in
 * forks started with FORK and VFORK instead: the property is read once, when ProcessImpl is
 * initialized, so it has to be a JVM argument of the fork. VFORK prints a deprecation
 * warning on JDK 25.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE})
public class SpawnBenchmark {

    /** Without it the FFM downcalls of vfork4j warn (and will fail in a later JDK). */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /** JMH 1.37 calls sun.misc.Unsafe, which JDK 24+ warns about in every fork (JEP 471). */
    static final String JMH_UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    private static final String TRUE = "/bin/true";

    /** The vfork4j mechanism under test and the two commands built from it once. */
    @State(Scope.Benchmark)
    public static class Vfork4jSpawn {
        @Param({"POSIX_SPAWN", "VFORK", "FORK"})
        public Mechanism mechanism;

        Command inherit;
        Command pipes;

        @Setup
        public void setUp() {
            mechanism.unavailableReason().ifPresent(why -> {
                throw new IllegalStateException("mechanism " + mechanism + " is not available here, skipped: " + why);
            });
            inherit = Command.of(TRUE).mechanism(mechanism)
                .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
            pipes = Command.of(TRUE).mechanism(mechanism); // start() pipes all three by default
        }
    }

    /** vfork4j, stdin, stdout and stderr inherited: the spawn and the wait alone. */
    @Benchmark
    public int vfork4jInherit(Vfork4jSpawn s) throws IOException, InterruptedException {
        return s.inherit.start().waitFor();
    }

    /** vfork4j with its start() default: three pipes, made and closed each time. */
    @Benchmark
    public int vfork4jPipes(Vfork4jSpawn s) throws IOException, InterruptedException {
        return s.pipes.start().waitFor();
    }

    /** The JDK's default: three pipes, launched with this JVM's launch mechanism. */
    @Benchmark
    public int jdkPipes() throws IOException, InterruptedException {
        return new ProcessBuilder(TRUE).start().waitFor();
    }

    /** The JDK with inheritIO(): the closest to {@link #vfork4jInherit}. */
    @Benchmark
    public int jdkInheritIO() throws IOException, InterruptedException {
        return new ProcessBuilder(TRUE).inheritIO().start().waitFor();
    }

    /*
     * The JDK default (pipes) under its other launch mechanisms. Sampled only (the mean and
     * the percentiles in one pass) to keep a default run of bench/run.sh under ten minutes.
     * A method-level @Fork replaces the class's, so its JVM arguments are repeated.
     */

    /** The JDK's pipes, launched with fork(). */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @Fork(value = 2, jvmArgsAppend = {NATIVE_ACCESS, JMH_UNSAFE, "-Djdk.lang.Process.launchMechanism=FORK"})
    public int jdkPipesLaunchFork() throws IOException, InterruptedException {
        return jdkPipes();
    }

    /** The JDK's pipes, launched with vfork() (deprecated in JDK 25). */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @Fork(value = 2, jvmArgsAppend = {NATIVE_ACCESS, JMH_UNSAFE, "-Djdk.lang.Process.launchMechanism=VFORK"})
    public int jdkPipesLaunchVfork() throws IOException, InterruptedException {
        return jdkPipes();
    }
}
