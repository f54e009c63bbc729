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
 * What {@code Command.contained()} adds to a spawn + wait of {@code /bin/true}: the leaf cgroup
 * made before the clone (mkdir), CLONE_INTO_CGROUP, cpu.stat read at the reap, and the watch of
 * cgroup.events that removes the cgroup (its rmdir runs on the event loop, off the caller's
 * thread, but on the same CPUs). Both streams inherited, as {@code SpawnBenchmark.vfork4jInherit}.
 * Needs a writable cgroup v2 for this JVM (see {@code vfork4j doctor}); elsewhere the contained
 * benchmark fails in its first call with the library's reason.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE})
public class ContainedSpawnBenchmark {
    private static final String TRUE = "/bin/true";

    @Param({"VFORK", "FORK"})
    public Mechanism mechanism;

    Command ordinary;
    Command contained;

    @Setup
    public void setUp() {
        mechanism.unavailableReason().ifPresent(why -> {
            throw new IllegalStateException("mechanism " + mechanism + " is not available here, skipped: " + why);
        });
        ordinary = Command.of(TRUE).mechanism(mechanism)
            .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
        contained = ordinary.contained();
    }

    /** The spawn and the wait alone. */
    @Benchmark
    public int ordinary() throws IOException, InterruptedException {
        return ordinary.start().waitFor();
    }

    /** The same child in a cgroup of its own, made and removed each time. */
    @Benchmark
    public int contained() throws IOException, InterruptedException {
        return contained.start().waitFor();
    }
}
