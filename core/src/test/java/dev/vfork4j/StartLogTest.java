package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The record of a fresh JVM's first start (StartLog): the logger is looked up on a thread of
 * its own while the child is made, so the first spawn does not wait for the LoggerFinder; the
 * record is still written before start() returns, on the starting thread, and a LoggerFinder
 * that throws still fails that start and leaves no child. Each case runs {@link StartLogProbe}
 * in a JVM whose LoggerFinder is {@link StartLogProbe.Finder}.
 */
@Timeout(60)
class StartLogTest {

    private static Output probe(Path dir, boolean throwing, String... args) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve("java.lang.System$LoggerFinder"), StartLogProbe.Finder.class.getName() + "\n");
        List<String> jvm = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        if (throwing) {
            jvm.add("-Dstartlog.throw=true");
        }
        List<String> argv = ChildJvm.argv(jvm, StartLogProbe.class, args);
        int cp = argv.indexOf("-cp") + 1;
        argv.set(cp, dir + ":" + argv.get(cp));
        return ChildJvm.fresh(Command.of(argv)).output();
    }

    @Test
    void theFirstStartLooksTheLoggerUpOnAnotherThreadAndLogsBeforeReturning(@TempDir Path dir) throws Exception {
        Output out = probe(dir, false);
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        List<String> lines = out.stdoutText().lines().toList();
        assertThat(lines).as("the lookup is made off the starting thread").contains("lookupThread=vfork4j-logger-lookup");
        int record = lines.stream().filter(l -> l.startsWith("record=")).findFirst().map(lines::indexOf).orElse(-1);
        int started = lines.stream().filter(l -> l.startsWith("started=")).findFirst().map(lines::indexOf).orElse(-1);
        assertThat(record).as(out.stdoutText()).isNotNegative();
        assertThat(record).as("logged before start() returned").isLessThan(started);
        String pid = lines.get(started).substring("started=".length());
        assertThat(lines.get(record)).isEqualTo("record=DEBUG Command.start(): pid: " + pid
            + ", dir: null, cmd: \"true\" on main");
    }

    @ParameterizedTest
    @ValueSource(strings = {"VFORK", "POSIX_SPAWN"})
    void aLoggerFinderThatThrowsStillFailsTheFirstStartAndLeavesNoChild(String mechanism, @TempDir Path dir)
        throws Exception {
        Output out = probe(dir, true, mechanism);
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        assertThat(out.stdoutText()).contains("failure=java.lang.IllegalStateException: this LoggerFinder is broken")
            .doesNotContain("started=").contains("children=0");
    }
}
