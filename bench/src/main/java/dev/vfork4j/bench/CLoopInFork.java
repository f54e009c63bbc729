package dev.vfork4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The C loop ({@code vfork_loop}, built by {@code bench/run-c-baseline.sh}) run as a child of
 * a JMH fork, between its measured iterations, so that C and vfork4j alternate every couple of
 * seconds on the same machine: what {@link VforkVersusCBenchmark} and
 * {@link WaitVersusCBenchmark} do before each measured iteration. The C program times each of
 * its own spawns + waits on CLOCK_MONOTONIC and appends them to a samples file that
 * {@code Suites} merges.
 *
 * <p>System properties of the fork: {@code vfork4j.bench.cLoop}, the binary (default
 * {@code bench/target/vfork_loop}, then {@code target/vfork_loop}); {@code vfork4j.bench.cIterations},
 * spawns per measured iteration (default 1000); {@code vfork4j.bench.cSamples}, the file to
 * append the samples to (none by default: the loop's summary line is printed either way).
 */
final class CLoopInFork {
    private final List<String> command;

    private CLoopInFork(List<String> command) {
        this.command = List.copyOf(command);
    }

    /**
     * The loop for one way of spawning ({@code vfork}, {@code posix_spawn_pipes}…) of the given
     * child, or of its default {@code /bin/true} when {@code childArgv} is empty.
     */
    static CLoopInFork of(String way, List<String> childArgv) {
        List<String> command = new ArrayList<>(List.of(binary().toString(),
            Integer.getInteger("vfork4j.bench.cIterations", 1000).toString(), way));
        String samples = System.getProperty("vfork4j.bench.cSamples");
        if (samples != null) {
            command.addAll(List.of("--samples", samples));
        }
        if (!childArgv.isEmpty()) {
            command.add("--child"); // last: the rest of the line is the child's argv
            command.addAll(childArgv);
        }
        return new CLoopInFork(command);
    }

    List<String> command() {
        return command;
    }

    /** Runs the loop to its end and prints its summary line; throws when it fails. */
    void run() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int exit = p.waitFor();
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exit + ": " + out);
        }
        System.out.println("C loop: " + out);
    }

    /** The C loop's binary: {@code vfork4j.bench.cLoop}, or where run-c-baseline.sh builds it. */
    static Path binary() {
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

    /** The child that runs 5 ms ({@code sleep_5ms.c}), built beside the C loop by run-c-baseline.sh. */
    static Path sleeper() {
        Path sleeper = binary().resolveSibling("sleep_5ms");
        if (!Files.isExecutable(sleeper)) {
            throw new IllegalStateException("no " + sleeper + ": build it with bench/run-c-baseline.sh --build-only");
        }
        return sleeper;
    }
}
