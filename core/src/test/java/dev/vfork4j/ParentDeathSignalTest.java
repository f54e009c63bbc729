package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * parentDeathSignal means "when this JVM dies": the child outlives the short-lived thread that
 * started it, and dies with the JVM.
 */
@Timeout(60)
class ParentDeathSignalTest {

    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.POSIX_SPAWN);
    }

    /** Running: exists and is not a zombie. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void childOutlivesItsThreadAndDiesWithTheJvm(Mechanism m) throws Exception {
        Child jvm = Command.of(ChildJvm.argv(List.of("--enable-native-access=ALL-UNNAMED"), DeathSignalProbe.class, m.name()))
            .stderr(Redirect.INHERIT).start();
        long child;
        try {
            BufferedReader out = jvm.inputReader();
            String first = out.readLine();
            assertThat(first).startsWith("child=");
            child = Long.parseLong(first.substring(6));
            assertThat(out.readLine()).isEqualTo("thread-ended");
            Thread.sleep(300);
            assertThat(running(child)).as("the child outlives the thread that started it").isTrue();
        } finally {
            jvm.destroyForcibly();
            jvm.waitFor();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (running(child) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(running(child)).as("the child dies with the JVM").isFalse();
    }
}
