package dev.vfork4j.cli.bench;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of {@code bench}: spawn + wait of {@code /bin/true} through one mechanism, from a
 * parent of one heap size holding one number of extra open fds. Times are whole microseconds:
 * on the project's shared 2-core machines a run decides nothing finer than tens of them.
 *
 * @param heapMb             the parent's heap, {@code -Xms = -Xmx}, pre-touched, half of it live ballast
 * @param openFds            the fds the parent opened on top of the JVM's own
 * @param spawns             how many spawns were timed
 * @param parentRssMb        the parent's resident memory when the timings began
 * @param parentPageTablesKb the parent's page tables (VmPTE): what a fork copies
 * @param parentFds          every fd the parent had open, its own and the extra ones
 */
record SpawnLatency(
    BenchMechanism mechanism, int heapMb, int openFds, int spawns,
    long meanUs, long p50Us, long p99Us,
    long parentRssMb, long parentPageTablesKb, long parentFds) {

    /** Grouped as the table reads: by fd count, then mechanism, then heap size. */
    static final Comparator<SpawnLatency> TABLE_ORDER = Comparator.comparingInt(SpawnLatency::openFds)
        .thenComparing(SpawnLatency::mechanism)
        .thenComparingInt(SpawnLatency::heapMb);

    static SpawnLatency of(WorkerReport.Result r, int heapMb, int openFds, WorkerReport.Ready parent) {
        return new SpawnLatency(r.mechanism(), heapMb, openFds, r.spawns(),
            micros(r.meanNs()), micros(r.p50Ns()), micros(r.p99Ns()),
            parent.rssKb() >> 10, parent.pageTablesKb(), parent.openFds());
    }

    private static long micros(long nanos) {
        return Math.round(nanos / 1000.0);
    }

    /** The object of {@code bench --json}'s {@code results}: exactly the keys of its contract. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mechanism", mechanism.name());
        m.put("heapMb", heapMb);
        m.put("openFds", openFds);
        m.put("meanUs", meanUs);
        m.put("p50Us", p50Us);
        m.put("p99Us", p99Us);
        return m;
    }
}
