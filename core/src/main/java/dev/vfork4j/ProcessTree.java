package dev.vfork4j;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.NativeAccess;
import dev.vfork4j.linux.Posix;
import java.util.List;

/**
 * How a child's tree is signalled, for both kinds of child ({@link NativeChild},
 * {@link JdkChild}): its process group while the group is provably the child's
 * ({@link ProcessGroup}); else the child and the descendants found by walking /proc now, each
 * through a pidfd (or, without native access, the JDK's handles); and the cgroup it was started
 * in only when asked for by name ({@link Child#signalCgroup}, through {@link StartCgroup}).
 *
 * <p>A handle records its process's start time (the descendants found by
 * {@link ProcessHandle#descendants()}, the handle of a JDK-started child), so one whose process
 * exited, and whose pid another process took, is left alone.
 */
final class ProcessTree {
    private ProcessTree() {}

    /**
     * {@link Child#killTree}: the group of {@code child} when it leads one ({@code group} not
     * null), else the child and its descendants, and nothing once the child has exited.
     */
    static void kill(Child child, ProcessGroup group, Signal s) {
        if (group != null) {
            group.signal(s);
            return;
        }
        if (!child.isAlive()) {
            return;
        }
        List<ProcessHandle> tree = child.descendants().toList();
        // The walk started from the pid: it found the child's descendants only if the child still
        // held that pid when the walk was over (a pid passes to another process only after the reap).
        if (!child.holdsItsPid()) {
            return;
        }
        child.signal(s);
        signal(tree, s);
    }

    /** {@link Child#signalCgroup}: every member of the cgroup {@code child} was started in. */
    static void signalCgroup(Child child, StartCgroup cgroup, Signal s) {
        if (cgroup == null) {
            throw new IllegalStateException("child " + child.pid() + " was not started with Command.cgroup(path): "
                + "there is no cgroup of its own to signal (killTree signals its descendants)");
        }
        cgroup.signal(s);
    }

    /**
     * Sends {@code s} to each of {@code found} that is still the process its handle names:
     * through a pidfd, or without native access through the JDK's handles, which can send only
     * SIGTERM ({@code destroy}) and SIGKILL ({@code destroyForcibly}) and compare the start time
     * they recorded before they kill.
     */
    static void signal(List<ProcessHandle> found, Signal s) {
        if (!NativeAccess.available()) {
            for (ProcessHandle h : found) {
                if (s == Signal.SIGKILL) {
                    h.destroyForcibly();
                } else if (s == Signal.SIGTERM) {
                    h.destroy();
                } else {
                    throw new UnsupportedOperationException("sending " + s + " needs native access: "
                        + NativeAccess.problem());
                }
            }
            return;
        }
        for (ProcessHandle h : found) {
            int pidfd;
            try {
                pidfd = Posix.pidfdOpen(h.pid());
            } catch (ErrnoException e) {
                continue; // ESRCH: gone
            }
            try {
                // The pidfd names whichever process held the pid when it was opened. If the handle's
                // process (same pid, same start time) is there now, it was there then too.
                if (h.isAlive()) {
                    Posix.pidfdSendSignal(pidfd, s.number());
                }
            } catch (ErrnoException e) {
                // EPERM: a process that changed its credentials (setuid) is not ours to signal
            } finally {
                Posix.close(pidfd);
            }
        }
    }
}
