package dev.vfork4j.cli.bench;

import dev.vfork4j.cli.CodePath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker JVM that dies stops the run with its stderr quoted, and leaves nothing running. */
class WorkerFailureTest {

    @Test
    void aWorkerThatCannotStartIsReportedWithItsStderr(@TempDir Path dir) throws Exception {
        BenchPlan plan = new BenchPlan(List.of(64), List.of(0), List.of(BenchMechanism.JDK_POSIX_SPAWN), 2, 0, 100);
        Path log = dir.resolve("workers.log");
        StringWriter err = new StringWriter();
        try (BenchProgress progress = BenchProgress.start(plan.steps(), false, new PrintWriter(err, true))) {
            // A class path without BenchWorker: the JVM starts, finds no main class and exits 1.
            BenchRun run = new BenchRun(plan, log, progress,
                Path.of(System.getProperty("java.home"), "bin", "java"), CodePath.classPath(dir.toString()));
            assertThatThrownBy(run::run)
                .isInstanceOf(BenchRun.BenchFailure.class)
                .hasMessageContaining("the worker JVM for 64 MB, 0 fds exited with 1 after 0 of 1 mechanism;")
                .hasMessageContaining(log.toString())
                .hasMessageContaining("dev.vfork4j.cli.bench.BenchWorker");
        }
        assertThat(ProcessHandle.current().children()).as("no worker left running").isEmpty();
    }
}
