package dev.vfork4j.cli.bench;

import java.util.List;

/** {@code bench}'s rows as a Markdown table and as CSV, in {@link SpawnLatency#TABLE_ORDER}. */
final class LatencyTable {
    private LatencyTable() {}

    static final String CSV_HEADER =
        "mechanism,heapMb,openFds,spawns,meanUs,p50Us,p99Us,parentRssMb,parentPageTablesKb,parentFds";

    static String markdown(List<SpawnLatency> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| mechanism | heap MB | open fds | spawns | mean µs | p50 µs | p99 µs | parent RSS MB | page tables KB |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SpawnLatency r : sorted(rows)) {
            sb.append(String.format("| %s | %d | %d | %d | %d | %d | %d | %d | %d |\n",
                r.mechanism(), r.heapMb(), r.openFds(), r.spawns(), r.meanUs(), r.p50Us(), r.p99Us(),
                r.parentRssMb(), r.parentPageTablesKb()));
        }
        return sb.toString();
    }

    static String csv(List<SpawnLatency> rows) {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (SpawnLatency r : sorted(rows)) {
            sb.append(String.join(",", r.mechanism().name(), str(r.heapMb()), str(r.openFds()), str(r.spawns()),
                str(r.meanUs()), str(r.p50Us()), str(r.p99Us()),
                str(r.parentRssMb()), str(r.parentPageTablesKb()), str(r.parentFds()))).append('\n');
        }
        return sb.toString();
    }

    private static List<SpawnLatency> sorted(List<SpawnLatency> rows) {
        return rows.stream().sorted(SpawnLatency.TABLE_ORDER).toList();
    }

    private static String str(long n) {
        return Long.toString(n);
    }
}
