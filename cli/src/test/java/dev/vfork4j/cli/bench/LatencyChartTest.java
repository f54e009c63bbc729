package dev.vfork4j.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
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
    void theHeapAxisSpansTheHeapsMeasuredNotZeroToTheLargest() {
        for (XYChart panel : LatencyChart.panels(rows())) {
            assertThat(panel.getStyler().getXAxisMin()).as("x from").isEqualTo(256.0);
            assertThat(panel.getStyler().getXAxisMax()).as("x to").isEqualTo(8192.0);
        }
        List<SpawnLatency> quick = rows().stream().filter(r -> r.heapMb() <= 2048).toList();
        assertThat(LatencyChart.panels(quick).getFirst().getStyler().getXAxisMin()).isEqualTo(256.0);
        List<SpawnLatency> oneHeap = rows().stream().filter(r -> r.heapMb() == 2048).toList();
        assertThat(LatencyChart.panels(oneHeap).getFirst().getStyler().getXAxisMin()).isBetween(1024.0, 2047.0);
    }

    @Test
    void theLogAxisHasAtLeastThreeLabelsWhenTheDataStayNearOnePowerOfTen() {
        // Medians from 600 to 900 µs: one power of ten (1,000) near them, which was the only
        // label of the axis when only powers of ten were labelled.
        for (long[] medians : new long[][] {{600, 700, 900}, {1_200, 4_000, 8_000}, {480, 9_000, 45_000}}) {
            List<SpawnLatency> rows = new ArrayList<>();
            for (int i = 0; i < medians.length; i++) {
                rows.add(new SpawnLatency(BenchMechanism.VFORK, 256 << i, 10, 100, medians[i], medians[i],
                    medians[i] * 2, 300, 400, 22));
            }
            for (XYChart panel : LatencyChart.panels(rows)) {
                double from = panel.getStyler().getYAxisMin();
                double to = panel.getStyler().getYAxisMax();
                assertThat(from).isLessThan(medians[0]);
                assertThat(to).isGreaterThan(medians[2]);
                List<Double> labels = labelsOf(panel);
                assertThat(labels).as("labels of the axis from %s to %s", from, to).hasSizeGreaterThanOrEqualTo(3);
                assertThat(labels).as("labels of a log axis that spans %s decades", Math.log10(to / from))
                    .hasSizeLessThanOrEqualTo(10);
            }
        }
        for (XYChart panel : LatencyChart.panels(rows())) {
            assertThat(labelsOf(panel)).contains(1_000.0, 10_000.0);
        }
    }

    @Test
    void latencyAxisChoosesItsLabels() {
        // Inside a decade: every step labelled (500 to 900 and 1,000).
        LatencyChart.LatencyAxis narrow = LatencyChart.LatencyAxis.around(600, 900);
        assertThat(narrow.decadesOnly()).isFalse();
        assertThat(narrow.labels()).containsExactly(500.0, 600.0, 700.0, 800.0, 900.0, 1_000.0);
        // Three powers of ten inside the data's range: those, and the range stays the data's.
        LatencyChart.LatencyAxis wide = LatencyChart.LatencyAxis.around(623, 382_976);
        assertThat(wide.decadesOnly()).isTrue();
        assertThat(wide.labels()).containsExactly(1_000.0, 10_000.0, 100_000.0);
        assertThat(wide.min()).isBetween(400.0, 623.0);
        // Between the two (two powers of ten inside, more than a decade wide): whole decades.
        assertThat(LatencyChart.LatencyAxis.around(480, 45_000))
            .isEqualTo(new LatencyChart.LatencyAxis(100, 100_000, true));
        assertThat(LatencyChart.LatencyAxis.around(1_200, 95_000).labels()).hasSizeGreaterThanOrEqualTo(3);
    }

    /** The labels XChart 3.8.8 draws on the panel's log axis. */
    private static List<Double> labelsOf(XYChart panel) {
        return new LatencyChart.LatencyAxis(panel.getStyler().getYAxisMin(), panel.getStyler().getYAxisMax(),
            panel.getStyler().isYAxisLogarithmicDecadeOnly()).labels();
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
