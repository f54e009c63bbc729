package dev.vfork4j.cli.bench;

import dev.vfork4j.cli.CodePath;
import dev.vfork4j.ballast.HeapBallast;
import dev.vfork4j.cli.lab.Plural;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one {@code bench} run times, and the worker JVMs that do it: for each heap size and fd
 * count (a cell), one JVM for vfork4j's mechanisms and the JDK's default launch mode, and one
 * per other JDK launch mode asked for. One worker at a time, so a worker never competes with
 * another for the two cores or for memory.
 *
 * @param heapsMb    ascending, distinct
 * @param openFds    ascending, distinct
 * @param mechanisms in {@link BenchMechanism} order, distinct
 * @param spawns     the most spawns timed per mechanism and cell
 * @param warmup     untimed spawns per mechanism and cell, before the timed ones
 * @param maxMillis  the time after which a mechanism stops being timed in a cell, once it has
 *                   {@link BenchWorker#MIN_SPAWNS} spawns
 */
record BenchPlan(List<Integer> heapsMb, List<Integer> openFds, List<BenchMechanism> mechanisms,
                 int spawns, int warmup, long maxMillis) {

    BenchPlan {
        heapsMb = heapsMb.stream().distinct().sorted().toList();
        openFds = openFds.stream().distinct().sorted().toList();
        mechanisms = mechanisms.stream().distinct().sorted().toList();
        if (heapsMb.isEmpty() || openFds.isEmpty() || mechanisms.isEmpty()) {
            throw new IllegalArgumentException("a plan needs at least one heap size, fd count and mechanism");
        }
    }

    /** One worker JVM: a cell, a JDK launch mode, and the mechanisms it times in that order. */
    record WorkerJob(int heapMb, int openFds, String launchMechanism, List<BenchMechanism> mechanisms) {

        /** The command that starts it, with this JVM's own java, on {@code code} (this JVM's own, but in tests). */
        List<String> command(BenchPlan plan, Path java, CodePath code) {
            List<String> command = new ArrayList<>(List.of(java.toString(), code.nativeAccess()));
            command.addAll(HeapBallast.jvmFlags(heapMb));
            command.add("-Djdk.lang.Process.launchMechanism=" + launchMechanism);
            command.addAll(code.main(BenchWorker.class));
            command.addAll(List.of(
                Integer.toString(openFds), Integer.toString(plan.spawns()), Integer.toString(plan.warmup()),
                Long.toString(plan.maxMillis()),
                String.join(",", mechanisms.stream().map(Enum::name).toList())));
            return List.copyOf(command);
        }

        /** Progress steps: one for starting, one per mechanism. */
        int steps() {
            return 1 + mechanisms.size();
        }

        String cell() {
            return heapMb + " MB, " + Plural.count(openFds, "fd");
        }
    }

    /** Every worker, cell by cell (fd counts outer, heaps inner), the JDK's default mode first in each. */
    List<WorkerJob> jobs() {
        Map<String, List<BenchMechanism>> byLaunch = new LinkedHashMap<>();
        byLaunch.put(BenchMechanism.DEFAULT_JDK_LAUNCH, new ArrayList<>());
        for (BenchMechanism m : mechanisms) {
            byLaunch.computeIfAbsent(m.launchMechanismProperty(), k -> new ArrayList<>()).add(m);
        }
        // FORK last in its JVM: it leaves the parent's memory write-protected, and the faults
        // that follow would be charged to whatever ran next.
        byLaunch.values().forEach(ms -> ms.sort(Comparator.comparing(m -> m == BenchMechanism.FORK)));
        List<WorkerJob> jobs = new ArrayList<>();
        for (int fds : openFds) {
            for (int heap : heapsMb) {
                byLaunch.forEach((launch, ms) -> {
                    if (!ms.isEmpty()) {
                        jobs.add(new WorkerJob(heap, fds, launch, List.copyOf(ms)));
                    }
                });
            }
        }
        return jobs;
    }

    long steps() {
        return jobs().stream().mapToLong(WorkerJob::steps).sum();
    }
}
