package dev.vfork4j.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.cli.Invocation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad bench usage: exit 2 and a message naming what is valid, before any worker JVM starts. */
class BenchUsageTest {

    private static Invocation usage(String... args) {
        Invocation r = Invocation.execute(args);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        return r;
    }

    @Test
    void malformedHeapSizeNamesTheForm() {
        assertThat(usage("bench", "--heaps", "12q").err())
            .contains("'12q' is not a heap size", "a number with m or g", "256m", "64m to 8g");
        usage("bench", "--heaps", "256");
        usage("bench", "--heaps", "256m,,2g");
    }

    @Test
    void heapOutsideTheRangeIsRefused() {
        assertThat(usage("bench", "--heaps", "16g").err()).contains("'16g' is out of range", "64m to 8g");
        usage("bench", "--heaps", "32m");
    }

    @Test
    void unknownMechanismListsTheValidOnes() {
        assertThat(usage("bench", "--mechanisms", "VFORK,SPOON").err())
            .contains("'SPOON' is not a mechanism", "VFORK, POSIX_SPAWN, FORK, JDK_POSIX_SPAWN, JDK_FORK, JDK_VFORK");
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertThat(usage("bench", "--frob").err()).isEqualTo("vfork4j: unknown option '--frob'\nTry 'vfork4j bench --help'.\n");
    }

    @Test
    void fdCountsOutsideTheLimitAreRefused() {
        assertThat(usage("bench", "--fds", "-1").err()).contains("--fds -1 is out of range: from 0 to");
        assertThat(usage("bench", "--fds", "10,99999999").err()).contains("the open-files limit");
        assertThat(usage("bench", "--fds", "ten").err()).contains("'ten' is not an int");
    }

    @Test
    void countsAndTimesOutsideTheirRangesAreRefused() {
        assertThat(usage("bench", "--spawns", "0").err()).contains("--spawns must be from 1 to 100000, not 0");
        assertThat(usage("bench", "--warmup", "-3").err()).contains("--warmup must be from 0 to 10000");
        assertThat(usage("bench", "--max-seconds", "0").err()).contains("--max-seconds must be from 0.05 to 600");
    }

    @Test
    void anOutputDirectoryThatCannotBeMadeIsAUsageError(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "");
        assertThat(usage("bench", "--quick", "--out", file.resolve("sub").toString()).err())
            .contains("--out " + file.resolve("sub") + " cannot be used as a directory");
    }

    @Test
    void helpNamesTheOptionsAndExitCodes() {
        Invocation r = Invocation.execute("bench", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: vfork4j bench", "--quick", "--heaps", "--fds", "--mechanisms",
            "--spawns", "--json", "--out", "Exit codes:");
    }
}
