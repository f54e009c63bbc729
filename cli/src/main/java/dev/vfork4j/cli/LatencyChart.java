package dev.vfork4j.cli;

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
        BenchMechanism.JDK_POSIX_SPAWN, new Look("JDK_POSIX_SPAWN (JDK default)", new Color(0x7b3294), SeriesMarkers.TRIANGLE_UP, SeriesLines.DASH_DASH),
        BenchMechanism.JDK_FORK, new Look("JDK_FORK", new Color(0xff7f0e), SeriesMarkers.TRIANGLE_DOWN, SeriesLines.DASH_DASH),
        BenchMechanism.JDK_VFORK, new Look("JDK_VFORK (deprecated)", new Color(0x6b6b6b), SeriesMarkers.CIRCLE, SeriesLines.DASH_DASH)));

    /** Writes the chart of {@code rows} (at least one) to {@code png}. */
    static void write(List<SpawnLatency> rows, Path png) throws IOException {
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
        List<XYChart> panels = new ArrayList<>();
        for (int fds : fdCounts) {
            XYChart chart = panel(fds, heaps.last());
            // The same latency range in every panel, so that panels compare by eye.
            chart.getStyler().setYAxisMin(lowest / 1.5).setYAxisMax(highest * 1.5);
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
        // One above the other: the heap axes line up, and each panel keeps its legend beside it.
        BitmapEncoder.saveBitmap(panels, panels.size(), 1, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart panel(int fds, int largestHeapMb) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT)
            .title(String.format("Spawn + wait of /bin/true from a parent with %,d extra open fds (lower is better)", fds))
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
        // Labels at decades only (grid lines at every step between): all nine crowd each other
        // near a decade's top, and a custom label function makes XChart 3.8.8's log axis spin.
        styler.setYAxisLogarithmicDecadeOnly(true);
        styler.setYAxisDecimalPattern("#,##0");
        styler.setXAxisDecimalPattern("#,##0");
        styler.setXAxisMin(0.0);
        styler.setXAxisMax(largestHeapMb * 1.05);
        return chart;
    }
}
