package dev.vfork4j.ballast;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ballast is what it says: half the heap, every page written, still live after a collection,
 * and the flags make the heap resident before {@code main}. Checked in disposable JVMs of a
 * 128 MiB heap, whose resident size ({@code VmRSS}) is their own alone.
 */
class HeapBallastTest {

    private static final long MIB = 1 << 20;
    private static final int HEAP_MB = 128;

    @Test
    void jvmFlagsFixTheHeapSizeAndPreTouchIt() {
        assertThat(HeapBallast.jvmFlags(2048)).containsExactly("-Xms2048m", "-Xmx2048m", "-XX:+AlwaysPreTouch");
        assertThatThrownBy(() -> HeapBallast.jvmFlags(0))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("heapMb must be positive, not 0");
    }

    @Test
    void everyPageOfEveryArrayIsWritten() {
        HeapBallast ballast = HeapBallast.fill(8 * MIB + 1);
        assertThat(ballast.chunks()).as("8 MiB and a byte, in whole arrays").hasSize(33);
        assertThat(ballast.bytes()).isEqualTo(33L * HeapBallast.CHUNK_BYTES);
        assertThat(HeapBallast.CHUNK_BYTES).as("not humongous in G1's smallest region").isLessThanOrEqualTo(512 << 10);
        for (byte[] chunk : ballast.chunks()) {
            assertThat(chunk).hasSize(HeapBallast.CHUNK_BYTES);
            for (int page = 0; page < chunk.length; page += HeapBallast.PAGE_BYTES) {
                assertThat(chunk[page]).as("byte %d", page).isEqualTo((byte) 1);
            }
        }
    }

    @Test
    void thePreTouchedHeapIsResidentBeforeMain() throws Exception {
        Map<String, Long> preTouched = parent(HeapBallast.jvmFlags(HEAP_MB));
        assertThat(preTouched.get("rssAtStartKb")).as("VmRSS at main, pre-touched").isGreaterThanOrEqualTo(HEAP_MB * 1024L);
        // The same heap without the flag is mostly untouched at main: the check above can fail.
        Map<String, Long> untouched = parent(List.of("-Xms" + HEAP_MB + "m", "-Xmx" + HEAP_MB + "m"));
        assertThat(untouched.get("rssAtStartKb")).as("VmRSS at main, not pre-touched").isLessThan(HEAP_MB * 1024L);
    }

    @Test
    void theBallastIsHalfTheHeapWrittenAndLive() throws Exception {
        // Not pre-touched, so the pages the ballast makes resident show in VmRSS.
        Map<String, Long> p = parent(List.of("-Xms" + HEAP_MB + "m", "-Xmx" + HEAP_MB + "m"));
        long half = p.get("maxMemory") / 2;
        long chunks = (half + HeapBallast.CHUNK_BYTES - 1) / HeapBallast.CHUNK_BYTES;
        assertThat(p.get("ballastBytes")).isEqualTo(chunks * HeapBallast.CHUNK_BYTES);
        assertThat(p.get("heapUsedAfterGc")).as("live after another full collection").isGreaterThanOrEqualTo(p.get("ballastBytes"));
        // The pages the JVM touched before main (a few MiB of young generation) may hold ballast too.
        assertThat((p.get("rssAfterKb") - p.get("rssAtStartKb")) * 1024).as("VmRSS growth")
            .isGreaterThanOrEqualTo(p.get("ballastBytes") * 3 / 4);
    }

    /** Runs {@link Parent} with {@code jvmFlags} and returns what it reported. */
    private static Map<String, Long> parent(List<String> jvmFlags) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Parent.class.getName()));
        Path out = Files.createTempFile("heap-ballast", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("the parent JVM did not exit within 60 s: " + command);
            }
            String text = Files.readString(out, UTF_8);
            assertThat(p.exitValue()).as(text).isZero();
            Map<String, Long> values = new HashMap<>();
            text.lines().filter(l -> l.matches("\\w+=\\d+")).forEach(l -> {
                String[] kv = l.split("=");
                values.put(kv[0], Long.parseLong(kv[1]));
            });
            assertThat(values).as(text).containsKeys("rssAtStartKb", "maxMemory", "ballastBytes", "rssAfterKb", "heapUsedAfterGc");
            return values;
        } finally {
            Files.delete(out);
        }
    }

    /** The parent JVM: its size at main, then with the ballast filled. */
    static final class Parent {
        private Parent() {}

        public static void main(String[] args) throws IOException {
            long rssAtStart = vmRssKb();
            HeapBallast ballast = HeapBallast.fillHalfTheHeap();
            long rssAfter = vmRssKb();
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long used = rt.totalMemory() - rt.freeMemory();
            System.out.println("rssAtStartKb=" + rssAtStart);
            System.out.println("maxMemory=" + rt.maxMemory());
            System.out.println("ballastBytes=" + ballast.bytes());
            System.out.println("rssAfterKb=" + rssAfter);
            System.out.println("heapUsedAfterGc=" + used);
            // Read after the collection and the figures, so the ballast was live through both.
            System.out.println("chunks=" + ballast.chunks().size());
        }

        private static long vmRssKb() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IOException("no VmRSS in /proc/self/status");
        }
    }
}
