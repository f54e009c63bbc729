package dev.vfork4j.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.Command;
import dev.vfork4j.Redirect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KernelExitsTest {
    @Test
    void secondsWithNineDecimalsAreReadExactly() {
        assertThat(KernelExits.nanos("27441.282226479")).isEqualTo(27_441_282_226_479L);
        assertThat(KernelExits.nanos("0.000000001")).isEqualTo(1L);
        assertThat(KernelExits.nanos("5.1")).isEqualTo(5_100_000_000L); // fewer decimals: a fraction, not a count of ns
    }

    @Test
    void perfScriptLinesGiveEachPidsExitsInOrder() {
        KernelExits.Exits exits = KernelExits.parse("""
             27487 27441.282226479:\s
               812 27441.300000000:
             27487 27450.000000005:
            'trace' not valid for hardware events. Ignoring.
            """);
        assertThat(exits.at()).containsOnlyKeys(27487L, 812L);
        assertThat(exits.at().get(27487L)).isEqualTo(List.of(27_441_282_226_479L, 27_450_000_000_005L));
        // a recycled pid: the exit asked for is the first at or after the given instant
        assertThat(exits.of(27487, 0)).isEqualTo(27_441_282_226_479L);
        assertThat(exits.of(27487, 27_441_282_226_480L)).isEqualTo(27_450_000_000_005L);
        assertThat(exits.of(27487, 27_450_000_000_006L)).isEqualTo(-1);
        assertThat(exits.of(1, 0)).isEqualTo(-1);
    }

    @Test
    void theKernelsNoticeOfARealExitLiesBetweenTheSpawnAndItsDetection() throws Exception {
        KernelExits.Result r = KernelExits.start();
        assumeTrue(r.get().isPresent(), () -> "perf cannot trace here: " + r.whyNot());
        long before = System.nanoTime();
        var child = Command.of("true").stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).start();
        child.waitFor();
        long after = System.nanoTime();
        KernelExits.Exits exits = r.get().orElseThrow().stop();
        long noticed = exits.of(child.pid(), before);
        assertThat(noticed).isBetween(before, after);
    }

    @Test
    void aRecordingClosedWithoutBeingReadStopsPerfAndRemovesItsFile() throws Exception {
        KernelExits.Result r = KernelExits.start();
        assumeTrue(r.get().isPresent(), () -> "perf cannot trace here: " + r.whyNot());
        KernelExits recording = r.get().orElseThrow();
        assertThat(recording.recording()).isTrue();
        assertThat(recording.data()).exists();
        recording.close();
        assertThat(recording.recording()).isFalse();
        assertThat(recording.data()).doesNotExist();
        recording.close(); // twice is harmless
    }

    /** A missing perf or mkfifo: the reason is given (the tables print it), and no file is left. */
    @ParameterizedTest
    @CsvSource({"/nonexistent/perf, mkfifo, perf", "perf, /nonexistent/mkfifo, mkfifo"})
    void aMissingProgramGivesTheReasonAndLeavesNoFile(String perf, String mkfifo, String missing) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> before = exitsFiles(tmp);
        KernelExits.Result r = KernelExits.start(perf, mkfifo);
        assertThat(r.get()).isEmpty();
        assertThat(r.whyNot()).startsWith(missing + " cannot be started: ").contains("/nonexistent/" + missing);
        IOException e = assertThrows(IOException.class, r::orThrow);
        assertThat(e).hasMessage(r.whyNot());
        assertThat(exitsFiles(tmp)).isEqualTo(before);
    }

    private static Set<Path> exitsFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("vfork4j-exits")).collect(Collectors.toSet());
        }
    }
}
