package dev.vfork4j.bench.startup;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The startup benchmark's programs, each in a fresh JVM as the benchmark starts them (here on
 * the test class path, without a cache): each starts /bin/true, sees it exit 0, prints nothing
 * on stderr and one result line whose instants are in order; the floor also times its steps. And
 * the report sets each variant beside the floor of its own cache column.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StartupProgramsTest {

    @TempDir
    Path dir;

    static List<StartupBenchmark.Program> programs() {
        return StartupBenchmark.PROGRAMS;
    }

    @ParameterizedTest
    @MethodSource("programs")
    void eachProgramStartsOneChildAndReportsWhenItExited(StartupBenchmark.Program program) throws Exception {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
            "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), program.mainClass()));
        command.addAll(program.args());
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        long launched = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
        long ended = System.nanoTime();
        String stdout = Files.readString(out, UTF_8);
        assertThat(Files.readString(err, UTF_8)).isEmpty();
        assertThat(p.exitValue()).as(stdout).isZero();

        List<String> results = stdout.lines().filter(l -> l.startsWith(StartupLine.PREFIX)).toList();
        assertThat(results).hasSize(1);
        String[] f = results.get(0).substring(StartupLine.PREFIX.length()).split(" ");
        long mainEntry = Long.parseLong(f[0]);
        long childExited = Long.parseLong(f[1]);
        // One clock on both sides (CLOCK_MONOTONIC): what the runner's launch → exited relies on.
        assertThat(mainEntry).isBetween(launched, childExited);
        assertThat(childExited).isLessThanOrEqualTo(ended);
        assertThat(f[2]).as("/bin/true's exit status").isEqualTo("0");

        List<String> phases = stdout.lines().filter(l -> l.startsWith(StartupLine.PHASE)).toList();
        if (program.id().equals("floor")) {
            assertThat(phases).hasSize(6);
            long previous = mainEntry;
            for (String phase : phases) {
                long instant = Long.parseLong(phase.substring(StartupLine.PHASE.length()).split(" ", 2)[0]);
                assertThat(instant).as(phase).isGreaterThanOrEqualTo(previous);
                previous = instant;
            }
            assertThat(previous).as("the last step ends when the child exited").isEqualTo(childExited);
        } else {
            assertThat(phases).isEmpty();
        }
    }

    @Test
    void theReportDividesEachVariantByTheFloorOfItsOwnCacheColumnAndListsWhatWasNotCounted() {
        StartupBenchmark.Program floor = StartupBenchmark.PROGRAMS.get(0);
        StartupBenchmark.Program vfork = StartupBenchmark.PROGRAMS.get(1);
        List<StartupBenchmark.Variant> variants = List.of(
            new StartupBenchmark.Variant(floor, false), new StartupBenchmark.Variant(vfork, false),
            new StartupBenchmark.Variant(floor, true), new StartupBenchmark.Variant(vfork, true));
        Map<StartupBenchmark.Variant, List<StartupBenchmark.Sample>> samples = new LinkedHashMap<>();
        samples.put(variants.get(0), List.of(sample(100), sample(80), sample(120)));
        samples.put(variants.get(1), List.of(sample(300), sample(330)));
        samples.put(variants.get(2), List.of(sample(50)));
        samples.put(variants.get(3), List.of(sample(200)));
        Map<StartupBenchmark.Variant, List<String>> failures = new LinkedHashMap<>();
        variants.forEach(v -> failures.put(v, List.of()));
        failures.put(variants.get(1), List.of("exit 1: boom"));
        Map<StartupBenchmark.Variant, Optional<StartupBenchmark.ClassCount>> classes = new LinkedHashMap<>();
        variants.forEach(v -> classes.put(v, Optional.of(new StartupBenchmark.ClassCount(1000, 100))));

        String report = StartupBenchmark.report("", 3, "/nonexistent/java", Instant.EPOCH, "0 0 0", "0 0 0",
            variants, samples, failures, classes, Map.of());

        assertThat(report)
            // floor median 100 ms; vfork4j median of two, 315 ms: 3.15
            .contains("| vfork4j VFORK | no | 315 [300-330] | 3.15 |")
            // with a cache, against the cached floor's 50 ms: 4.00
            .contains("| vfork4j VFORK | yes | 200 [200-200] | 4.00 |")
            .contains("| bare FFM floor (posix_spawn + waitpid) | no | 100 [80.0-120] | 1.00 |")
            .contains("- vfork: 1 of 3 runs not counted, first: exit 1: boom")
            .contains("| 1000 (100) |");
    }

    private static StartupBenchmark.Sample sample(long mainToExitedMs) {
        long ns = mainToExitedMs * 1_000_000;
        return new StartupBenchmark.Sample(ns, ns + 30_000_000, ns + 40_000_000, ns, Map.of());
    }
}
