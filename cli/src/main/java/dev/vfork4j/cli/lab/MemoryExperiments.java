package dev.vfork4j.cli.lab;

import dev.vfork4j.spawn.LabPlan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Whose memory the child runs in: memory-sharing, vfork-is-fork, child-return-crashes-parent. */
final class MemoryExperiments {
    private MemoryExperiments() {}

    /**
     * The explainer's C example, in this JVM: an int holding 10 in native memory; a child stores 999
     * into it (a STORE step) and exits with the raw exit_group. Safe to run here: the child
     * writes only that int, and the plan's own memory. Returns what this JVM then reads, per clone.
     */
    static Map<String, Object> valAfterChild(Lab lab) {
        return lab.measured("val", "a child writes 999 into a parent int holding 10 (in this JVM)", () -> {
            Map<String, Object> found = new LinkedHashMap<>();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment val = arena.allocate(ValueLayout.JAVA_INT);
                for (LabPlan.Clone clone : List.of(LabPlan.Clone.VFORK, LabPlan.Clone.FORK)) {
                    val.set(ValueLayout.JAVA_INT, 0, 10);
                    try (LabPlan plan = new LabPlan()) {
                        plan.store(val, 999).exit(0).start(clone);
                        LabPlan.Ended ended = plan.waitFor();
                        if (ended.exitCode() != 0) {
                            throw new Lab.MeasurementFailed("the " + clone + " child ended " + ended, null);
                        }
                    }
                    found.put(clone == LabPlan.Clone.VFORK ? "vfork" : "fork", val.get(ValueLayout.JAVA_INT, 0));
                }
            }
            return found;
        });
    }

    /** kcmp(KCMP_VM) between a probe JVM and its children while they wait before their exec. */
    static LabJvm sharing(Lab lab) {
        return lab.measured("kcmp", "asking the kernel whether VFORK, FORK and posix_spawn children share the "
            + "parent's address space (kcmp, in a disposable JVM)", () -> {
                Path dir = Lab.scratch();
                try {
                    return LabJvm.run(SharingProbe.class, List.of("-Xmx64m"), List.of(Lab.which("true"), dir.toString()),
                        Duration.ofSeconds(30));
                } finally {
                    Lab.cleanUp(dir);
                }
            });
    }

    /** "shares", "does not share", or why the kernel could not say. */
    static Boolean sharesAddressSpace(LabJvm probe, String key) {
        long r = Long.parseLong(probe.get(key));
        return r == 0 ? Boolean.TRUE : r > 0 ? Boolean.FALSE : null;
    }

    static Finding memorySharing(Lab lab) {
        Map<String, Object> val = valAfterChild(lab);
        boolean confirmed = Integer.valueOf(999).equals(val.get("vfork")) && Integer.valueOf(10).equals(val.get("fork"));
        return new Finding(Claim.MEMORY_SHARING, val, confirmed ? Verdict.CONFIRMED : Verdict.REFUTED, confirmed
            ? "The explainer's C example, run for real: the parent's int held 10, a child stored 999 into it and called "
                + "_exit (exit_group). The VFORK child (CLONE_VM) wrote into the parent's own memory, so the parent "
                + "read 999; the FORK child wrote into its copy-on-write copy, so the parent still read 10. Not "
                + "undefined here: the child is vfork4j's routine on its own stack, storing through a pointer."
            : "Expected 999 under VFORK and 10 under FORK; the parent read " + val + ".");
    }

    static Finding vforkIsFork(Lab lab) {
        Map<String, Object> val = valAfterChild(lab);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("parentReadsAfterVforkChildStored999", val.get("vfork"));
        m.put("parentReadsAfterForkChildStored999", val.get("fork"));
        Boolean vforkShares = null;
        Boolean forkShares = null;
        try {
            LabJvm probe = sharing(lab);
            vforkShares = sharesAddressSpace(probe, "vfork.kcmpVm");
            forkShares = sharesAddressSpace(probe, "fork.kcmpVm");
        } catch (Lab.MeasurementFailed e) {
            m.put("kcmpProblem", e.getMessage());
        }
        m.put("vforkChildSharesAddressSpace", vforkShares);
        m.put("forkChildSharesAddressSpace", forkShares);
        boolean vforkDiffers = Integer.valueOf(999).equals(val.get("vfork")) || Boolean.TRUE.equals(vforkShares);
        return new Finding(Claim.VFORK_IS_FORK, m, vforkDiffers ? Verdict.REFUTED : Verdict.CONFIRMED, vforkDiffers
            ? "A fork child gets its own copy of the address space; a vfork child on this kernel does not. While "
                + "the children waited before their exec, kcmp(KCMP_VM) said the VFORK child (clone3 with "
                + "CLONE_VM | CLONE_VFORK, which is what vfork(2) is) uses the very mm of its parent and the FORK "
                + "child does not, and a store by the VFORK child reached the parent. Linux has had a real vfork "
                + "since 2.2; the colleague quoted in the question describes Linux before 2.2.0-pre6 (see the Linux man page's history)."
            : "The VFORK child's store did not reach the parent and kcmp did not report a shared address space: "
                + "here vfork behaved like fork.");
    }

    static Finding childReturnCrashesParent(Lab lab) {
        return Finding.notTestable(Claim.CHILD_RETURN_CRASHES_PARENT,
            "This needs a vfork child that returns from the C function that called vfork(), on the parent's "
                + "stack. vfork4j never makes one: clone3 gives its child a stack of its own, and the child routine "
                + "never returns (it ends in execve or exit_group). Making one from Java would mean calling "
                + "glibc's vfork() through FFM, so that the child returns into the JVM's own frames and runs "
                + "Java code in the parent's memory: what happens then depends on which JVM frames the child "
                + "overwrites before it dies, so a crash, a hang or silent corruption would all be possible and "
                + "none would show the explainer's mechanism reliably.");
    }
}
