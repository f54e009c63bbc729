package dev.vfork4j.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Mechanism;
import dev.vfork4j.cli.Invocation;
import dev.vfork4j.cli.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real, tiny bench runs: 64 MB worker JVMs, a handful of spawns each. What is checked is the
 * shape of what bench prints and writes, not the figures, which this shared machine makes noisy.
 */
class BenchCommandTest {

    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** What a tiny run should time: every mechanism available here, the JDK's three modes always. */
    static List<String> available() {
        return Arrays.stream(BenchMechanism.values())
            .filter(m -> m.isJdk() || m.vfork4j().isAvailable())
            .map(Enum::name).toList();
    }

    @Test
    void printsATableAndWritesTheCsvAndAPng(@TempDir Path dir) throws Exception {
        Invocation r = Invocation.execute("bench", "--quick", "--heaps", "64m", "--fds", "0,20", "--spawns", "5",
            "--warmup", "1", "--max-seconds", "0.1", "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();

        List<String> tableRows = r.out().lines().filter(l -> l.matches("\\| [A-Z_]+ \\|.*")).toList();
        assertThat(r.out()).contains("| mechanism | heap MB | open fds | spawns | mean µs | p50 µs | p99 µs |");
        assertThat(tableRows).hasSize(available().size() * 2);
        for (String mechanism : available()) {
            assertThat(r.out()).containsPattern("(?m)^\\| " + mechanism + " \\| 64 \\| 0 \\| [1-5] \\| \\d+ \\| \\d+ \\| \\d+ \\|")
                .containsPattern("(?m)^\\| " + mechanism + " \\| 64 \\| 20 \\| [1-5] \\|");
        }

        List<String> csv = Files.readAllLines(dir.resolve("spawn-latency.csv"));
        assertThat(csv.getFirst()).isEqualTo(LatencyTable.CSV_HEADER);
        assertThat(csv).hasSize(1 + available().size() * 2);
        assertThat(csv.get(1)).matches("[A-Z_]+,64,0,[1-5],\\d+,\\d+,\\d+,\\d+,\\d+,\\d+");
        assertThat(r.out()).contains("CSV: " + dir.resolve("spawn-latency.csv"))
            .contains("Chart: " + dir.resolve("spawn-latency.png").toAbsolutePath());

        assertIsPng(dir.resolve("spawn-latency.png"));
        assertThat(dir.resolve("workers.log")).isNotEmptyFile();

        // No terminal here: the progress bar is plain lines, without carriage returns or escapes.
        assertThat(r.err()).contains("bench 100%").doesNotContain("\r").doesNotContain("\u001b");
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonHasTheContractedShape(@TempDir Path dir) throws Exception {
        Invocation r = Invocation.execute("bench", "--json", "--heaps", "64m,96m", "--fds", "3",
            "--mechanisms", "posix_spawn,JDK_FORK", "--spawns", "4", "--warmup", "0", "--max-seconds", "0.1",
            "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();

        Map<String, Object> root = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(root).containsOnlyKeys("results", "chart");
        Path chart = Path.of((String) root.get("chart"));
        assertThat(chart).isAbsolute().isEqualTo(dir.resolve("spawn-latency.png").toAbsolutePath());
        assertIsPng(chart);

        List<Map<String, Object>> results = (List<Map<String, Object>>) root.get("results");
        assertThat(results).hasSize(4);
        for (Map<String, Object> row : results) {
            assertThat(row).containsOnlyKeys("mechanism", "heapMb", "openFds", "meanUs", "p50Us", "p99Us");
            assertThat(row.get("openFds")).isEqualTo(3L);
            assertThat((Long) row.get("meanUs")).isPositive();
            assertThat((Long) row.get("p50Us")).isPositive().isLessThanOrEqualTo((Long) row.get("p99Us"));
        }
        Set<String> cells = results.stream().map(row -> row.get("mechanism") + "@" + row.get("heapMb"))
            .collect(Collectors.toSet());
        assertThat(cells).containsExactlyInAnyOrder("POSIX_SPAWN@64", "POSIX_SPAWN@96", "JDK_FORK@64", "JDK_FORK@96");
    }

    @Test
    void aRelativeOutDirectoryIsPrintedAbsoluteForTheCsvTheChartAndTheLogAlike() throws Exception {
        // Relative to the working directory (cli/ under Maven), inside its target/.
        Path relative = Path.of("target", "bench-relative-out-" + ProcessHandle.current().pid());
        try {
            Invocation r = Invocation.execute("bench", "--heaps", "64m", "--fds", "3", "--mechanisms", "jdk_posix_spawn",
                "--spawns", "3", "--warmup", "0", "--max-seconds", "0.1", "--out", relative.toString());
            assertThat(r.code()).as(r.err()).isZero();
            Path dir = relative.toAbsolutePath().normalize();
            assertThat(r.out()).contains("\nCSV: " + dir.resolve("spawn-latency.csv") + "\n")
                .contains("\nChart: " + dir.resolve("spawn-latency.png") + "\n");
            assertThat(r.err()).contains("the workers' stderr is in " + dir.resolve("workers.log"));
            // One worker JVM, one row: no "1 worker JVMs".
            assertThat(r.out()).containsPattern("1 worker JVM in \\d+ s\\.");
            assertThat(r.err()).containsPattern("vfork4j bench: 1 row from 1 worker JVM in \\d+ s");
            assertThat(r.out() + r.err()).doesNotContainPattern("\\b1 (worker JVMs|rows|timed spawns)\\b");
        } finally {
            try (var files = Files.walk(relative)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void jdkRowsStartWithJdkAndTheOthersAreVfork4jMechanisms() {
        for (BenchMechanism m : BenchMechanism.values()) {
            if (m.isJdk()) {
                assertThat(m.name()).startsWith("JDK_");
            } else {
                assertThat(m.name()).isEqualTo(m.vfork4j().name()).isIn("VFORK", "POSIX_SPAWN", "FORK");
                assertThat(m.vfork4j()).isNotEqualTo(Mechanism.JDK);
            }
        }
    }

    static void assertIsPng(Path file) throws Exception {
        assertThat(file).isRegularFile();
        byte[] head = Arrays.copyOf(Files.readAllBytes(file), PNG_SIGNATURE.length);
        assertThat(head).as("PNG signature of " + file).isEqualTo(PNG_SIGNATURE);
    }
}
