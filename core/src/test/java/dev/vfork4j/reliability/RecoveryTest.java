package dev.vfork4j.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Mechanism;
import dev.vfork4j.SpawnException;
import dev.vfork4j.loop.LoopProbe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, "a transient failure is never cached for the JVM's life": a process or thread limit
 * met at a first use (the availability probe, the spawner thread) fails that spawn with a
 * SpawnException naming the errno, and the next spawn after the limit is raised works. Each
 * case runs {@link RecoveryProbe} in a disposable JVM placed in a pids cgroup of its own, which
 * the probe limits to the tasks it already has (cgroup pids.max holds for root too).
 */
@Tag("reliability")
@Timeout(120)
class RecoveryTest {

    static Stream<Arguments> firstSpawnCases() {
        return Stream.concat(FaultTest.nativeMechanisms().map(Mechanism::name), Stream.of("best"))
            .flatMap(m -> Stream.of(Arguments.of(m, false), Arguments.of(m, true)));
    }

    private static Map<String, String> inPidsGroup(String name, String... args) throws Exception {
        Path group = FaultTest.newPidsGroup("vfork4j-recovery-" + ProcessHandle.current().pid() + "-" + name, "max");
        try {
            String[] withGroup = Stream.concat(Stream.of(args), Stream.of(group.toString())).toArray(String[]::new);
            return FaultTest.probe(RecoveryProbe.class, "echo $$ > " + group.resolve("cgroup.procs"), withGroup);
        } finally {
            FaultTest.deleteWhenEmpty(group);
        }
    }

    /**
     * The first spawn of the JVM meets a pids limit: when the event loop's thread is to start
     * (it is started before the child is made), or, with the loop already running, at the
     * clone: for VFORK and FORK the first spawn's own clone, which tries the mechanism (no
     * probe child comes before it since issue 13). Before issue 12, VFORK and FORK were then
     * marked unavailable for the JVM's life, as "Linux 5.5 or newer is needed", and
     * Mechanism.best() settled on POSIX_SPAWN.
     */
    @ParameterizedTest(name = "{0}, loop started first: {1}")
    @MethodSource("firstSpawnCases")
    void eagainAtTheFirstSpawnFailsThatSpawnAndIsNotKept(String mechanism, boolean loopFirst) throws Exception {
        Map<String, String> f = inPidsGroup(mechanism + (loopFirst ? "-loop" : ""), "first-spawn", mechanism,
            loopFirst ? "loop-first" : "cold");
        String expectedStep = loopFirst ? "CLONE" : "EVENT_LOOP";
        boolean held = SpawnException.class.getName().equals(f.get("first")) && "EAGAIN".equals(f.get("firstErrno"))
            && SpawnException.class.getName().equals(f.get("second")) && "again".equals(f.get("after"))
            && "yes".equals(f.get("available"));
        Report.record("Faults", "EAGAIN at the first spawn of a JVM (pids.max = the tasks it has"
                + (loopFirst ? ", the event loop started before" : "") + "), twice; then the limit raised and a child "
                + "started", mechanism, Load.MODE, "pids.max=" + f.get("limit"),
            held ? "SpawnException, step " + f.get("firstStep") + ", errno EAGAIN, twice; not kept: spawns again and "
                + "the mechanism is available once the limit is raised" : "FAILED",
            "`" + f.get("firstMessage") + "`; while limited: " + f.get("reasonWhileLimited") + "; best while limited "
                + f.get("bestWhileLimited") + ", after " + f.get("best"));
        assertThat(f.get("first")).as(f.get("stdout")).isEqualTo(SpawnException.class.getName());
        assertThat(f.get("firstErrno")).isEqualTo("EAGAIN");
        assertThat(f.get("firstStep")).isEqualTo(expectedStep);
        assertThat(f.get("second")).as("the second spawn probes again").isEqualTo(SpawnException.class.getName());
        assertThat(f.get("secondErrno")).isEqualTo("EAGAIN");
        if (!mechanism.equals("POSIX_SPAWN")) {
            // The errno is the SpawnException's (firstErrno above); the message is a spawn's, never a verdict.
            assertThat(f.get("firstMessage")).contains("error: 11 ").doesNotContain("Linux 5.5");
            assertThat(f.get("reasonWhileLimited")).contains("EAGAIN").contains("probed again");
        }
        assertThat(f.get("bestWhileLimited")).isEqualTo(Mechanism.best().name());
        assertThat(f.get("after")).isEqualTo("again");
        assertThat(f.get("available")).isEqualTo("yes");
        assertThat(f.get("best")).isEqualTo(Mechanism.best().name());
        assertThat(f.get("children")).isEqualTo("0");
    }

    /**
     * The spawner thread that parentDeathSignal children are started from cannot be created
     * (pids limit): that spawn fails with a SpawnException saying so, and the next one, after
     * the limit is raised, starts the thread. Before, the thread was started in a static
     * initialiser, and every later parentDeathSignal spawn threw NoClassDefFoundError.
     */
    @Test
    void aSpawnerThreadThatCannotStartFailsThatSpawnOnly() throws Exception {
        assertThat(Mechanism.VFORK.isAvailable() || Mechanism.FORK.isAvailable()).isTrue();
        Map<String, String> f = inPidsGroup("spawner", "spawner");
        boolean held = SpawnException.class.getName().equals(f.get("first"))
            && SpawnException.class.getName().equals(f.get("second")) && "again".equals(f.get("after"));
        Report.record("Faults", "parentDeathSignal spawn while no thread can be created (pids.max = the tasks the JVM "
                + "has), twice; then the limit raised and a parentDeathSignal child started", Mechanism.best().name(),
            Load.MODE, "pids.max=" + f.get("limit"),
            held ? "SpawnException, step " + f.get("firstStep") + ", errno " + f.get("firstErrno") + ", twice; the "
                + "next spawn starts the spawner thread" : "FAILED",
            "`" + f.get("firstMessage") + "`; cause " + f.get("firstCause"));
        assertThat(f.get("first")).as(f.get("stdout")).isEqualTo(SpawnException.class.getName());
        assertThat(f.get("firstStep")).isEqualTo("PARENT_DEATH_SIGNAL");
        assertThat(f.get("firstErrno")).isEqualTo("EAGAIN");
        assertThat(f.get("firstMessage")).contains("vfork4j-spawner");
        assertThat(f.get("firstCause")).contains("OutOfMemoryError");
        assertThat(f.get("second")).isEqualTo(SpawnException.class.getName());
        assertThat(f.get("after")).isEqualTo("again");
        assertThat(f.get("children")).isEqualTo("0");
    }

    /**
     * A task, a deadline and an epoll handler on the loop throw (a RuntimeException, an Error, a
     * StackOverflowError), and the default uncaught-exception handler they are reported to
     * throws in turn. Before, the first such exception ended the loop thread, and every
     * output(), waitFor() and timeout in the JVM hung from then on without an error.
     */
    @Test
    void theLoopSurvivesWhatTasksHandlersAndAThrowingUncaughtExceptionHandlerThrow() throws Exception {
        Map<String, String> f = FaultTest.probe(LoopProbe.class, "true", "throwing-handler");
        boolean held = "4".equals(f.get("reported")) && "still served".equals(f.get("output"))
            && "3".equals(f.get("waitFor")) && "streamed".equals(f.get("stream"))
            && "ProcessTimeoutException".equals(f.get("timeout"));
        Report.record("Faults", "a task, a deadline and an epoll handler on the event loop throw, and the default "
                + "uncaught-exception handler throws too; then output(), waitFor(), a stream, a timeout",
            Mechanism.best().name(), Load.MODE, "4 throws on vfork4j-loop",
            held ? "every throw reported, the loop serves on" : "FAILED",
            "reported " + f.get("reported") + "; output `" + f.get("output") + "`; waitFor " + f.get("waitFor")
                + "; timeout " + f.get("timeout"));
        assertThat(f.get("reported")).as(f.get("stdout")).isEqualTo("4");
        assertThat(f.get("output")).isEqualTo("still served");
        assertThat(f.get("waitFor")).isEqualTo("3");
        assertThat(f.get("stream")).isEqualTo("streamed");
        assertThat(f.get("timeout")).isEqualTo("ProcessTimeoutException");
    }

    /**
     * The loop thread dies all the same (epoll_wait fails, as if its epoll fd were gone): a
     * waitFor(), a blocking read and write on a child's pipes, an output() with a pending
     * timeout and a stdin buffer being fed each fail with an exception (the exits and the
     * read say the loop died), instead of waiting forever; later calls on those children end
     * too; and new children are served by a new loop.
     */
    @Test
    void aLoopThatDiesFailsWhatWaitsOnItAndANewLoopServesNewChildren() throws Exception {
        Map<String, String> f = FaultTest.probe(LoopProbe.class, "true", "death");
        List<String> waits = List.of("waitFor", "blockingRead", "capture", "feed", "waitForAgain");
        boolean held = waits.stream().allMatch(k -> f.get(k).contains("died")) && "true".equals(f.get("newLoop"))
            && f.get("blockingWrite").startsWith("IOException") && !f.get("readAgain").equals("hung")
            && "again".equals(f.get("after")) && "ProcessTimeoutException".equals(f.get("afterWithTimeout"));
        Report.record("Faults", "the event loop thread dies (epoll_wait fails) while children wait on it: waitFor, "
                + "blocking read and write, output() with a timeout, a stdin buffer; then the same calls again, and new "
                + "children", Mechanism.best().name(), Load.MODE, "1 loop death",
            held ? "every wait fails with the loop's death, later calls too; a new loop serves new children" : "FAILED",
            waits.stream().map(k -> k + ": " + f.get(k).replaceAll(":.*", "")).reduce((a, b) -> a + ", " + b).orElse(""));
        for (String wait : waits) {
            assertThat(f.get(wait)).as(wait + "\n" + f.get("stdout")).contains("died").isNotEqualTo("hung");
        }
        assertThat(f.get("waitFor")).startsWith("IllegalStateException");
        assertThat(f.get("blockingRead")).startsWith("IOException");
        // The failed exit closes the child's stdin stream as an exit does: the writer gets "Stream closed".
        assertThat(f.get("blockingWrite")).startsWith("IOException");
        // ... and keeps what stdout holds, so a later read ends (end of stream) rather than waiting.
        assertThat(f.get("readAgain")).isNotEqualTo("hung");
        assertThat(f.get("newLoop")).isEqualTo("true");
        assertThat(f.get("after")).isEqualTo("again");
        assertThat(f.get("afterWithTimeout")).isEqualTo("ProcessTimeoutException");
    }

    @AfterAll
    static void report() {
        Report.flush("Faults");
    }
}
