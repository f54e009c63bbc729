package dev.vfork4j.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The C baseline as the benchmarks get it: built by {@code run-c-baseline.sh --build-only} into
 * {@code target/} (the tests run in the bench module's directory), then run as a child.
 */
final class CBaseline {
    private CBaseline() {}

    static final Path LOOP = Path.of("target/vfork_loop").toAbsolutePath();
    static final Path SLEEPER = Path.of("target/sleep_5ms").toAbsolutePath();

    private static boolean built;

    /**
     * Builds the C loop and the 5 ms child with the script the suites use, once per test JVM.
     * Without a C compiler the calling test is skipped (as KernelExitsTest is without perf): the
     * library builds with a JDK alone, the C baseline needs cc.
     */
    static synchronized void build() throws IOException, InterruptedException {
        assumeTrue(onPath("cc"), "no cc on the PATH: the C baseline cannot be built here");
        if (!built) {
            Ran r = run(List.of("./run-c-baseline.sh", "--build-only"));
            if (r.exit() != 0) {
                throw new IllegalStateException("run-c-baseline.sh --build-only exited with " + r.exit() + ": " + r.output());
            }
            built = true;
        }
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    /** What a run printed (stdout and stderr together) and how it exited. */
    record Ran(int exit, String output) {}

    /** Runs the C loop with these arguments: iterations, way, options. */
    static Ran loop(String... args) throws IOException, InterruptedException {
        build();
        List<String> command = new ArrayList<>(List.of(LOOP.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    private static Ran run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not end within 60 s");
        }
        return new Ran(p.exitValue(), output);
    }
}
