package dev.vfork4j;

import static dev.vfork4j.linux.Linux.EINVAL;
import static dev.vfork4j.linux.Linux.ESRCH;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.loop.PidFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * The process group a child leads (newSession or processGroup(0)), signalled so that no other
 * group can ever receive the signal.
 *
 * <p>kill(-pgid) names a group by number, and the number is free again once no process uses
 * it as pid, pgid or sid: after the child is reaped and its group has emptied, the next
 * process may get the number and lead a group of that number itself. Two ways avoid it:
 * <ul>
 *   <li>Linux 6.9 and newer: {@code pidfd_send_signal(PIDFD_SIGNAL_PROCESS_GROUP)} on a pidfd
 *       of the child signals the group whose identity (the kernel's struct pid, which the pidfd
 *       holds) is the child's, never another group that got the same number. A copy of the
 *       child's pidfd is kept for it: while the child is unreaped, and after the reap as long as
 *       the group still has members then (a grandchild left behind in it), until a signal finds
 *       it empty or the Child is garbage collected. A group that emptied once can never gain a
 *       member again, so the copy is closed then.</li>
 *   <li>Older kernels (or when the copy cannot be made, at EMFILE): kill(-pgid) only while the
 *       child is provably unreaped ({@link PidFd#whileUnreaped}), which pins the number to the
 *       child's group. After the reap nothing proves the number still names the child's group,
 *       so nothing is sent: a group member left behind by the child is then out of reach.</li>
 * </ul>
 */
final class ProcessGroup {
    /** pidfd_send_signal's flag to signal the pidfd's process group (include/uapi/linux/pidfd.h, Linux 6.9). */
    private static final long PIDFD_SIGNAL_PROCESS_GROUP = 1L << 2;

    /** 1: pidfd_send_signal takes PIDFD_SIGNAL_PROCESS_GROUP; -1: it does not (EINVAL); 0: not asked yet. */
    private static volatile int pidfdSignalsGroups;

    /** Tests set this to take the older kernels' way on a kernel that has the flag. */
    static volatile boolean forceKillByNumber;

    private static Cleaner cleaner;

    private final long pgid;
    private final PidFd leader;
    /** A copy of the leader's pidfd for PIDFD_SIGNAL_PROCESS_GROUP, or null. */
    private final Fd fd;
    /** Closes {@link #fd} at once, or when the owning Child is collected. */
    private final Cleaner.Cleanable closer;

    private ProcessGroup(long pgid, PidFd leader, Fd fd, Cleaner.Cleanable closer) {
        this.pgid = pgid;
        this.leader = leader;
        this.fd = fd;
        this.closer = closer;
    }

    /**
     * A copy of the new child's pidfd for signalling its group, or null when this kernel (or
     * the fd limit) does not allow that way. Call it while the pidfd is the caller's alone,
     * before the loop is given it: then nobody can have reaped the child or closed the fd.
     */
    static Fd copyPidfd(int rawPidfd) {
        if (forceKillByNumber || !pidfdSignalsGroups(rawPidfd)) {
            return null;
        }
        try {
            return new Fd(Posix.dupCloexec(rawPidfd, 3));
        } catch (ErrnoException e) {
            return null; // EMFILE: the older kernels' way, for this child
        }
    }

    /**
     * The group led by {@code leader}, whose pid is {@code pgid}; {@code copy} is from
     * {@link #copyPidfd} (null: none) and is closed when {@code owner} becomes unreachable at
     * the latest.
     */
    static ProcessGroup ledBy(Object owner, long pgid, PidFd leader, Fd copy) {
        if (copy == null) {
            return new ProcessGroup(pgid, leader, null, null);
        }
        Cleaner.Cleanable closer;
        try {
            closer = cleaner().register(owner, copy::close);
        } catch (RuntimeException | OutOfMemoryError e) {
            copy.close(); // no cleaner thread could be started: keep nothing that would never be closed
            return new ProcessGroup(pgid, leader, null, null);
        }
        return new ProcessGroup(pgid, leader, copy, closer);
    }

    /** The JVM-wide cleaner, started on first need (a thread is never started in a static initialiser). */
    private static synchronized Cleaner cleaner() {
        if (cleaner == null) {
            cleaner = Cleaner.create();
        }
        return cleaner;
    }

    /**
     * Sends {@code s} to the group if it can be proven to be the child's (see the class
     * comment); does nothing otherwise, and when the group has no member left.
     */
    void signal(Signal s) {
        if (fd == null) {
            leader.whileUnreaped(unused -> kill(-pgid, s.number()));
            return;
        }
        int n = fd.acquire();
        if (n < 0) {
            return; // found empty after the leader's reap
        }
        boolean empty;
        try {
            empty = sendToGroup(n, s.number()) == ESRCH;
        } finally {
            fd.release();
        }
        // Before the reap an empty group may fill again (the leader can setpgid back into it).
        if (empty && leader.exit().isDone()) {
            closer.clean();
        }
    }

    /** The leader has been reaped: the pidfd copy is kept only if the group still has members. */
    void leaderReaped() {
        if (fd == null) {
            return;
        }
        int n = fd.acquire();
        if (n < 0) {
            return;
        }
        boolean empty;
        try {
            empty = sendToGroup(n, 0) == ESRCH;
        } finally {
            fd.release();
        }
        if (empty) {
            closer.clean();
        }
    }

    /** pidfd_send_signal(PIDFD_SIGNAL_PROCESS_GROUP): 0, or the errno (ESRCH: the group has no member). */
    private static int sendToGroup(int pidfd, int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(a);
            return -Posix.pidfdSendSignal(st, pidfd, signal, PIDFD_SIGNAL_PROCESS_GROUP);
        }
    }

    /**
     * Whether this kernel takes PIDFD_SIGNAL_PROCESS_GROUP, asked with signal 0 to the new
     * child's group (which changes nothing). Only the definitive answers are kept: EINVAL (an
     * unknown flag, before Linux 6.9) or any sign that the flag was understood.
     */
    private static boolean pidfdSignalsGroups(int pidfd) {
        int known = pidfdSignalsGroups;
        if (known != 0) {
            return known > 0;
        }
        int errno = sendToGroup(pidfd, 0);
        boolean supported = errno != EINVAL;
        pidfdSignalsGroups = supported ? 1 : -1;
        return supported;
    }

    private static void kill(long pid, int signal) {
        try (Arena a = Arena.ofConfined()) {
            Posix.kill(CallState.allocate(a), (int) pid, signal); // ESRCH: the group has no member left
        }
    }
}
