package dev.vfork4j;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import java.util.List;

/**
 * Signals processes named by the JDK's handles, each through a pidfd. A handle records its
 * process's start time (the descendants found by {@link ProcessHandle#descendants()}, the
 * handle of a JDK-started child), so one whose process exited, and whose pid another process
 * took, is left alone.
 */
final class ProcessHandles {
    private ProcessHandles() {}

    /** Sends {@code s} to each of {@code found} that is still the process its handle names. Needs native access. */
    static void signal(List<ProcessHandle> found, Signal s) {
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
