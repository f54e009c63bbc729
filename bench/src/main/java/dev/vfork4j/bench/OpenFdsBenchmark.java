package dev.vfork4j.bench;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spawn + wait of {@code /bin/true} (stdio inherited, or three pipes) from a JVM holding {@code openFds}
 * more files open, 10 or 10,000 (below {@code ulimit -n}, 20,000 on the machine of the
 * recorded run): /dev/null opened with FileInputStream, as a server holds sockets and files.
 * Every clone without CLONE_FILES copies the parent's fd table, and every child must be rid of
 * the copies (close_range in vfork4j's child, a close per fd in the JDK's jspawnhelper).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {SpawnBenchmark.NATIVE_ACCESS, SpawnBenchmark.JMH_UNSAFE})
public class OpenFdsBenchmark {

    /** The files held open for the whole trial. */
    @State(Scope.Benchmark)
    public static class OpenFiles {
        @Param({"10", "10000"})
        public int openFds;

        private final List<FileInputStream> files = new ArrayList<>();

        @Setup
        public void open() throws IOException, InterruptedException {
            // An application's first spawn, before it opens its files: vfork4j takes the low fd
            // slots its children's pipes are lent then (spawn.LowFds); the JDK keeps nothing.
            new ProcessBuilder(TrueInherited.TRUE).inheritIO().start().waitFor();
            dev.vfork4j.Command.of(TrueInherited.TRUE).run();
            for (int i = 0; i < openFds; i++) {
                files.add(new FileInputStream("/dev/null"));
            }
            System.out.println(openFds + " more files open; " + ParentProcess.describe());
        }

        @TearDown
        public void close() throws IOException {
            for (FileInputStream f : files) {
                f.close();
            }
            files.clear();
        }
    }

    /** {@code /bin/true} with three pipes, as ProcessBuilder's default: the pipes' ends are above the open files. */
    @State(Scope.Benchmark)
    public static class TruePiped {
        @Param({"VFORK"})
        public Mechanism mechanism;

        private Command command;

        @Setup
        public void setUp() {
            command = Command.of(TrueInherited.TRUE).mechanism(mechanism)
                .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE);
        }
    }

    /** Spawn + wait with three pipes, each of this JVM's ends closed after the exit, as a ProcessBuilder user does. */
    @Benchmark
    public int vfork4jPipes(TruePiped spawn, OpenFiles files) throws IOException, InterruptedException {
        return closeAfterExit(spawn.command.start());
    }

    /** The JDK's default launch with its default three pipes. */
    @Benchmark
    public int jdkPipes(OpenFiles files) throws IOException, InterruptedException {
        return closeAfterExit(new ProcessBuilder(TrueInherited.TRUE).start());
    }

    private static int closeAfterExit(Process p) throws IOException, InterruptedException {
        int code = p.waitFor();
        p.getOutputStream().close();
        p.getInputStream().close();
        p.getErrorStream().close();
        return code;
    }

    @Benchmark
    public int vfork4jInherit(TrueInherited spawn, OpenFiles files) throws IOException, InterruptedException {
        return spawn.spawnAndWait();
    }

    /** The JDK's default launch (posix_spawn of jspawnhelper), inheritIO(). */
    @Benchmark
    public int jdkInheritIO(OpenFiles files) throws IOException, InterruptedException {
        return TrueInherited.jdkSpawnAndWait();
    }
}
