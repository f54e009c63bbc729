package dev.vfork4j.cli.lab;

import dev.vfork4j.spawn.LabPlan;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A disposable JVM for the exit()-versus-_exit experiment: {@code ExitProbe VFORK|FORK exit|_exit},
 * started with its stdout on a regular file, so glibc's stdout is fully buffered.
 *
 * <p>It leaves a line in the C stdio buffer (fputs, no fflush), registers an exit handler
 * ({@code sem_post} on a semaphore of its own, through {@code __cxa_atexit}), then starts a
 * child that calls libc's {@code exit(0)} (a CALL step) or the raw {@code exit_group(0)}. It
 * then reports on stderr, one {@code key=value} per {@link ProbeReport} line: how many copies
 * of the line the file holds after the child and after its own fflush, whether its exit
 * handler ran, whether its stdout is still buffered, and whether the JVM still works.
 */
public final class ExitProbe {
    private ExitProbe() {}

    static final String LINE = "left in the parent's stdio buffer\n";

    public static void main(String[] args) throws Exception {
        LabPlan.Clone clone = LabPlan.Clone.valueOf(args[0]);
        boolean libcExit = args[1].equals("exit");
        ProbeReport report = new ProbeReport(System.err);
        Path file = Path.of("/proc/self/fd/1");
        Arena arena = Arena.global();
        MemorySegment stdout = LabLibC.stdout();

        MemorySegment sem = arena.allocate(LabLibC.SEM_T_SIZE, 8);
        MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
        check(LabLibC.semInit(sem, 0, 0) == 0, "sem_init");
        check(LabLibC.cxaAtexit(LabLibC.symbol("sem_post"), sem) == 0, "__cxa_atexit");

        LabLibC.fputs(arena.allocateFrom(LINE), stdout);
        report.put("bufferedBeforeChild", copies(file) == 0);

        try (LabPlan plan = new LabPlan()) {
            if (libcExit) {
                plan.call("exit", LabLibC.symbol("exit"), 0);
            }
            plan.exit(0);
            plan.start(clone);
            LabPlan.Ended ended = plan.waitFor();
            report.put("child", ended.exitedNormally() ? "exit " + ended.exitCode() : "killed by signal " + ended.signal());
        }
        report.put("copiesAfterChild", copies(file));
        LabLibC.semGetvalue(sem, value);
        report.put("parentExitHandlerRuns", value.get(ValueLayout.JAVA_INT, 0));

        LabLibC.fflush(stdout);
        report.put("copiesAfterParentFlush", copies(file));

        // Is stdout still fully buffered? A second line shows up at once only if it is not.
        LabLibC.fputs(arena.allocateFrom("written after the child\n"), stdout);
        report.put("parentStdoutUnbuffered", Files.readString(file, StandardCharsets.UTF_8).contains("after the child"));
        LabLibC.fflush(stdout);

        // Does the JVM still work? A full GC and a thread that runs to its end.
        System.gc();
        Thread t = Thread.ofPlatform().start(() -> { });
        t.join();
        report.put("parentJvmWorks", true);
        report.flush();
    }

    private static int copies(Path file) throws java.io.IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int n = 0;
        for (int at = text.indexOf(LINE); at >= 0; at = text.indexOf(LINE, at + 1)) {
            n++;
        }
        return n;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " failed");
        }
    }
}
