package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
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
        Child jvm = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED"), DeathSignalProbe.class, m.name())
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

    /** True when some thread of this JVM is inside Posix.open now (blocked opening a FIFO). */
    private static boolean someThreadIsOpening() {
        return Thread.getAllStackTraces().values().stream().anyMatch(stack -> Stream.of(stack)
            .anyMatch(f -> f.getClassName().equals("dev.vfork4j.linux.Posix") && f.getMethodName().equals("open")));
    }

    /**
     * One parentDeathSignal spawn whose stdin is a FIFO nobody writes to blocks in open(2);
     * the other parentDeathSignal spawns must not queue behind it. Before, the redirect files
     * were opened on the one spawner thread, and every parentDeathSignal spawn in the JVM
     * waited until a writer came.
     */
    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aSpawnBlockedOpeningAFifoDoesNotHoldUpOtherParentDeathSignalSpawns(Mechanism m, @TempDir Path dir)
        throws Exception {
        Path fifo = dir.resolve("fifo");
        Command.of("mkfifo", fifo.toString()).run();
        CompletableFuture<String> blocked = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try {
                blocked.complete(Command.of("cat").mechanism(m).stdin(Redirect.from(fifo))
                    .parentDeathSignal(Signal.SIGKILL).output().stdoutText());
            } catch (Throwable t) {
                blocked.completeExceptionally(t);
            }
        });
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!someThreadIsOpening() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(someThreadIsOpening()).as("the FIFO's open is blocked").isTrue();
            CompletableFuture<List<String>> others = CompletableFuture.supplyAsync(() -> Stream.of("a", "b", "c")
                .map(word -> {
                    try {
                        return Command.of("echo", word).mechanism(m).parentDeathSignal(Signal.SIGKILL).output()
                            .stdoutText().strip();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList());
            assertThat(others.get(30, TimeUnit.SECONDS)).as("the other spawns did not wait for the FIFO's writer")
                .containsExactly("a", "b", "c");
            assertThat(blocked).isNotDone();
        } finally {
            try (OutputStream writer = Files.newOutputStream(fifo)) { // the writer the blocked open waits for
                writer.write("late\n".getBytes());
            }
        }
        assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo("late\n");
    }
}
