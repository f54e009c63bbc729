package dev.vfork4j.cli.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs the experiments: one per {@link Claim}, each turning measurements into a {@link Finding}.
 * Several experiments read the same measurement (the parent-size JVMs serve four), so each
 * measurement is made once per run, when the first experiment that needs it asks, and only
 * if one does. A measurement that fails makes its experiments {@code not-testable}, saying why;
 * it never stops the others.
 */
public final class Lab {

    /**
     * How big and how long.
     *
     * @param heapsMb the parent JVM heap sizes for the parent-size experiments (pre-touched),
     *                smallest first; the largest also serves commit-charge
     * @param samples spawns timed per mechanism and heap size
     */
    public record Options(List<Integer> heapsMb, int samples) {
        public Options {
            heapsMb = heapsMb.stream().sorted().toList();
            if (heapsMb.isEmpty()) {
                throw new IllegalArgumentException("at least one heap size is needed");
            }
        }

        /** The default run: 256 MB, 2 GB and 8 GB, 20 spawns per point; well within 2 minutes on 2 cores. */
        public static Options standard() {
            return new Options(List.of(256, 2048, 8192), 20);
        }

        /** A bounded run for tests: 128 MB and 1 GB, 8 spawns per point. */
        public static Options quick() {
            return new Options(List.of(128, 1024), 8);
        }
    }

    private static final Map<Claim, Function<Lab, Finding>> EXPERIMENTS = new EnumMap<>(Claim.class);

    static {
        EXPERIMENTS.put(Claim.MEMORY_SHARING, MemoryExperiments::memorySharing);
        EXPERIMENTS.put(Claim.VFORK_IS_FORK, MemoryExperiments::vforkIsFork);
        EXPERIMENTS.put(Claim.PARENT_SUSPENDED, SuspensionExperiments::parentSuspended);
        EXPERIMENTS.put(Claim.ONLY_CALLING_THREAD_SUSPENDED, SuspensionExperiments::onlyCallingThreadSuspended);
        EXPERIMENTS.put(Claim.WHOLE_PROCESS_SUSPENDED, SuspensionExperiments::wholeProcessSuspended);
        EXPERIMENTS.put(Claim.SIGNALS_AFTER_RELEASE, SuspensionExperiments::signalsAfterRelease);
        EXPERIMENTS.put(Claim.FORK_COST_VS_MEMORY, ParentSizeExperiments::forkCostVsMemory);
        EXPERIMENTS.put(Claim.VFORK_NO_FASTER_THAN_FORK, ParentSizeExperiments::vforkNoFasterThanFork);
        EXPERIMENTS.put(Claim.POSIX_SPAWN_IS_VFORK, ParentSizeExperiments::posixSpawnIsVfork);
        EXPERIMENTS.put(Claim.LINUX_POSIX_SPAWN_NOT_VFORK, ParentSizeExperiments::linuxPosixSpawnNotVfork);
        EXPERIMENTS.put(Claim.COMMIT_CHARGE, ParentSizeExperiments::commitCharge);
        EXPERIMENTS.put(Claim.EXIT_VS_UNDERSCORE_EXIT, ExitExperiments::exitVsUnderscoreExit);
        EXPERIMENTS.put(Claim.VFORK_EXIT_DUPLICATES_OUTPUT, ExitExperiments::vforkExitDuplicatesOutput);
        EXPERIMENTS.put(Claim.NO_SIGTTIN_IN_VFORK_CHILD, SuspensionExperiments::noSigttinInVforkChild);
        EXPERIMENTS.put(Claim.CHILD_RETURN_CRASHES_PARENT, MemoryExperiments::childReturnCrashesParent);
    }

    private final Options options;
    private final Consumer<String> progress;
    private final Map<String, Object> measurements = new HashMap<>();

    /** @param progress told what is being measured, as it starts (for a terminal; may ignore it) */
    public Lab(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs the experiments for {@code claims}, in the order of {@link Claim}, handing each finding over as it is made. */
    public List<Finding> run(Collection<Claim> claims, Consumer<Finding> each) {
        List<Finding> findings = new ArrayList<>();
        for (Claim claim : Claim.values()) {
            if (claims.contains(claim)) {
                Finding f;
                try {
                    f = EXPERIMENTS.get(claim).apply(this);
                } catch (MeasurementFailed e) {
                    f = Finding.notTestable(claim, e.getMessage());
                }
                findings.add(f);
                each.accept(f);
            }
        }
        return findings;
    }

    Options options() {
        return options;
    }

    void progress(String what) {
        progress.accept(what);
    }

    /** A measurement that could not be made, and why: its experiments become not-testable. */
    static class MeasurementFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MeasurementFailed(String why, Throwable cause) {
            super(why, cause);
        }
    }

    /** What can throw while measuring. */
    @FunctionalInterface
    interface Measurement<T> {
        T make() throws Exception;
    }

    /**
     * The measurement named {@code key}, made on first use. A failure is remembered too, so
     * every experiment that needs it reports the same cause.
     */
    @SuppressWarnings("unchecked")
    <T> T measured(String key, String description, Measurement<T> m) {
        Object v = measurements.get(key);
        if (v == null) {
            progress(description);
            try {
                v = m.make();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                v = new MeasurementFailed("interrupted while " + description, e);
            } catch (MeasurementFailed e) {
                v = e;
            } catch (Exception | LinkageError e) {
                v = new MeasurementFailed("the measurement failed (" + description + "): " + e, e);
            }
            measurements.put(key, v);
        }
        if (v instanceof MeasurementFailed f) {
            throw f;
        }
        return (T) v;
    }

    /** True when {@code key} was measured already (successfully or not). */
    boolean hasMeasured(String key) {
        return measurements.containsKey(key);
    }

    /** The absolute path of {@code program} in PATH, as the probes exec it. */
    static String which(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return p.toAbsolutePath().toString();
            }
        }
        throw new MeasurementFailed("no " + program + " in PATH", null);
    }

    /** A fresh directory for one probe's files, removed by {@code cleanUp}. */
    static Path scratch() throws IOException {
        return Files.createTempDirectory("vfork4j-lab");
    }

    static void cleanUp(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing an experiment for
        }
    }
}
