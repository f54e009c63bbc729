package dev.vfork4j.cli;

import dev.vfork4j.Mechanism;
import dev.vfork4j.linux.Arch;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.NativeAccess;
import dev.vfork4j.spawn.Availability;
import dev.vfork4j.spawn.ProcessImplTarget;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What {@code doctor} found, probed once and then printed as text or JSON. A probe that throws
 * is itself a finding: doctor is what people run when something is broken, so it reports
 * the failure in place of the value and carries on.
 *
 * <p>{@link Availability} and the {@code dev.vfork4j.linux} classes are internal to the
 * library, which exports their packages to this CLI's module alone (module-info.java).
 *
 * @param glibc    null when native calls are impossible here (the reason is in
 *                 {@code nativeAccessProblem})
 * @param arch     the vfork4j architecture, null when os.arch is one vfork4j has no constants for
 * @param nativeAccessProblem why native calls cannot be made, null when they can
 * @param mechanisms each mechanism, mapped to why it is unavailable, or to null when it is available
 * @param features each kernel feature, mapped to why it does not work, or to null when it does
 * @param cgroup   the cgroup v2 hierarchy and the JVM's place in it, for contained()
 * @param agentProblem why the agent ({@code -javaagent:vfork4j-agent.jar}) would decline in a JVM
 *                 of this JDK, null when it would engage
 */
record Diagnosis(
    String cliVersion, String libraryVersion,
    String kernel, String glibc, String osArch, Arch arch,
    String javaVersion, String javaVendor, String javaVm, String javaHome,
    boolean nativeAccessEnabled, String nativeAccessProblem, String nativeAccessFlag,
    Map<Mechanism, String> mechanisms, Mechanism best, String bestReason,
    Map<String, String> features, CgroupFinding cgroup, String agentProblem) {

    /** The order {@link Mechanism#best()} tries mechanisms in, as the library states it. */
    static final List<Mechanism> PREFERENCE = Mechanism.preferenceOrder();

    static Diagnosis probe() {
        String nativeProblem = attempt(NativeAccess::problem);
        String glibc = nativeProblem == null ? attempt(LibC::gnu_get_libc_version) : null;
        Map<Mechanism, String> mechanisms = new EnumMap<>(Mechanism.class);
        for (Mechanism m : Mechanism.values()) {
            mechanisms.put(m, attempt(() -> m.unavailableReason().orElse(null)));
        }
        Mechanism best;
        try {
            best = Mechanism.best();
        } catch (RuntimeException | LinkageError e) {
            best = null;
        }
        Map<String, String> features;
        try {
            features = Availability.kernelFeatures();
        } catch (RuntimeException | LinkageError e) {
            features = Map.of("(all)", "probe failed: " + e);
        }
        return new Diagnosis(
            Version.cli(), Version.library(),
            attempt(Availability::kernelRelease), glibc, System.getProperty("os.arch"), Arch.CURRENT,
            Runtime.version().toString(), System.getProperty("java.vm.vendor"),
            System.getProperty("java.vm.name"), System.getProperty("java.home"),
            NativeAccess.enabled(), nativeProblem, NativeAccess.flag(),
            mechanisms, best, explainBest(best, mechanisms), features, CgroupFinding.probe(),
            agentProblem(nativeProblem, best));
    }

    /**
     * Why the agent would decline here: this JDK's java.lang.ProcessImpl.start is not the method
     * it rewrites (read from the runtime image, as the agent reads the class it is given), or no
     * native mechanism works. Native access is this JVM's: the agent's JVM needs its own flag.
     */
    static String agentProblem(String nativeProblem, Mechanism best) {
        String shape = attempt(ProcessImplTarget::mismatchHere);
        if (shape != null) {
            return shape + " (the agent knows JDK 25's)";
        }
        if (nativeProblem != null) {
            return "no native access in this JVM: " + nativeProblem;
        }
        if (best == null || best == Mechanism.JDK) {
            return "no native mechanism is available here (see the mechanisms above)";
        }
        return null;
    }

    String agentSummary() {
        return agentProblem == null
            ? "would engage: java.lang.ProcessImpl.start is the method it rewrites and " + best
                + " works; start the JVM with --enable-native-access=ALL-UNNAMED too"
            : "would decline: " + agentProblem;
    }

    /** The probe's value, or its failure described. */
    private static String attempt(Supplier<String> probe) {
        try {
            return probe.get();
        } catch (RuntimeException | LinkageError e) {
            return "probe failed: " + e;
        }
    }

    static String explainBest(Mechanism best, Map<Mechanism, String> mechanisms) {
        String order = PREFERENCE.stream().map(Mechanism::name).collect(Collectors.joining(", "));
        if (best == null) {
            return "Mechanism.best() failed; see the mechanisms above";
        }
        int at = PREFERENCE.indexOf(best);
        List<Mechanism> skipped = at < 0 ? List.of() : PREFERENCE.subList(0, at);
        if (at < 0 || mechanisms.get(best) != null || skipped.stream().anyMatch(m -> mechanisms.get(m) == null)) {
            return "Mechanism.best() picked it, which its documented order (" + order
                + ") and the availability above do not explain: the library may have changed";
        }
        if (skipped.isEmpty()) {
            return "the first choice in the order " + order + ", and available";
        }
        String unavailable = skipped.stream().map(Mechanism::name).collect(Collectors.joining(" and "));
        return unavailable + (skipped.size() == 1 ? " is" : " are") + " not available, and " + best
            + " is the next in the order " + order;
    }

    String nativeAccessSummary() {
        if (nativeAccessProblem != null) {
            return "unavailable: " + nativeAccessProblem;
        }
        if (nativeAccessEnabled) {
            return "enabled";
        }
        return "not enabled: native calls work, with a JDK warning; pass " + nativeAccessFlag;
    }

    String toText() {
        List<String> lines = new ArrayList<>();
        row(lines, "vfork4j", cliVersion + " (library " + libraryVersion + ")");
        row(lines, "kernel", kernel);
        row(lines, "glibc", glibc != null ? glibc : "unknown: native calls are not possible (see native access)");
        row(lines, "architecture", osArch + (arch != null ? " (" + arch + ")" : " (not supported by vfork4j)"));
        row(lines, "java", javaVersion + " (" + javaVendor + " " + javaVm + ") in " + javaHome);
        row(lines, "native access", nativeAccessSummary());
        lines.add("");
        lines.add("mechanisms");
        mechanisms.forEach((m, why) -> row(lines, "  " + m, why == null ? "available" : "unavailable: " + briefly(why)));
        lines.add("");
        row(lines, "best", (best != null ? best + ": " : "") + bestReason);
        row(lines, "agent", agentSummary());
        lines.add("");
        lines.add("kernel features");
        features.forEach((f, why) -> row(lines, "  " + f, why == null ? "yes" : "no: " + briefly(why)));
        lines.add("");
        cgroup.addTo(lines);
        return String.join("\n", lines);
    }

    /** Without native access every native probe fails for that one reason: say it once, above. */
    private String briefly(String why) {
        return why.equals(nativeAccessProblem) ? "no native access (see above)" : why;
    }

    static void row(List<String> lines, String label, String value) {
        lines.add(String.format("%-22s %s", label, value));
    }

    Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("vfork4j", cliVersion);
        root.put("library", libraryVersion);
        root.put("kernel", kernel);
        root.put("glibc", glibc);
        Map<String, Object> architecture = new LinkedHashMap<>();
        architecture.put("osArch", osArch);
        architecture.put("supported", arch != null);
        architecture.put("arch", arch);
        root.put("architecture", architecture);
        Map<String, Object> java = new LinkedHashMap<>();
        java.put("version", javaVersion);
        java.put("vendor", javaVendor);
        java.put("vm", javaVm);
        java.put("home", javaHome);
        root.put("java", java);
        Map<String, Object> nativeAccess = new LinkedHashMap<>();
        nativeAccess.put("enabled", nativeAccessEnabled);
        nativeAccess.put("available", nativeAccessProblem == null);
        nativeAccess.put("problem", nativeAccessProblem);
        nativeAccess.put("flag", nativeAccessFlag);
        root.put("nativeAccess", nativeAccess);
        root.put("mechanisms", availability(mechanisms));
        Map<String, Object> bestChoice = new LinkedHashMap<>();
        bestChoice.put("mechanism", best);
        bestChoice.put("reason", bestReason);
        bestChoice.put("order", PREFERENCE);
        root.put("best", bestChoice);
        root.put("kernelFeatures", availability(features));
        root.put("cgroup", cgroup.toJson());
        Map<String, Object> agent = new LinkedHashMap<>();
        agent.put("wouldEngage", agentProblem == null);
        agent.put("reason", agentProblem);
        root.put("agent", agent);
        return root;
    }

    private static Map<String, Object> availability(Map<?, String> reasons) {
        Map<String, Object> out = new LinkedHashMap<>();
        reasons.forEach((name, why) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("available", why == null);
            entry.put("reason", why);
            out.put(name.toString(), entry);
        });
        return out;
    }
}
