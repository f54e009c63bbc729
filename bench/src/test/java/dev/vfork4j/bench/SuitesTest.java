package dev.vfork4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vfork4j.bench.Suites.Bench;
import dev.vfork4j.bench.Suites.Ratio;
import dev.vfork4j.bench.Suites.Samples;
import dev.vfork4j.bench.Suites.Suite;
import dev.vfork4j.bench.Suites.Timing;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The suites' definitions, the reading of the C loop's samples and the Markdown tables. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SuitesTest {
    private static final Instant START = Instant.parse("2026-12-01T01:00:00Z");
    private static final Instant END = Instant.parse("2026-12-01T01:07:00Z");

    @Test
    void theWaitSuiteSetsEachVforkRowBesideItsCLoopAndTheJdk() {
        Suite wait = Suites.waitVersusC(3);
        assertThat(wait.labels()).containsExactly(
            "(a) VFORK, /bin/true, inherited, waitFor()", "(a) C vfork + execve + waitpid, /bin/true",
            "(a) JDK inheritIO(), /bin/true",
            "(b) VFORK, 5 ms child, inherited, waitFor()", "(b) C vfork + execve + waitpid, 5 ms child",
            "(b) JDK inheritIO(), 5 ms child",
            "(c) VFORK output(), /bin/true", "(c) C posix_spawn + 2 pipes + poll + waitpid, /bin/true",
            "(c) JDK, 2 pipes read to EOF, /bin/true",
            "(c) VFORK output(), 5 ms child", "(c) C posix_spawn + 2 pipes + poll + waitpid, 5 ms child",
            "(c) JDK, 2 pipes read to EOF, 5 ms child");
        assertThat(wait.ratios()).filteredOn(r -> r.atMost() != null)
            .extracting(Ratio::numerator, Ratio::denominator, Ratio::atMost)
            .containsExactly(
                tuple("(a) VFORK, /bin/true, inherited, waitFor()",
                    "(a) C vfork + execve + waitpid, /bin/true", 1.05),
                tuple("(b) VFORK, 5 ms child, inherited, waitFor()",
                    "(b) C vfork + execve + waitpid, 5 ms child", 1.05),
                tuple("(c) VFORK output(), /bin/true",
                    "(c) C posix_spawn + 2 pipes + poll + waitpid, /bin/true", 1.10),
                tuple("(c) VFORK output(), 5 ms child",
                    "(c) C posix_spawn + 2 pipes + poll + waitpid, 5 ms child", 1.10));
        // Each side of a ratio runs the same child: the JMH parameter and the row's label agree.
        for (Bench b : wait.benches()) {
            assertThat(b.method()).startsWith("WaitVersusCBenchmark.");
            assertThat(b.params()).containsEntry("mechanism", "VFORK")
                .containsEntry("child", b.label().contains("5 ms child") ? "sleep_5ms" : "true");
            if (b.cSamples() != null) {
                assertThat(b.cSamples()).endsWith(b.label().contains("5 ms child") ? "5 ms child" : "/bin/true");
            }
        }
    }

    /** The 5 ms child's C loop runs a tenth of the spawns, so it takes about as long per iteration. */
    @Test
    void theLongChildsCLoopRunsFewerSpawns() {
        Suite wait = Suites.waitVersusC(1);
        assertThat(wait.benches()).filteredOn(b -> b.cSamples() != null)
            .extracting(b -> b.cSpawns(Timing.FULL))
            .containsExactly(1000, 100, 1000, 100);
        assertThat(new Bench("x", "m", Map.of(), "c", 0.0001).cSpawns(Timing.QUICK)).isEqualTo(1);
    }

    @Test
    void theOtherSuitesStillBuild() {
        assertThat(Suites.vforkVersusC(3).labels()).containsExactly("VFORK, stdio inherited", "C vfork + execve + waitpid",
            "JDK ProcessBuilder, inheritIO()", "VFORK, three pipes", "JDK ProcessBuilder, three pipes");
        assertThat(Suites.parentSize(2).labels()).hasSize(8);
        assertThat(Suites.openFds(2).labels()).hasSize(18).contains("VFORK pipes, 10000 fds", "JDK pipes, 10 fds");
    }

    @Test
    void aRatioNamingNoRowIsRefusedBeforeAnythingRuns() {
        List<Bench> benches = List.of(new Bench("A", "X.a", Map.of(), "C"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Suite("s", "S", 1, benches, List.of(), List.of(new Ratio("A", "c", 1.05, null))));
        assertThat(e).hasMessage("suite s: the ratio A / c names no row of the suite: c");
        assertThrows(IllegalArgumentException.class,
            () -> new Suite("s", "S", 1, List.of(new Bench("A", "X.a", Map.of(), "A")), List.of(), List.of()));
    }

    @Test
    void percentilesAreNearestRankOnTheMergedRuns() {
        Samples s = new Samples();
        s.addRun(Map.of(1.0, 1L, 2.0, 1L));
        s.addRun(Map.of(3.0, 1L, 4.0, 1L));
        s.addRun(Map.of());
        assertThat(s.n).isEqualTo(4);
        assertThat(s.percentile(50)).isEqualTo(2.0);
        assertThat(s.percentile(90)).isEqualTo(4.0);
        assertThat(s.percentile(0)).isEqualTo(1.0);
        assertThat(s.mean()).isEqualTo(2.5);
        assertThat(s.runMedians).containsExactly(1.0, 3.0);
    }

    /** The tables of a wait run, from known samples: rows in the suite's order, ratios judged against their targets. */
    @Test
    void theReportPrintsTheDistributionsAndJudgesTheRatios() {
        Suite wait = Suites.waitVersusC(2);
        Map<String, Samples> samples = new HashMap<>();
        samples.put("(a) VFORK, /bin/true, inherited, waitFor()", samples(520, 530, 540, 2000));
        samples.put("(a) C vfork + execve + waitpid, /bin/true", samples(500, 500));
        samples.put("(a) JDK inheritIO(), /bin/true", samples(1200, 1200));
        samples.put("(b) VFORK, 5 ms child, inherited, waitFor()", samples(5800, 5800));
        samples.put("(b) C vfork + execve + waitpid, 5 ms child", samples(5500, 5500));
        samples.put("(c) VFORK output(), /bin/true", samples(600, 600));
        samples.put("(c) C posix_spawn + 2 pipes + poll + waitpid, /bin/true", samples(500, 500));
        String report = Suites.report(wait, Timing.FULL, samples, List.of("(b) JDK inheritIO(), 5 ms child, round 2: boom"),
            START, END);

        assertThat(report).startsWith("""
            ### The wait: VFORK against C on the same child, and the JDK (suite wait)

            2026-12-01T01:00:00Z to 2026-12-01T01:07:00Z; 2 round(s), each benchmark in one JMH fork per round: \
            2 × 1 s warm-up, 4 × 2 s measured, SampleTime. C loop, before each measured iteration: \
            1000 spawns ((a) C vfork + execve + waitpid, /bin/true; (c) C posix_spawn + 2 pipes + poll + waitpid, /bin/true), \
            100 spawns ((b) C vfork + execve + waitpid, 5 ms child; (c) C posix_spawn + 2 pipes + poll + waitpid, 5 ms child).

            | Benchmark | samples | median µs | mean µs | p90 µs | p99 µs | median of each run, µs |
            |---|---:|---:|---:|---:|---:|---|
            | (a) VFORK, /bin/true, inherited, waitFor() | 4 | **530.0** | 897.5 | 2000.0 | 2000.0 | 530.0 |
            | (a) C vfork + execve + waitpid, /bin/true | 2 | **500.0** | 500.0 | 500.0 | 500.0 | 500.0 |
            | (a) JDK inheritIO(), /bin/true | 2 | **1200.0** | 1200.0 | 1200.0 | 1200.0 | 1200.0 |
            | (b) VFORK, 5 ms child, inherited, waitFor() | 2 | **5800.0** | 5800.0 | 5800.0 | 5800.0 | 5800.0 |
            | (b) C vfork + execve + waitpid, 5 ms child | 2 | **5500.0** | 5500.0 | 5500.0 | 5500.0 | 5500.0 |
            | (b) JDK inheritIO(), 5 ms child | 0 | — | — | — | — | no result |
            """);
        assertThat(report).contains("""
            | Ratio | median | mean | target | result |
            |---|---:|---:|---:|---|
            | (a) VFORK, /bin/true, inherited, waitFor() / (a) C vfork + execve + waitpid, /bin/true | **1.06** | 1.80 | ≤ 1.05 | **FAIL** (median) |
            | (a) VFORK, /bin/true, inherited, waitFor() / (a) JDK inheritIO(), /bin/true | **0.44** | 0.75 |  |  |
            | (b) VFORK, 5 ms child, inherited, waitFor() / (b) C vfork + execve + waitpid, 5 ms child \
            | **1.05** | 1.05 | ≤ 1.05 | **FAIL** (median; 1.055) |
            | (b) VFORK, 5 ms child, inherited, waitFor() / (b) JDK inheritIO(), 5 ms child | — | — | | no result |
            | (c) VFORK output(), /bin/true / (c) C posix_spawn + 2 pipes + poll + waitpid, /bin/true | **1.20** | 1.20 | ≤ 1.10 | **FAIL** (median) |
            """);
        assertThat(report).endsWith("""

            Failed runs:

            - (b) JDK inheritIO(), 5 ms child, round 2: boom
            """);
        assertThat(Suites.report(wait, Timing.FULL, Map.of("(a) VFORK, /bin/true, inherited, waitFor()", samples(520),
                "(a) C vfork + execve + waitpid, /bin/true", samples(500)), List.of(), START, END))
            .contains("| **1.04** | 1.04 | ≤ 1.05 | pass (median) |");
    }

    /** What the C loop writes with --samples is what the report reads: one sample per spawn, in µs. */
    @Test
    void theCLoopsSamplesFileIsReadIntoTheTable(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("c-samples.txt");
        for (int run = 0; run < 2; run++) { // --samples appends: two runs, one file
            CBaseline.Ran r = CBaseline.loop("30", "posix_spawn_pipes", "--samples", file.toString());
            assertThat(r.exit()).as(r.output()).isZero();
        }
        Samples c = new Samples();
        c.addRun(Suites.readSamples(file));
        assertThat(c.n).isEqualTo(60);
        assertThat(c.percentile(50)).isPositive();
        assertThat(Suites.readSamples(tmp.resolve("missing.txt"))).isEmpty();

        Suite wait = Suites.waitVersusC(1);
        String label = "(c) C posix_spawn + 2 pipes + poll + waitpid, /bin/true";
        String report = Suites.report(wait, Timing.QUICK, Map.of(label, c), List.of(), START, END);
        assertThat(report).contains(String.format(Locale.ROOT, "| %s | 60 | **%.1f** | ", label, c.percentile(50)));
    }

    /** One run of these samples. */
    private static Samples samples(double... values) {
        Map<Double, Long> run = new TreeMap<>();
        for (double v : values) {
            run.merge(v, 1L, Long::sum);
        }
        Samples s = new Samples();
        s.addRun(run);
        return s;
    }
}
