package dev.vfork4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The C loop's ways behind the wait suite (vfork_loop.c's posix_spawn_pipes and --child, and
 * sleep_5ms.c) build with the suites' script and do what their figures claim: the child runs,
 * the pipes are read to the end, every sample is written, a failing child fails the loop.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CBaselineWaysTest {

    @Test
    void posixSpawnPipesReadsBothStreamsToTheirEnd(@TempDir Path tmp) throws Exception {
        Path samples = tmp.resolve("samples.txt");
        CBaseline.Ran r = CBaseline.loop("5", "posix_spawn_pipes", "--samples", samples.toString(),
            "--child", "/bin/sh", "-c", "printf out; printf error >&2");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).startsWith("posix_spawn_pipes n=5 fds=0 ")
            .contains("child /bin/sh")
            .endsWith("(the last child wrote: stdout 3 bytes, stderr 5 bytes)");
        assertThat(Files.readAllLines(samples)).hasSize(5);
    }

    /** More than a pipe holds on both streams: read one to the end before the other and the child stalls. */
    @Test
    void posixSpawnPipesReadsBothStreamsAtOnce() throws Exception {
        CBaseline.Ran r = CBaseline.loop("2", "posix_spawn_pipes",
            "--child", "/bin/sh", "-c", "head -c 300000 /dev/zero >&2; head -c 200000 /dev/zero");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).endsWith("(the last child wrote: stdout 200000 bytes, stderr 300000 bytes)");
    }

    /** stdin is /dev/null, as under output(): a child reading it gets end of file at once. */
    @Test
    void posixSpawnPipesGivesTheChildDevNullAsStdin() throws Exception {
        CBaseline.Ran r = CBaseline.loop("2", "posix_spawn_pipes", "--child", "/bin/sh", "-c", "readlink /proc/self/fd/0; cat");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).endsWith("(the last child wrote: stdout 10 bytes, stderr 0 bytes)"); // "/dev/null\n"
    }

    /** Each sample is a spawn + wait of the 5 ms child, so none can be shorter than its sleep. */
    @ParameterizedTest
    @ValueSource(strings = {"vfork", "posix_spawn_pipes"})
    void theFiveMillisecondChildIsWaitedForToItsEnd(String way, @TempDir Path tmp) throws Exception {
        CBaseline.build();
        Path samples = tmp.resolve("samples.txt");
        CBaseline.Ran r = CBaseline.loop("5", way, "--samples", samples.toString(), "--child", CBaseline.SLEEPER.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).startsWith(way + " ").contains("n=5 ", "child " + CBaseline.SLEEPER);
        Map<Double, Long> read = Suites.readSamples(samples);
        assertThat(read.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(5);
        assertThat(read.keySet()).allSatisfy(us -> assertThat(us).isGreaterThanOrEqualTo(5000.0));
    }

    @Test
    void theFiveMillisecondChildExitsWithZero() throws Exception {
        CBaseline.build();
        Process p = new ProcessBuilder(CBaseline.SLEEPER.toString()).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    /** A baseline that timed a child failing at once would look fast: the loop refuses it. */
    @ParameterizedTest
    @ValueSource(strings = {"vfork", "posix_spawn_pipes", "posix_spawn"})
    void aChildThatFailsFailsTheLoop(String way) throws Exception {
        CBaseline.Ran r = CBaseline.loop("3", way, "--child", "/bin/false");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.output()).contains("/bin/false did not exit with 0");
    }

    /** The figures of issue 3 run the old ways on /bin/true; the new option leaves them as they were. */
    @Test
    void theVforkWayStillRunsTrueByDefault(@TempDir Path tmp) throws Exception {
        Path samples = tmp.resolve("samples.txt");
        CBaseline.Ran r = CBaseline.loop("20", "vfork", "--samples", samples.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).startsWith("vfork             n=20 fds=0  mean ").doesNotContain("child");
        assertThat(Files.readAllLines(samples)).hasSize(20);
    }

    @Test
    void anUnknownWayIsAUsageError() throws Exception {
        CBaseline.Ran r = CBaseline.loop("3", "posix_spawn_pipez");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.output()).startsWith("usage: ").contains("posix_spawn_pipes", "--child PROGRAM");
    }

    @Test
    void theCLoopInAForkPassesTheChildLast() throws Exception {
        CBaseline.build();
        System.setProperty("vfork4j.bench.cLoop", CBaseline.LOOP.toString());
        System.setProperty("vfork4j.bench.cIterations", "7");
        try {
            List<String> command = CLoopInFork.of("posix_spawn_pipes", List.of("/x/sleep_5ms", "a b")).command();
            assertThat(command).containsExactly(CBaseline.LOOP.toString(), "7", "posix_spawn_pipes",
                "--child", "/x/sleep_5ms", "a b");
        } finally {
            System.clearProperty("vfork4j.bench.cLoop");
            System.clearProperty("vfork4j.bench.cIterations");
        }
    }
}
