package dev.vfork4j.bench;

import dev.vfork4j.ballast.HeapBallast;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spawn + wait of {@code /bin/true} (stdio inherited) from a JVM of 256 MiB and of 8 GiB, the
 * whole heap resident: VFORK and POSIX_SPAWN share the parent's memory and should cost the
 * same at both sizes; FORK copies the page tables of every resident page and should not.
 *
 * <p>The heap size is a JVM flag, which JMH cannot vary by {@code @Param}, so each size is a
 * method with its own {@code @Fork}: {@code -Xms = -Xmx} and {@code -XX:+AlwaysPreTouch}, so
 * every page of the heap is written before the benchmark starts and stays mapped (no heap
 * shrinking with {@code -Xms = -Xmx}). On top, a ballast of half the heap is allocated and kept,
 * so the JVM carries a real live set of that size: the flags and the ballast are
 * {@link HeapBallast}'s, as in {@code vfork4j bench}'s workers. Each trial prints the parent's
 * VmRSS and VmPTE (its page tables), which is what FORK has to copy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 2)
public class ParentSizeBenchmark {
    // HeapBallast.jvmFlags(256) and jvmFlags(8192), spelled as constants: an annotation takes no method call.
    private static final String HEAP_256M_MIN = "-Xms256m";
    private static final String HEAP_256M_MAX = "-Xmx256m";
    private static final String HEAP_8G_MIN = "-Xms8g";
    private static final String HEAP_8G_MAX = "-Xmx8g";
    private static final String PRE_TOUCH = HeapBallast.ALWAYS_PRE_TOUCH;

    /** Half the heap in 256 KiB arrays, every page written, held for the whole trial. */
    @State(Scope.Benchmark)
    public static class Ballast {
        HeapBallast ballast;

        @Setup
        public void fill() {
            ballast = HeapBallast.fillHalfTheHeap();
            System.out.println("ballast " + ballast.bytes() / (1 << 20) + " MiB; " + ParentProcess.describe());
        }
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE,
        HEAP_256M_MIN, HEAP_256M_MAX, PRE_TOUCH})
    public int vfork4jHeap256m(TrueInherited spawn, Ballast ballast) throws IOException, InterruptedException {
        return spawn.spawnAndWait();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE,
        HEAP_8G_MIN, HEAP_8G_MAX, PRE_TOUCH})
    public int vfork4jHeap8g(TrueInherited spawn, Ballast ballast) throws IOException, InterruptedException {
        return spawn.spawnAndWait();
    }

    /** The JDK's default launch (posix_spawn of jspawnhelper), inheritIO(). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE,
        HEAP_256M_MIN, HEAP_256M_MAX, PRE_TOUCH})
    public int jdkHeap256m(Ballast ballast) throws IOException, InterruptedException {
        return TrueInherited.jdkSpawnAndWait();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE,
        HEAP_8G_MIN, HEAP_8G_MAX, PRE_TOUCH})
    public int jdkHeap8g(Ballast ballast) throws IOException, InterruptedException {
        return TrueInherited.jdkSpawnAndWait();
    }
}
