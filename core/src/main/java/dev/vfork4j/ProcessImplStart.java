package dev.vfork4j;

import dev.vfork4j.spawn.ChildAttributes;
import dev.vfork4j.spawn.JdkEnvironment;
import dev.vfork4j.spawn.StartTime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A start asked for through {@code java.lang.ProcessImpl.start}, the JDK's internal method that
 * vfork4j's agent (module {@code agent/}) rewrites: what reaches it has passed ProcessBuilder's
 * own checks already, and redirect files have been opened by the agent as the JDK opens them,
 * so each standard stream arrives as an fd of this JVM, a pipe or "inherit". The agent, in the
 * class path's unnamed module with this class, calls {@link #start}, {@link #jdkHandle} and
 * {@link #startMillisSinceBoot} through method handles: nothing here is public API.
 */
final class ProcessImplStart {
    private ProcessImplStart() {}

    /** The JDK's children's signal dispositions, with its FORK (and VFORK) mechanism, and with POSIX_SPAWN, its default. */
    private static final ChildAttributes JDK_FORK_SIGNALS = ChildAttributes.NONE.toBuilder().jdkSignals().build(),
        JDK_SPAWN_SIGNALS = JDK_FORK_SIGNALS.toBuilder().glibcSignalsIgnored().build();

    /**
     * Starts the child with {@code mechanism}, without logging (ProcessBuilder.start() logs the
     * start once ProcessImpl.start returns). Its signal dispositions are the JDK's children's:
     * what this JVM ignores now stays ignored, but SIGPIPE, which is at its default.
     *
     * @param argv        the command, checked by ProcessBuilder (no null, no NUL, not empty)
     * @param envBlock    the JDK's environment block ({@code ProcessEnvironment.toEnvironmentBlock}:
     *                    {@code envc} entries {@code NAME=value}, each ended by a NUL; not copied), or
     *                    null when the builder's environment was never touched: the child then gets
     *                    the process's {@code environ} as it is at the spawn, as the JDK's does
     * @param envc        the number of entries in {@code envBlock}
     * @param directory   the working directory, or null
     * @param inherit     for stdin, stdout, stderr: true to inherit this JVM's, false for a pipe
     *                    (unless {@code fds} gives one)
     * @param fds         for stdin, stdout, stderr: an fd of this JVM the child gets a copy of, or -1
     * @param errorToOutput redirectErrorStream: stderr goes where stdout goes ({@code fds[2]} is ignored)
     * @param mechanism   a native mechanism
     * @param glibcSignalsIgnored the child starts with signals 32 and 33 ignored, as the JDK's
     *                    children do when its launch mechanism is POSIX_SPAWN (its default:
     *                    glibc's posix_spawn of jspawnhelper ignores them, and the exec keeps that)
     * @return the started child; its streams are null streams where it got an fd or inherits
     * @throws IOException the failure exactly as ProcessImpl reports it: the text ProcessBuilder
     *                     puts after {@code Cannot run program "x": }, without that prefix
     */
    static Child start(List<String> argv, byte[] envBlock, int envc, Path directory, boolean[] inherit, int[] fds,
                       boolean errorToOutput, Mechanism mechanism, boolean glibcSignalsIgnored) throws IOException {
        // The bytes the JDK would pass, not Strings re-encoded (Command.environment(Map) would check
        // and copy a Map; the Builder takes this one as it is, and the launchers lay it out as it is).
        JdkEnvironment env = envBlock == null ? JdkEnvironment.processEnviron() : JdkEnvironment.ofBlock(envBlock, envc);
        Redirect[] redirects = new Redirect[3];
        for (int i = 0; i < 3; i++) {
            redirects[i] = inherit[i] ? Redirect.INHERIT : Redirect.PIPE;
        }
        int[] sources = fds.clone();
        if (errorToOutput) {
            redirects[2] = Redirect.STDOUT;
            sources[2] = -1;
        }
        Command c = new Command.Builder(List.copyOf(argv)).environment(env).directory(directory)
            .stdin(redirects[0]).stdout(redirects[1]).stderr(redirects[2]).mechanism(mechanism)
            .attributes(glibcSignalsIgnored ? JDK_SPAWN_SIGNALS : JDK_FORK_SIGNALS).build();
        try {
            return ChildStart.start(c, redirects[0], redirects[1], redirects[2], ChildIo.Verb.START, sources, StartLog.NONE);
        } catch (SpawnException e) {
            // ProcessImpl's own exception: ProcessBuilder wraps it in "Cannot run program ...".
            Throwable inner = e.asProcessBuilderDoes().getCause();
            throw inner instanceof IOException io ? io : e;
        }
    }

    /**
     * Runs {@code action} with the child's exit value ({@link Process#exitValue()}, -1 if its
     * exit could not be seen) once it has been reaped, without making the loop watch it as
     * {@code onExit()} does: on the thread that reaped it when that is one waiting for the
     * child (its waitFor() or stream read; keep the action short), else on the common pool.
     * For the agent's entry in the JDK's table of exit futures, so that a start followed by
     * waitFor() wakes no other thread, as the JDK's own child wakes only its reaper.
     *
     * @param child  a child {@link #start} made
     * @param action what to run after the reap
     */
    static void whenReaped(Child child, IntConsumer action) {
        if (child instanceof NativeChild n) {
            n.whenReaped(action);
        } else {
            child.onExit().whenComplete((p, failure) -> action.accept(p != null ? p.exitValue() : -1));
        }
    }

    /**
     * The JDK's own handle of a child {@link #start} made: what {@code ProcessHandle.of(pid)}
     * returns (a java.lang.ProcessHandleImpl, holding the start time it read from /proc), so
     * that it equals the handles the JDK gives for the same process ({@code ProcessHandle.of},
     * {@code ProcessHandle.current().children()}), as the handle of a child the JDK started
     * does. Taken while the child is provably unreaped: the pid cannot be another process's yet.
     *
     * @param child a child {@link #start} returned
     * @return the JDK's handle, or null when the child has been reaped already
     */
    static ProcessHandle jdkHandle(Child child) {
        return child instanceof NativeChild n ? n.jdkHandleWhileUnreaped().orElse(null) : null;
    }

    /**
     * The child's start time in milliseconds since boot, as the JDK derives a ProcessHandle's
     * start time from /proc/PID/stat (its start time is its boot time plus this), known
     * without reading /proc ({@link StartTime}); -1 when it is not known.
     *
     * @param child a child {@link #start} returned
     * @return milliseconds since boot, or -1
     */
    static long startMillisSinceBoot(Child child) {
        return child instanceof NativeChild n ? StartTime.millisSinceBoot(n.startTick()) : StartTime.UNKNOWN;
    }
}
