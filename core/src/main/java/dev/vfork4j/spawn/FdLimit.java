package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.EINVAL;
import static dev.vfork4j.linux.Linux.EMFILE;

import dev.vfork4j.SpawnException;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import java.util.Map;

/**
 * The fd numbers a child is given must be below this process's RLIMIT_NOFILE soft limit: the
 * child inherits the limit, the kernel refuses any fd number at or above it (dup3: EBADF,
 * F_DUPFD: EINVAL), and a Command's own NOFILE limit is set only after the fds are in place.
 * Checked before anything is opened, so the failure names the limit rather than whichever
 * call met it first.
 */
final class FdLimit {
    private FdLimit() {}

    /** Fails when a keepFd target is at or above this process's RLIMIT_NOFILE soft limit. */
    static void check(SpawnRequest r) throws SpawnException {
        Map<Integer, Integer> kept = r.attributes().keptFds();
        if (kept.isEmpty()) {
            return;
        }
        int highest = ((java.util.SortedMap<Integer, Integer>) kept).lastKey();
        long limit;
        try {
            limit = Posix.openFilesLimit();
        } catch (ErrnoException e) {
            return; // cannot tell: the fd steps will report what goes wrong
        }
        if (limit >= 0 && highest >= limit) {
            throw Failures.spawnException(r, SpawnException.Step.FDS, EINVAL,
                "keepFd(" + kept.get(highest) + ", " + highest + "): fd " + highest + " in the child is at or above"
                    + " this process's RLIMIT_NOFILE soft limit (" + limit + ")");
        }
    }

    /**
     * The detail for a failure to copy {@code fd} above {@code maxTarget} (the highest fd the
     * child is given), naming the limit when that is what stood in the way.
     */
    static String movingFailed(int fd, int maxTarget, ErrnoException e) {
        String detail = "moving fd " + fd + " out of the way, above fd " + maxTarget;
        if (e.errno() != EINVAL && e.errno() != EMFILE) {
            return detail;
        }
        long limit;
        try {
            limit = Posix.openFilesLimit();
        } catch (ErrnoException notKnown) {
            return detail;
        }
        if (e.errno() == EINVAL && maxTarget + 1L >= limit) {
            return detail + ": fd " + (maxTarget + 1) + " is at or above this process's RLIMIT_NOFILE soft limit ("
                + limit + ")";
        }
        return e.errno() == EMFILE
            ? detail + ": every fd number from " + (maxTarget + 1) + " up to this process's RLIMIT_NOFILE soft limit ("
                + limit + ") is taken"
            : detail;
    }
}
