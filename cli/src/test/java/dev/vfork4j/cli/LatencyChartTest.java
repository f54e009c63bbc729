package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyChartTest {

    static List<SpawnLatency> rows() {
        List<SpawnLatency> rows = new ArrayList<>();
        for (int fds : new int[] {10, 10_000}) {
            for (int heap : new int[] {256, 2048, 8192}) {
                for (BenchMechanism m : BenchMechanism.values()) {
                    long us = m == BenchMechanism.FORK || m == BenchMechanism.JDK_FORK ? 5L * heap : 600 + fds / 10;
                    rows.add(new SpawnLatency(m, heap, fds, 100, us + 50, us, 3 * us, heap + 60, heap * 2L, fds + 12));
                }
            }
        }
        return rows;
    }

    @Test
    void writesOnePanelPerFdCountAsAPng(@TempDir Path dir) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path png = dir.resolve("chart.png");
        LatencyChart.write(rows(), png);
        BenchCommandTest.assertIsPng(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        assertThat(image.getHeight()).isEqualTo(2 * 440);
    }

    @Test
    void tableAndCsvGroupByFdsThenMechanismThenHeap() {
        String md = LatencyTable.markdown(rows());
        List<String> lines = md.lines().toList();
        assertThat(lines.get(0)).startsWith("| mechanism | heap MB | open fds | spawns | mean µs | p50 µs | p99 µs |");
        assertThat(lines.get(2)).isEqualTo("| VFORK | 256 | 10 | 100 | 651 | 601 | 1803 | 316 | 512 |");
        assertThat(lines.get(3)).startsWith("| VFORK | 2048 | 10 |");
        assertThat(lines.get(5)).startsWith("| POSIX_SPAWN | 256 | 10 |");
        assertThat(lines).hasSize(2 + rows().size());

        List<String> csv = LatencyTable.csv(rows()).lines().toList();
        assertThat(csv.get(0)).isEqualTo(LatencyTable.CSV_HEADER);
        assertThat(csv.get(1)).isEqualTo("VFORK,256,10,100,651,601,1803,316,512,22");
        assertThat(csv.getLast()).startsWith("JDK_VFORK,8192,10000,");
    }
}
