package dev.vfork4j.bench;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Output;
import dev.vfork4j.Redirect;
import java.io.File;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The wait, against C, side by side (issue 13, item 4): a platform thread spawns a child and
 * waits for it, through vfork4j, through the JDK, and in C, for two children: {@code /bin/true},
 * which exits at once, and {@code sleep_5ms} (built beside the C loop from
 * {@code src/main/c/sleep_5ms.c}), which sleeps 5 ms, so that the waiter has to block and be
 * woken. Each child is waited for in two ways:
 *
 * <ul>
 *   <li>{@link #vfork4jWait}: stdio inherited, {@code start().waitFor()}; before each measured
 *       iteration the fork runs the C loop's {@code vfork} way (vfork, execve, waitpid) on the
 *       same child. {@link #jdkWait}: {@code ProcessBuilder.inheritIO()}.
 *   <li>{@link #vfork4jOutput}: {@code output()}, stdin from {@code /dev/null}, stdout and stderr
 *       captured through pipes; before each measured iteration the C loop's
 *       {@code posix_spawn_pipes} way (the same, with posix_spawn, poll, read to end of file and
 *       waitpid). {@link #jdkOutput}: {@code ProcessBuilder} with stdin from {@code /dev/null},
 *       stdout then stderr read to end of file with {@code readAllBytes()} (enough for children
 *       that write nothing; a child that fills the stderr pipe would stall this), then
 *       {@code waitFor()}.
 * </ul>
 *
 * {@code Suites} ({@code bench/run.sh wait}) runs each benchmark and child in a JMH fork of its
 * own per round, merges the C samples with {@link CLoopInFork}'s properties, and sets the
 * distributions side by side.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE})
public class WaitVersusCBenchmark {

    /** The child and the vfork4j mechanism, and the commands built from them once. */
    @State(Scope.Benchmark)
    public static class Child {
        /** {@code true} for {@code /bin/true}, {@code sleep_5ms} for the child that runs 5 ms. */
        @Param({"true", "sleep_5ms"})
        public String child;

        @Param({"VFORK"})
        public Mechanism mechanism;

        /** The child's argv for the C loop: empty for its default, /bin/true. */
        List<String> cLoopArgv;
        Command inherited;
        Command captured;
        ProcessBuilder jdkInherited;
        ProcessBuilder jdkPiped;

        @Setup
        public void setUp() {
            mechanism.unavailableReason().ifPresent(why -> {
                throw new IllegalStateException("mechanism " + mechanism + " is not available here, skipped: " + why);
            });
            String program = switch (child) {
                case "true" -> TrueInherited.TRUE;
                case "sleep_5ms" -> CLoopInFork.sleeper().toString();
                default -> throw new IllegalArgumentException("child must be true or sleep_5ms, not " + child);
            };
            cLoopArgv = child.equals("true") ? List.of() : List.of(program);
            inherited = Command.of(program).mechanism(mechanism)
                .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
            captured = Command.of(program).mechanism(mechanism); // output(): /dev/null in, two pipes out
            jdkInherited = new ProcessBuilder(program).inheritIO();
            jdkPiped = new ProcessBuilder(program).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            System.out.println(program + "; " + ParentProcess.describe());
        }
    }

    /** The C loop's vfork way on the same child, run before each measured iteration. */
    @State(Scope.Benchmark)
    public static class CVfork {
        private CLoopInFork loop;

        @Setup
        public void setUp(Child child) {
            loop = CLoopInFork.of("vfork", child.cLoopArgv);
        }

        @Setup(Level.Iteration)
        public void runBeforeMeasuredIteration(IterationParams iteration) throws IOException, InterruptedException {
            if (iteration.getType() == IterationType.MEASUREMENT) {
                loop.run();
            }
        }
    }

    /** The C loop's posix_spawn_pipes way on the same child, run before each measured iteration. */
    @State(Scope.Benchmark)
    public static class CPipes {
        private CLoopInFork loop;

        @Setup
        public void setUp(Child child) {
            loop = CLoopInFork.of("posix_spawn_pipes", child.cLoopArgv);
        }

        @Setup(Level.Iteration)
        public void runBeforeMeasuredIteration(IterationParams iteration) throws IOException, InterruptedException {
            if (iteration.getType() == IterationType.MEASUREMENT) {
                loop.run();
            }
        }
    }

    /** vfork4j, stdio inherited, start().waitFor(); the C loop's vfork way between iterations. */
    @Benchmark
    public int vfork4jWait(Child c, CVfork cLoop) throws IOException, InterruptedException {
        return c.inherited.start().waitFor();
    }

    /** vfork4j's output(); the C loop's posix_spawn_pipes way between iterations. */
    @Benchmark
    public Output vfork4jOutput(Child c, CPipes cLoop) throws IOException, InterruptedException {
        return c.captured.output();
    }

    /** The JDK (its default launch mechanism), inheritIO(), waitFor(). */
    @Benchmark
    public int jdkWait(Child c) throws IOException, InterruptedException {
        return c.jdkInherited.start().waitFor();
    }

    /** The JDK, stdin from /dev/null, stdout and stderr read to end of file, then waitFor(). */
    @Benchmark
    public int jdkOutput(Child c) throws IOException, InterruptedException {
        Process p = c.jdkPiped.start();
        int read = p.getInputStream().readAllBytes().length + p.getErrorStream().readAllBytes().length;
        return p.waitFor() + read;
    }
}
