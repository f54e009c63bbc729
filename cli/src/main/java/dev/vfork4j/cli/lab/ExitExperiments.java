package dev.vfork4j.cli.lab;

import dev.vfork4j.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * exit() versus _exit() in the child: exit-vs-_exit and vfork-exit-duplicates-output. Each
 * case runs in its own disposable JVM ({@link ExitProbe}): a VFORK child calling exit() runs the
 * C library's clean-up in that JVM's memory, which the lab's own JVM must never be exposed to.
 */
final class ExitExperiments {
    private ExitExperiments() {}

    /** The four cases, keyed "fork+exit", "fork+_exit", "vfork+exit", "vfork+_exit". */
    static Map<String, Map<String, Object>> cases(Lab lab) {
        return lab.measured("exit", "children that call exit() or _exit() while the parent's stdio buffer holds "
            + "a line (four disposable JVMs)", () -> {
                Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
                for (String clone : List.of("FORK", "VFORK")) {
                    for (String exit : List.of("exit", "_exit")) {
                        cases.put(clone.toLowerCase(java.util.Locale.ROOT) + "+" + exit, run(clone, exit));
                    }
                }
                return cases;
            });
    }

    private static Map<String, Object> run(String clone, String exit) throws Exception {
        Path dir = Lab.scratch();
        try {
            Path stdout = dir.resolve("stdout");
            LabJvm jvm = LabJvm.run(ExitProbe.class, List.of("-Xmx64m"), List.of(clone, exit), Duration.ofSeconds(30),
                c -> c.stdout(Redirect.to(stdout)));
            Map<String, Object> m = new LinkedHashMap<>();
            if (!Boolean.parseBoolean(jvm.get("bufferedBeforeChild"))) {
                throw new Lab.MeasurementFailed("the probe's C stdout was not fully buffered on a file", null);
            }
            // What the probe reported before anything went wrong in it: a value it never got to is null.
            Map<String, String> v = jvm.values();
            m.put("child", v.get("child"));
            m.put("copiesAfterChild", v.containsKey("copiesAfterChild") ? Integer.parseInt(v.get("copiesAfterChild")) : null);
            m.put("copiesAfterParentFlush",
                v.containsKey("copiesAfterParentFlush") ? Integer.parseInt(v.get("copiesAfterParentFlush")) : null);
            m.put("parentExitHandlerRan",
                v.containsKey("parentExitHandlerRuns") ? Integer.parseInt(v.get("parentExitHandlerRuns")) > 0 : null);
            m.put("parentStdoutNowUnbuffered",
                v.containsKey("parentStdoutUnbuffered") ? Boolean.parseBoolean(v.get("parentStdoutUnbuffered")) : null);
            m.put("parentJvmWorkedOn", Boolean.parseBoolean(v.getOrDefault("parentJvmWorks", "false")));
            m.put("parentJvmEnded", jvm.status().toString());
            return m;
        } finally {
            Lab.cleanUp(dir);
        }
    }

    private static int copies(Map<String, Object> c) {
        return c.get("copiesAfterParentFlush") instanceof Integer i ? i : -1;
    }

    private static int copiesAfterChild(Map<String, Object> c) {
        return c.get("copiesAfterChild") instanceof Integer i ? i : -1;
    }

    private static boolean is(Map<String, Object> c, String key) {
        return Boolean.TRUE.equals(c.get(key));
    }

    static Finding exitVsUnderscoreExit(Lab lab) {
        Map<String, Map<String, Object>> cases = cases(lab);
        Map<String, Object> forkExit = cases.get("fork+exit");
        Map<String, Object> forkUnderscore = cases.get("fork+_exit");
        Map<String, Object> vforkExit = cases.get("vfork+exit");
        Map<String, Object> vforkUnderscore = cases.get("vfork+_exit");
        boolean forkTwice = copies(forkExit) == 2 && copies(forkUnderscore) == 1;
        // A parent JVM that did not survive its child's exit() is messed up too.
        boolean vforkMessesUp = !is(vforkExit, "parentJvmWorkedOn") || (copiesAfterChild(vforkExit) == 1
            && (is(vforkExit, "parentExitHandlerRan") || is(vforkExit, "parentStdoutNowUnbuffered")));
        boolean underscoreClean = copiesAfterChild(vforkUnderscore) == 0 && copies(vforkUnderscore) == 1
            && !is(vforkUnderscore, "parentExitHandlerRan") && !is(vforkUnderscore, "parentStdoutNowUnbuffered");
        boolean confirmed = forkTwice && vforkMessesUp && underscoreClean;
        return new Finding(Claim.EXIT_VS_UNDERSCORE_EXIT, new LinkedHashMap<String, Object>(cases),
            confirmed ? Verdict.CONFIRMED : Verdict.REFUTED, confirmed
            ? "Each case is a fresh JVM whose C stdout (a file, so fully buffered) holds one unflushed line when "
                + "its child calls libc's exit(0) or the raw _exit. fork + exit(): the child flushed its copy of "
                + "the buffer and the parent flushed the same line again, 2 copies in the file; fork + _exit(): 1. "
                + "vfork + exit(): the child's exit() ran in the parent's memory: it ran the exit handler the parent "
                + "had registered (" + is(vforkExit, "parentExitHandlerRan") + "), flushed the parent's own buffer "
                + "and then, as exit() does, switched every stream to unbuffered, so the parent's stdout stayed "
                + "unbuffered afterwards (" + is(vforkExit, "parentStdoutNowUnbuffered") + "); the parent JVM "
                + (is(vforkExit, "parentJvmWorkedOn") ? "still worked" : "did not recover") + ". vfork + _exit: "
                + "nothing of the parent's was touched."
            : "Expected two copies after fork + exit(), one after fork + _exit(), the parent's stdio state changed "
                + "by vfork + exit() and untouched by vfork + _exit(); measured " + cases + ".");
    }

    static Finding vforkExitDuplicatesOutput(Lab lab) {
        Map<String, Map<String, Object>> cases = cases(lab);
        Map<String, Object> vforkExit = cases.get("vfork+exit");
        Map<String, Object> m = new LinkedHashMap<>(vforkExit);
        m.put("forkExitCopies", copies(cases.get("fork+exit")));
        if (copies(vforkExit) < 0) {
            return new Finding(Claim.VFORK_EXIT_DUPLICATES_OUTPUT, m, Verdict.NOT_TESTABLE,
                "The parent JVM did not get as far as its own flush after its vfork child's exit(): " + m + ".");
        }
        boolean duplicated = copies(vforkExit) > 1;
        return new Finding(Claim.VFORK_EXIT_DUPLICATES_OUTPUT, m, duplicated ? Verdict.CONFIRMED : Verdict.REFUTED,
            duplicated
                ? "After a vfork child's exit() the parent's flush wrote the line again: "
                    + Plural.count(copies(vforkExit), "copy", "copies") + "."
                : "The first sentence holds: the vfork child's exit() flushed the parent's buffer and ran the "
                    + "parent's exit handler, in the parent's memory. The second does not: because that memory is "
                    + "the parent's own, the flush also emptied the parent's buffer, and the parent's later fflush "
                    + "had nothing left to write: " + Plural.count(copies(vforkExit), "copy", "copies") + ", not a duplicate. "
                    + "Duplication is "
                    + "fork's problem (" + Plural.count(copies(cases.get("fork+exit")), "copy", "copies") + " after fork + exit(), "
                    + "where the child "
                    + "flushes a copy of the buffer). What vfork + exit() does corrupt is the parent's stdio state: "
                    + "its stdout is left unbuffered (" + is(vforkExit, "parentStdoutNowUnbuffered") + ").");
    }
}
