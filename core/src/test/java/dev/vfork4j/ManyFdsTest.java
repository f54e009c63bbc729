package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.linux.Linux;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A JVM with 10,000 open fds: a child whose standard streams are pipes or files opened above
 * them copies only the low part of the fd table (the spawn lends it low slots, see
 * spawn.LowFds). What the kernel gave the child is read from its /proc/self/status: FDSize is
 * the size of its fd table, 64 when nothing above fd 63 was copied into it, 10,000 or more when
 * the whole table was.
 */
@Timeout(120)
class ManyFdsTest {
    private static final int MANY = 10_000;
    private static final String SLOT_LINK = "/memfd:vfork4j-fd-slot";

    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m == Mechanism.VFORK || m == Mechanism.FORK);
    }

    @TempDir
    Path dir;

    private final List<Integer> opened = new ArrayList<>();

    /** Opens {@code count} more fds, above every fd open now. */
    private void openMany(int count) throws Exception {
        assumeTrue(FdLimitTest.softLimit() > FdLeakTest.openFds() + count + 100L,
            "RLIMIT_NOFILE leaves no room for " + count + " more fds");
        int devNull = Posix.open("/dev/null", Linux.O_RDONLY, 0);
        opened.add(devNull);
        for (int i = 1; i < count; i++) {
            opened.add(Posix.dupCloexec(devNull, 3));
        }
    }

    @AfterEach
    void closeMany() {
        opened.forEach(Posix::close);
        opened.clear();
    }

    private static int fdSize(String status) {
        return status.lines().filter(l -> l.startsWith("FDSize:")).findFirst()
            .map(l -> Integer.parseInt(l.substring("FDSize:".length()).trim())).orElseThrow();
    }

    /**
     * The fds of this JVM that refer to the spawn's memfd, by its name: the memfd itself (the
     * lowest, made first) and the three slots.
     */
    static List<Integer> slots() throws IOException {
        List<Integer> slots = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith(SLOT_LINK)) {
                        slots.add(Integer.parseInt(fd.getFileName().toString()));
                    }
                } catch (IOException closedMeanwhile) {
                    // the listing's own fd, or one closed since
                }
            }
        }
        return slots;
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aChildWithPipesGetsASmallFdTable(Mechanism m) throws Exception {
        Command c = Command.of("cat", "/proc/self/status").mechanism(m);
        c.output(); // the slots are taken at the first spawn, before the many fds
        openMany(MANY);
        Output out = c.stdin(ByteBuffer.wrap(new byte[] {1})).output();
        assertThat(out.status().code()).isZero();
        assertThat(out.incomplete()).as("the pipes reached their end at the exit").isFalse();
        assertThat(fdSize(out.stdoutText())).as("the child's fd table size").isLessThanOrEqualTo(64);
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void aChildWithFilesAndAPipelineStageGetsASmallFdTable(Mechanism m) throws Exception {
        Command.of("true").mechanism(m).output();
        openMany(MANY);
        Path in = Files.writeString(dir.resolve("in"), "x");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        int code = Command.of("cat", "/proc/self/status").mechanism(m)
            .stdin(Redirect.from(in)).stdout(Redirect.to(out)).stderr(Redirect.to(err)).run().code();
        assertThat(code).isZero();
        assertThat(fdSize(Files.readString(out))).as("files opened above 10,000 fds").isLessThanOrEqualTo(64);

        Output piped = Pipeline.of(Command.of("cat", "/proc/self/status").mechanism(m),
            Command.of("grep", "FDSize").mechanism(m)).output();
        assertThat(fdSize(piped.stdoutText())).as("the second stage, its stdin the first's pipe").isLessThanOrEqualTo(64);
    }

    @Test
    void theSlotsReferToTheMemfdAgainAfterEachSpawnSoNoPipeEndOutlivesIt() throws Exception {
        Command.of("true").output();
        openMany(MANY);
        for (int i = 0; i < 50; i++) {
            Output out = Command.of("head", "-c", "5").stdin(ByteBuffer.wrap("hello world".getBytes(StandardCharsets.UTF_8))).output();
            assertThat(out.stdoutText()).isEqualTo("hello");
            assertThat(out.incomplete()).isFalse();
        }
        assertThat(slots()).as("the memfd and three slots, each the memfd again").hasSize(4);
    }

    @Test
    void aSlotClosedBehindTheLibrarysBackIsNeverWrittenOver() throws Exception {
        Command.of("true").output();
        List<Integer> slots = slots();
        assertThat(slots).hasSize(4);
        int stolen = slots.stream().mapToInt(Integer::intValue).max().orElseThrow(); // a slot, not the memfd
        // Someone closes a slot, and the number goes to one of their files.
        Path theirs = Files.writeString(dir.resolve("theirs"), "their file");
        int file = Posix.open(theirs.toString(), Linux.O_RDONLY, 0);
        Posix.dup3Cloexec(file, stolen);
        Posix.close(file);
        try {
            openMany(MANY); // so the spawn's pipes are above the slots and it wants them
            Output out = Command.of("cat", "/proc/self/status").output();
            assertThat(out.status().code()).isZero();
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + stolen))).as("their fd is still their file")
                .isEqualTo(theirs.toRealPath());
            assertThat(slots()).as("the set was given up, the slots still the library's closed").isEmpty();

            closeMany(); // low numbers free again: the next spawn makes a new set
            Output again = Command.of("cat", "/proc/self/status").output();
            assertThat(again.status().code()).isZero();
            assertThat(slots()).hasSize(4).doesNotContain(stolen);
        } finally {
            Posix.close(stolen);
        }
    }

    @Test
    void theMemfdClosedBehindTheLibrarysBackIsNeverCopiedOntoASlot() throws Exception {
        Command.of("true").output();
        List<Integer> slots = slots();
        assertThat(slots).hasSize(4);
        int stolen = slots.stream().mapToInt(Integer::intValue).min().orElseThrow(); // the memfd, made first
        Path theirs = Files.writeString(dir.resolve("theirs"), "their file");
        int file = Posix.open(theirs.toString(), Linux.O_RDONLY, 0);
        Posix.dup3Cloexec(file, stolen);
        Posix.close(file);
        try {
            openMany(MANY);
            Output out = Command.of("head", "-c", "2").stdin(ByteBuffer.wrap("hi there".getBytes(StandardCharsets.UTF_8)))
                .output();
            assertThat(out.stdoutText()).isEqualTo("hi");
            assertThat(out.incomplete()).as("the slots let go of the pipes").isFalse();
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + stolen))).as("their fd is still their file")
                .isEqualTo(theirs.toRealPath());
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                long onTheirFile = fds.filter(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).equals(theirs.toRealPath());
                    } catch (IOException e) {
                        return false;
                    }
                }).count();
                assertThat(onTheirFile).as("no slot was pointed at their file").isEqualTo(1);
            }
            assertThat(slots()).as("the set was given up").isEmpty();
            closeMany();
            assertThat(Command.of("true").run().code()).isZero();
            assertThat(slots()).as("a new set at the next spawn").hasSize(4);
        } finally {
            Posix.close(stolen);
        }
    }

    @Test
    void concurrentSpawnsShareTheSlotsWithoutMixingUpTheirStreams() throws Exception {
        Command.of("true").output();
        openMany(MANY);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        String word = "t" + thread + "-" + i;
                        Output out = Command.of("sh", "-c", "cat; echo err-$1 >&2", "sh", word)
                            .stdin(ByteBuffer.wrap(word.getBytes(StandardCharsets.UTF_8))).output();
                        assertThat(out.stdoutText()).isEqualTo(word);
                        assertThat(out.stderrText()).isEqualTo("err-" + word + "\n");
                        assertThat(out.incomplete()).isFalse();
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(slots()).hasSize(4);
    }
}
