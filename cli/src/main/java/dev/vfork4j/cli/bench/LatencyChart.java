package dev.vfork4j.cli.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code bench}'s PNG: median spawn + wait latency against the parent's heap size, one line
 * per mechanism, one panel per fd count, one above the other, on the same latency scale. vfork4j's
 * mechanisms are solid lines, the JDK's dashed, each fork-based one in a warm colour.
 */
final class LatencyChart {
    private LatencyChart() {}

    private static final int PANEL_WIDTH = 1000;
    private static final int PANEL_HEIGHT = 440;

    private record Look(String label, Color color, Marker marker, BasicStroke line) {}

    private static final Map<BenchMechanism, Look> LOOKS = new EnumMap<>(Map.of(
        BenchMechanism.VFORK, new Look("VFORK (vfork4j)", new Color(0x1b9e77), SeriesMarkers.CIRCLE, SeriesLines.SOLID),
        BenchMechanism.POSIX_SPAWN, new Look("POSIX_SPAWN (vfork4j)", new Color(0x1f5fbf), SeriesMarkers.SQUARE, SeriesLines.SOLID),
        BenchMechanism.FORK, new Look("FORK (vfork4j)", new Color(0xd62728), SeriesMarkers.DIAMOND, SeriesLines.SOLID),
        BenchMechanism.JDK_POSIX_SPAWN,
            new Look("JDK_POSIX_SPAWN (JDK default)", new Color(0x7b3294), SeriesMarkers.TRIANGLE_UP, SeriesLines.DASH_DASH),
        BenchMechanism.JDK_FORK, new Look("JDK_FORK", new Color(0xff7f0e), SeriesMarkers.TRIANGLE_DOWN, SeriesLines.DASH_DASH),
        BenchMechanism.JDK_VFORK, new Look("JDK_VFORK (deprecated)", new Color(0x6b6b6b), SeriesMarkers.CIRCLE, SeriesLines.DASH_DASH)));

    /** Writes the chart of {@code rows} (at least one) to {@code png}. */
    static void write(List<SpawnLatency> rows, Path png) throws IOException {
        List<XYChart> panels = panels(rows);
        // One above the other: the heap axes line up, and each panel keeps its legend beside it.
        BitmapEncoder.saveBitmap(panels, panels.size(), 1, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** One panel per fd count, in ascending order, each with a line per mechanism. */
    static List<XYChart> panels(List<SpawnLatency> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows to chart");
        }
        TreeSet<Integer> fdCounts = new TreeSet<>();
        TreeSet<Integer> heaps = new TreeSet<>();
        long lowest = Long.MAX_VALUE;
        long highest = 1;
        for (SpawnLatency r : rows) {
            fdCounts.add(r.openFds());
            heaps.add(r.heapMb());
            lowest = Math.min(lowest, Math.max(1, r.p50Us()));
            highest = Math.max(highest, r.p50Us());
        }
        // The same latency range in every panel, so that panels compare by eye.
        LatencyAxis latency = LatencyAxis.around(lowest, highest);
        List<XYChart> panels = new ArrayList<>();
        for (int fds : fdCounts) {
            XYChart chart = panel(fds, heaps.first(), heaps.last());
            chart.getStyler().setYAxisMin(latency.min()).setYAxisMax(latency.max())
                .setYAxisLogarithmicDecadeOnly(latency.decadesOnly());
            for (BenchMechanism m : BenchMechanism.values()) {
                List<SpawnLatency> line = rows.stream()
                    .filter(r -> r.openFds() == fds && r.mechanism() == m)
                    .sorted(SpawnLatency.TABLE_ORDER).toList();
                if (line.isEmpty()) {
                    continue;
                }
                Look look = LOOKS.get(m);
                XYSeries s = chart.addSeries(look.label(),
                    line.stream().map(SpawnLatency::heapMb).toList(),
                    line.stream().map(SpawnLatency::p50Us).toList());
                s.setLineColor(look.color());
                s.setMarkerColor(look.color());
                s.setMarker(look.marker());
                s.setLineStyle(look.line());
            }
            panels.add(chart);
        }
        return panels;
    }

    /**
     * The latency axis: logarithmic, with at least three labels. XChart 3.8.8 labels a log axis
     * either at its powers of ten only or at every 1 to 9 times a power of ten (a label
     * function would turn its log axis linear). Powers of ten alone gave a single label when the
     * medians stayed near one of them; all nine crowd each other once the axis spans a decade
     * or more. So: the data's own range (with room for the markers) when it holds three powers
     * of ten, labelled at those; the same range labelled at every step when it is less than a
     * decade wide; otherwise the whole decades around the data, two or more of them.
     *
     * @param min         the bottom of the axis
     * @param max         the top
     * @param decadesOnly whether only powers of ten are labelled
     */
    record LatencyAxis(double min, double max, boolean decadesOnly) {

        /** Room above and below the extreme medians, as a factor, so no marker sits on the edge. */
        private static final double MARGIN = 1.25;

        /** The values XChart labels on this axis. */
        List<Double> labels() {
            List<Double> labels = new ArrayList<>();
            for (int k = (int) Math.floor(Math.log10(min)); k <= (int) Math.ceil(Math.log10(max)); k++) {
                for (int d = 1; d <= (decadesOnly ? 1 : 9); d++) {
                    double v = d * Math.pow(10, k);
                    if (v >= min * 0.999999 && v <= max * 1.000001) {
                        labels.add(v);
                    }
                }
            }
            return labels;
        }

        /** The axis for medians from {@code lowest} to {@code highest} µs. */
        static LatencyAxis around(double lowest, double highest) {
            double from = lowest / MARGIN;
            double to = highest * MARGIN;
            LatencyAxis tight = new LatencyAxis(from, to, true);
            if (tight.labels().size() >= 3) {
                return tight;
            }
            if (to / from < 10) {
                return new LatencyAxis(from, to, false);
            }
            int low = (int) Math.floor(Math.log10(from));
            int high = (int) Math.ceil(Math.log10(to));
            if (high - low < 2) {
                // Widen on the side where the data sit nearer the edge.
                if (Math.log10(lowest) - low < high - Math.log10(highest)) {
                    low = high - 2;
                } else {
                    high = low + 2;
                }
            }
            return new LatencyAxis(Math.pow(10, low), Math.pow(10, high), true);
        }
    }

    private static XYChart panel(int fds, int smallestHeapMb, int largestHeapMb) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT)
            .title(String.format("Spawn + wait of /bin/true from a parent with %,d extra open %s (lower is better)",
                fds, fds == 1 ? "fd" : "fds"))
            .xAxisTitle("parent JVM heap (MB): -Xms = -Xmx, pre-touched, half live")
            .yAxisTitle("median spawn + wait (µs, log scale)")
            .build();
        XYStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(0xdddddd));
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setMarkerSize(9);
        styler.setYAxisLogarithmic(true);
        styler.setYAxisDecimalPattern("#,##0");
        styler.setXAxisDecimalPattern("#,##0");
        // The heap axis spans the heaps measured (256 MB and up), not 0 to the largest; the
        // plot keeps 2.5 % of its width on each side for the markers.
        styler.setPlotContentSize(0.95);
        double pad = largestHeapMb > smallestHeapMb ? 0 : smallestHeapMb * 0.1;
        styler.setXAxisMin(smallestHeapMb - pad);
        styler.setXAxisMax(largestHeapMb + pad);
        return chart;
    }
}
