package dev.vfork4j.cli.lab;

import dev.vfork4j.Mechanism;
import dev.vfork4j.ballast.HeapBallast;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the parent's size costs: fork-cost-vs-memory, vfork-no-faster-than-fork,
 * posix-spawn-is-vfork, commit-charge. Each heap size is a disposable JVM with that heap
 * pre-touched (so its pages and page tables really exist), started one at a time.
 */
final class ParentSizeExperiments {
    private ParentSizeExperiments() {}

    /** Leave this much memory free when choosing which heap sizes to start. */
    private static final long HEADROOM_MB = 1536;

    /** The probe JVMs of every heap size that fits, smallest first; the largest also measured the commit charge. */
    record Sizes(List<Integer> heapsMb, List<LabJvm> jvms, List<Integer> skippedMb) {
        LabJvm largest() {
            return jvms.getLast();
        }

        List<Double> series(String key) {
            List<Double> values = new ArrayList<>();
            for (LabJvm j : jvms) {
                values.add(j.number(key));
            }
            return values;
        }

        List<Double> medians(Mechanism m) {
            return series(m + ".medianUs");
        }
    }

    static Sizes sizes(Lab lab) {
        return lab.measured("sizes", "spawn cost in JVMs with " + lab.options().heapsMb() + " MB pre-touched heaps, "
            + Plural.count(lab.options().samples(), "spawn") + " per mechanism each (disposable JVMs, one at a time)", () -> {
                List<Integer> heaps = new ArrayList<>();
                List<Integer> skipped = new ArrayList<>();
                long available = memAvailableMb();
                for (int h : lab.options().heapsMb()) {
                    (h + HEADROOM_MB <= available ? heaps : skipped).add(h);
                }
                if (heaps.isEmpty()) {
                    throw new Lab.MeasurementFailed("none of the heap sizes " + lab.options().heapsMb()
                        + " MB fits in the " + available + " MB of available memory", null);
                }
                List<LabJvm> jvms = new ArrayList<>();
                for (int i = 0; i < heaps.size(); i++) {
                    lab.progress("in the JVM with " + heaps.get(i) + " MB of heap (" + (i + 1) + " of " + heaps.size() + ")");
                    jvms.add(probe(heaps.get(i), lab.options().samples(), i == heaps.size() - 1));
                }
                return new Sizes(heaps, jvms, skipped);
            });
    }

    private static LabJvm probe(int heapMb, int samples, boolean commitCharge) throws Exception {
        LabJvm jvm = LabJvm.run(ParentSizeProbe.class, HeapBallast.jvmFlags(heapMb),
            List.of(String.valueOf(samples), String.valueOf(commitCharge), Lab.which("true")),
            Duration.ofSeconds(150));
        if (!jvm.status().success()) {
            throw new Lab.MeasurementFailed("the JVM with a " + heapMb + " MB heap ended " + jvm.status() + ": "
                + jvm.output().strip().lines().reduce((a, b) -> b).orElse(""), null);
        }
        return jvm;
    }

    private static long memAvailableMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
            }
        }
        return Long.MAX_VALUE;
    }

    private static Map<String, Object> base(Sizes s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heapsMb", s.heapsMb());
        if (!s.skippedMb().isEmpty()) {
            m.put("skippedHeapsMb", s.skippedMb());
        }
        return m;
    }

    private static double growth(List<Double> series) {
        return series.getLast() - series.getFirst();
    }

    /** What "does not grow" allows: a tenth of FORK's growth, and at least 1 ms of noise. */
    private static double flatAllowanceUs(double forkGrowthUs) {
        return Math.max(0.1 * forkGrowthUs, 1000);
    }

    static Finding forkCostVsMemory(Lab lab) {
        Sizes s = sizes(lab);
        Map<String, Object> m = base(s);
        m.put("pageTablesKb", s.series("pageTablesKb").stream().map(Double::longValue).toList());
        Map<String, Object> medians = new LinkedHashMap<>();
        for (Mechanism mech : ParentSizeProbe.MECHANISMS) {
            medians.put(mech.name(), s.medians(mech));
        }
        m.put("spawnMedianUs", medians);
        m.put("samples", lab.options().samples());
        if (s.heapsMb().size() < 2) {
            return new Finding(Claim.FORK_COST_VS_MEMORY, m, Verdict.NOT_TESTABLE,
                "Only one heap size fitted in this machine's available memory; a trend needs two.");
        }
        List<Double> fork = s.medians(Mechanism.FORK);
        List<Double> vfork = s.medians(Mechanism.VFORK);
        List<Double> posix = s.medians(Mechanism.POSIX_SPAWN);
        double allowance = flatAllowanceUs(growth(fork));
        boolean forkGrows = growth(fork) >= Math.max(1000, 0.25 * fork.getFirst());
        boolean vforkFlat = growth(vfork) <= allowance;
        boolean posixFlat = growth(posix) <= allowance;
        String sizes = s.heapsMb().getFirst() + " MB to " + s.heapsMb().getLast() + " MB";
        List<?> pageTables = (List<?>) m.get("pageTablesKb");
        String pte = pageTables.getFirst() + " to " + pageTables.getLast();
        if (forkGrows && vforkFlat) {
            return new Finding(Claim.FORK_COST_VS_MEMORY, m, Verdict.CONFIRMED,
                "From " + sizes + " of pre-touched heap, the parent's page tables grew " + pte + " kB and FORK's "
                    + "median spawn time grew with them, " + us(fork.getFirst()) + " to " + us(fork.getLast())
                    + ": the fork copies the page tables (not the memory; its pages are shared copy-on-write). "
                    + "VFORK copies nothing and stayed flat (" + us(vfork.getFirst()) + " to " + us(vfork.getLast())
                    + "), as did POSIX_SPAWN (" + us(posix.getFirst()) + " to " + us(posix.getLast()) + ")"
                    + (posixFlat ? "." : ", though less clearly.") + " Grows means by at least a quarter of its "
                    + "cost at the smallest size; flat, by less than a tenth of FORK's growth or 1 ms of noise.");
        }
        return new Finding(Claim.FORK_COST_VS_MEMORY, m, Verdict.REFUTED,
            "Expected FORK to grow with the parent and VFORK to stay flat; from " + sizes + " FORK went "
                + us(fork.getFirst()) + " to " + us(fork.getLast()) + " and VFORK " + us(vfork.getFirst()) + " to "
                + us(vfork.getLast()) + ".");
    }

    static Finding vforkNoFasterThanFork(Lab lab) {
        Sizes s = sizes(lab);
        Map<String, Object> m = base(s);
        List<Double> fork = s.medians(Mechanism.FORK);
        List<Double> vfork = s.medians(Mechanism.VFORK);
        List<Double> ratio = new ArrayList<>();
        boolean fasterEverywhere = true;
        for (int i = 0; i < fork.size(); i++) {
            ratio.add(Math.round(fork.get(i) / vfork.get(i) * 10) / 10.0);
            fasterEverywhere &= vfork.get(i) < fork.get(i);
        }
        m.put("vforkMedianUs", vfork);
        m.put("forkMedianUs", fork);
        m.put("forkOverVfork", ratio);
        boolean refuted = fasterEverywhere && ratio.getLast() >= 1.5;
        return new Finding(Claim.VFORK_NO_FASTER_THAN_FORK, m, refuted ? Verdict.REFUTED : Verdict.CONFIRMED, refuted
            ? "VFORK was faster than FORK at every size, " + ratio.getFirst() + "x at " + s.heapsMb().getFirst()
                + " MB and " + ratio.getLast() + "x at " + s.heapsMb().getLast() + " MB (whole spawns through "
                + "vfork4j, start() to exec). The answer says Linux sets up an address space description for a vfork "
                + "child anyway; it does not: a CLONE_VM child shares the parent's mm (see vfork-is-fork), so "
                + "there are no page tables to copy, and the gap grows with the parent."
            : "VFORK was not clearly faster than FORK here: " + m + ".");
    }

    /** The answer's "posix_spawn() is implemented on top of vfork()": confirmed when glibc's child is vfork-like. */
    static Finding posixSpawnIsVfork(Lab lab) {
        return posixSpawn(lab, Claim.POSIX_SPAWN_IS_VFORK, true);
    }

    /** The answer's remark that Linux does not use vfork() for posix_spawn(): the same evidence, the other way. */
    static Finding linuxPosixSpawnNotVfork(Lab lab) {
        return posixSpawn(lab, Claim.LINUX_POSIX_SPAWN_NOT_VFORK, false);
    }

    private static Finding posixSpawn(Lab lab, Claim claim, boolean claimIsVforkLike) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("glibc", LabLibC.glibcVersion());
        Boolean shares = null;
        try {
            LabJvm probe = MemoryExperiments.sharing(lab);
            shares = MemoryExperiments.sharesAddressSpace(probe, "posix_spawn.kcmpVm");
            m.put("childSharesParentAddressSpace", shares);
            m.put("parentHeldUntilExecMs", Long.parseLong(probe.get("posix_spawn.heldMs")));
        } catch (Lab.MeasurementFailed e) {
            m.put("kcmpProblem", e.getMessage());
        }
        Boolean flat = null;
        try {
            Sizes s = sizes(lab);
            m.putAll(base(s));
            List<Double> posix = s.medians(Mechanism.POSIX_SPAWN);
            List<Double> fork = s.medians(Mechanism.FORK);
            m.put("posixSpawnMedianUs", posix);
            m.put("vforkMedianUs", s.medians(Mechanism.VFORK));
            m.put("forkMedianUs", fork);
            if (s.heapsMb().size() > 1) {
                flat = growth(posix) <= flatAllowanceUs(growth(fork)) && posix.getLast() * 3 < fork.getLast();
            }
        } catch (Lab.MeasurementFailed e) {
            m.put("sizesProblem", e.getMessage());
        }
        if (shares == null && flat == null) {
            return new Finding(claim, m, Verdict.NOT_TESTABLE,
                "Neither kcmp nor the parent-size measurement could be made here.");
        }
        boolean vforkLike = Boolean.TRUE.equals(shares) || (shares == null && flat);
        String evidence = (shares != null
            ? "While glibc's posix_spawn child was held before its exec (a file action opening a FIFO), kcmp(KCMP_VM) "
                + (shares ? "said it uses the parent's own address space, and the parent's posix_spawn call waited "
                    + m.get("parentHeldUntilExecMs") + " ms, until the exec: clone(CLONE_VM | CLONE_VFORK), vfork's "
                    + "flags (glibc's sysdeps/unix/sysv/linux/spawni.c, since glibc 2.24). "
                    : "said it has an address space of its own. ")
            : "")
            + (flat == null ? "" : flat
                ? "Its cost stayed flat in the parent's size, like VFORK's and unlike FORK's."
                : "Its cost grew with the parent's size, like FORK's.");
        return new Finding(claim, m, vforkLike == claimIsVforkLike ? Verdict.CONFIRMED : Verdict.REFUTED,
            evidence.strip());
    }

    static Finding commitCharge(Lab lab) {
        LabJvm jvm = lab.measured("commit", "the commit charge while a FORK and a VFORK child wait before their exec "
            + "(in a disposable JVM with a " + lab.options().heapsMb().getLast() + " MB heap)", () -> {
                if (lab.hasMeasured("sizes")) {
                    return sizes(lab).largest();
                }
                List<Integer> heaps = lab.options().heapsMb();
                return probe(heaps.getLast(), 0, true);
            });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heapMb", Long.parseLong(jvm.get("heapMb")));
        long privateWritableKb = Long.parseLong(jvm.get("privateWritableKb"));
        m.put("parentPrivateWritableMb", privateWritableKb >> 10);
        m.put("overcommitMemory", Integer.parseInt(jvm.get("overcommitMemory")));
        String forkError = jvm.values().get("fork.cloneError");
        if (forkError != null) {
            m.put("forkCloneError", forkError);
            boolean enomem = forkError.equals("ENOMEM");
            return new Finding(Claim.COMMIT_CHARGE, m, enomem ? Verdict.CONFIRMED : Verdict.NOT_TESTABLE, enomem
                ? "The kernel refused to fork the parent (ENOMEM): it could not commit another copy of its private "
                    + "writable memory under this overcommit policy; a VFORK child needed no commit at all."
                : "The FORK child could not be cloned: " + forkError + ".");
        }
        long forkRiseKb = Long.parseLong(jvm.get("fork.commitRiseKb"));
        long vforkRiseKb = Long.parseLong(jvm.get("vfork.commitRiseKb"));
        m.put("forkCommitRiseMb", forkRiseKb >> 10);
        m.put("vforkCommitRiseMb", vforkRiseKb >> 10);
        boolean confirmed = forkRiseKb >= privateWritableKb / 2 && forkRiseKb <= privateWritableKb * 3 / 2
            && Math.abs(vforkRiseKb) <= Math.max(privateWritableKb / 20, 32 << 10);
        String policy = switch ((int) m.get("overcommitMemory")) {
            case 2 -> "strict overcommit (mode 2) is in force here, so a fork beyond CommitLimit fails with ENOMEM";
            case 1 -> "overcommit mode 1 (always) is in force here, so the kernel counts the charge but never refuses it";
            default -> "heuristic overcommit (mode 0) is in force here, so the kernel counts the charge and refuses "
                + "only a fork that could obviously never be backed";
        };
        return new Finding(Claim.COMMIT_CHARGE, m, confirmed ? Verdict.CONFIRMED : Verdict.REFUTED, confirmed
            ? "While a FORK child of a JVM with " + m.get("parentPrivateWritableMb") + " MB of private writable "
                + "memory waited before its exec, Committed_AS rose by " + m.get("forkCommitRiseMb") + " MB: the "
                + "copy-on-write copy is charged in full, as if every page might be written. Under VFORK it rose "
                + "by " + m.get("vforkCommitRiseMb") + " MB. The charge is what the overcommit policy is applied "
                + "to: " + policy + ". (Committed_AS is machine-wide: the median of "
                + "three trials keeps other processes' noise out.)"
            : "Expected Committed_AS to rise by about the parent's " + m.get("parentPrivateWritableMb") + " MB of "
                + "private writable memory under FORK and not under VFORK; measured " + m + ".");
    }

    private static String us(double micros) {
        return micros >= 10_000 ? Math.round(micros / 1000) + " ms"
            : micros >= 1000 ? Math.round(micros / 100) / 10.0 + " ms"
            : Math.round(micros) + " µs";
    }
}
