package dev.vfork4j;

import dev.vfork4j.linux.Cgroup2;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The cgroup v2 directory a child was started in ({@code Command.cgroup(path)}), and
 * {@link Child#signalCgroup}'s refusals: never the root cgroup, never this JVM's own cgroup
 * or one above it, never a directory that only has the name of the cgroup the child was
 * started in (the cgroup was removed and another made in its place).
 *
 * @param directory the path given to Command.cgroup
 * @param key       the directory's identity when the child started (its file key: device and
 *                  inode, which cgroupfs never reuses for another cgroup), or null when it was
 *                  gone already
 */
record StartCgroup(Path directory, Object key) {

    /** The cgroup {@code directory} a child was just started in. */
    static StartCgroup of(Path directory) {
        return new StartCgroup(directory, fileKey(directory));
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Sends {@code s} to every process in this cgroup and the cgroups below it; see {@link Child#signalCgroup}. */
    void signal(Signal s) {
        Path real;
        try {
            real = directory.toRealPath();
        } catch (NoSuchFileException gone) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve cgroup " + directory, e);
        }
        Object now = fileKey(real);
        if (key == null || !key.equals(now)) {
            return; // removed since the child started (perhaps made again: another cgroup, with other processes)
        }
        String cgroup = pathOf(real).orElseThrow(() -> new IllegalStateException(
            "refusing to signal " + directory + ": it is not a directory of a cgroup v2 hierarchy"));
        if (cgroup.equals("/")) {
            throw new IllegalStateException("refusing to signal " + directory
                + ": it is the root cgroup, which holds every process of the host (or container)");
        }
        String own = ownPath().orElseThrow(() -> new IllegalStateException(
            "refusing to signal " + directory + ": cannot tell from /proc/self/cgroup which cgroup this JVM runs in"));
        if (Cgroup2.isSameOrBelow(own, cgroup)) {
            throw new IllegalStateException("refusing to signal " + directory + ": this JVM runs in "
                + (own.equals(cgroup) ? "that cgroup" : own + ", below it") + ", and would be signalled too");
        }
        if (s == Signal.SIGKILL && killAll(real)) {
            return;
        }
        for (long pid : members(real)) {
            signalIfMember(pid, cgroup, s);
        }
    }

    /** cgroup.kill (Linux 5.14): SIGKILL to the cgroup and every cgroup below it, by the kernel. */
    private static boolean killAll(Path real) {
        Path kill = real.resolve("cgroup.kill");
        if (!Files.exists(kill)) {
            return false; // before Linux 5.14: signal each member
        }
        try {
            Files.writeString(kill, "1");
            return true;
        } catch (NoSuchFileException gone) {
            return true; // removed meanwhile: nothing left to kill
        } catch (IOException e) {
            return false; // e.g. EOPNOTSUPP in a threaded cgroup: signal each member
        }
    }

    /** The pids in cgroup.procs of {@code real} and of every cgroup below it. */
    private static List<Long> members(Path real) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(real)) {
            for (Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                try {
                    for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                        if (!line.isBlank()) {
                            pids.add(Long.parseLong(line.strip()));
                        }
                    }
                } catch (NoSuchFileException gone) {
                    // a cgroup below removed during the walk
                }
            }
        } catch (NoSuchFileException | UncheckedIOException gone) {
            // the cgroup itself removed during the walk: its members are gone too
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the processes of cgroup " + real, e);
        }
        return pids;
    }

    /**
     * Signals {@code pid} through a pidfd, if the process is still in {@code cgroup} or below:
     * one that left or exited since cgroup.procs was read, and whose pid another process took,
     * is not signalled.
     */
    private static void signalIfMember(long pid, String cgroup, Signal s) {
        int pidfd;
        try {
            pidfd = Posix.pidfdOpen(pid);
        } catch (ErrnoException e) {
            return; // gone
        }
        try {
            // Read after the pidfd was opened: if /proc/PID shows a member now, the pidfd is that
            // member, or a process gone since (then the signal reaches nobody).
            if (pathOf(pid).filter(p -> Cgroup2.isSameOrBelow(p, cgroup)).isPresent()) {
                Posix.pidfdSendSignal(pidfd, s.number());
            }
        } catch (ErrnoException e) {
            // EPERM: a member this JVM may not signal
        } finally {
            Posix.close(pidfd);
        }
    }
    /** This JVM's cgroup v2 path, from /proc/self/cgroup. */
    private static Optional<String> ownPath() {
        return fromProcFile(Path.of("/proc/self/cgroup"));
    }

    /** The cgroup v2 path of process {@code pid}, empty when it is gone. */
    private static Optional<String> pathOf(long pid) {
        return fromProcFile(Path.of("/proc/" + pid + "/cgroup"));
    }

    /**
     * The "0::" line of a /proc/PID/cgroup file (cgroup v2's), relative to this process's
     * cgroup namespace as mountinfo's roots are.
     */
    private static Optional<String> fromProcFile(Path procCgroup) {
        try {
            for (String line : Files.readAllLines(procCgroup)) {
                if (line.startsWith("0::")) {
                    return Optional.of(line.substring(3));
                }
            }
        } catch (IOException gone) {
            // no such process (or no /proc)
        }
        return Optional.empty();
    }

    /**
     * The cgroup path of directory {@code real} (a real path): the cgroup v2 mount it lies in
     * (the innermost mount covering it, from /proc/self/mountinfo), that mount's root, and the
     * rest of the path. Empty when the innermost mount is not cgroup2.
     */
    private static Optional<String> pathOf(Path real) {
        String[] best = null;
        int bestDepth = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mountpoint options [optional fields] - fstype source superoptions
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (f.length < 5 || dash < 0 || dash + 1 >= f.length) {
                    continue;
                }
                Path mountpoint = Path.of(Cgroup2.unescape(f[4]));
                if (real.startsWith(mountpoint) && mountpoint.getNameCount() >= bestDepth) {
                    // Later lines mount over earlier ones at the same place.
                    best = new String[] {Cgroup2.unescape(f[3]), mountpoint.toString(), f[dash + 1]};
                    bestDepth = mountpoint.getNameCount();
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        if (best == null || !best[2].equals("cgroup2")) {
            return Optional.empty();
        }
        Path rest = Path.of(best[1]).relativize(real);
        String root = best[0];
        if (rest.toString().isEmpty()) {
            return Optional.of(root);
        }
        return Optional.of((root.endsWith("/") ? root : root + "/") + rest);
    }
}
