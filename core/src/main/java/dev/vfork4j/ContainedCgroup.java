package dev.vfork4j;

import dev.vfork4j.linux.Cgroup2;
import dev.vfork4j.linux.Procfs;
import dev.vfork4j.loop.EmptyCgroupWatch;
import dev.vfork4j.loop.EventLoop;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cgroup v2 a {@link Command#contained() contained} child gets: a leaf made for it before
 * the spawn (the child is cloned straight into it), signalled as a whole by killTree and
 * timeouts, read for the CPU of the whole tree when the child is reaped, and removed once the
 * child has been reaped and nothing it left behind is alive ({@code populated 0}).
 */
final class ContainedCgroup {
    /** Names are this JVM's pid and a count: unique among the JVMs alive, and one left over from a dead JVM is skipped. */
    private static final AtomicLong COUNT = new AtomicLong();

    private final Path directory;
    private final StartCgroup start;

    private ContainedCgroup(Path directory) {
        this.directory = directory;
        this.start = StartCgroup.of(directory);
    }

    /**
     * Makes a new leaf below {@code parent} (null: this JVM's own cgroup).
     *
     * @throws UnsupportedOperationException when there is no writable cgroup v2 there, saying
     *                                       what was checked; nothing is left behind
     */
    static ContainedCgroup create(Path parent) {
        Path dir = parent;
        if (dir == null) {
            Cgroup2 h = Cgroup2.find().orElseThrow(() -> new UnsupportedOperationException(
                "contained() needs a cgroup v2 hierarchy: /proc/self/mountinfo shows no cgroup2 mount holding this JVM's"
                    + " cgroup (or /proc/self/cgroup has no \"0::\" line): use contained(parent) with a writable cgroup v2"
                    + " directory, or leave contained() out"));
            dir = h.ownDirectory();
        } else if (!Cgroup2.isCgroup2Directory(dir)) {
            throw new UnsupportedOperationException("contained(" + parent + ") needs a cgroup v2 directory: " + parent
                + " has no cgroup.procs and cgroup.controllers");
        }
        if (!Files.isWritable(dir)) {
            throw new UnsupportedOperationException("contained() cannot make a cgroup in " + dir
                + (parent == null ? " (this JVM's cgroup, from /proc/self/cgroup and /proc/self/mountinfo)" : "")
                + ": the directory is not writable by this user; give it a delegated cgroup with contained(parent)");
        }
        long pid = ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++) {
            Path leaf = dir.resolve("vfork4j-" + pid + "-" + COUNT.incrementAndGet());
            try {
                Files.createDirectory(leaf);
                return new ContainedCgroup(leaf);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw new UnsupportedOperationException("contained() cannot make a cgroup in " + dir + ": " + e, e);
                }
            } catch (IOException e) {
                throw new UnsupportedOperationException("contained() cannot make a cgroup in " + dir + " (" + e + ")"
                    + (parent == null ? "; it is this JVM's cgroup: give a delegated one with contained(parent)" : ""), e);
            }
        }
    }

    Path directory() {
        return directory;
    }

    /** What {@link Child#signalCgroup} and the refusals it makes work on. */
    StartCgroup asStartCgroup() {
        return start;
    }

    /** Sends {@code s} to every process in the cgroup: cgroup.kill for SIGKILL, else each member through a pidfd. */
    void signal(Signal s) {
        start.signal(s);
    }

    /** The CPU of every process the cgroup has held, from cpu.stat (kept without the cpu controller). */
    ResourceUsage usage(Duration wall) {
        long user = -1, system = -1;
        try {
            for (String line : Procfs.read(directory.resolve("cpu.stat")).split("\n")) {
                if (line.startsWith("user_usec ")) {
                    user = Long.parseLong(line.substring(10).strip());
                } else if (line.startsWith("system_usec ")) {
                    system = Long.parseLong(line.substring(12).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (user < 0 || system < 0) {
            return null;
        }
        return ResourceUsage.of(Duration.ofNanos(user * 1000), Duration.ofNanos(system * 1000), wall, ResourceUsage.Scope.CGROUP);
    }

    /** Removes the cgroup once nothing is left in it: now, or when the loop sees populated turn 0. */
    void removeWhenEmpty(EventLoop loop) {
        EmptyCgroupWatch.start(directory, loop, this::remove);
    }

    /** Removes the (empty) cgroup; one that is still busy, or gone, is left as it is. */
    void remove() {
        try {
            Files.delete(directory);
        } catch (NoSuchFileException gone) {
            // removed already
        } catch (IOException e) {
            // EBUSY: a process got in after populated was read 0 (only a process of this cgroup can put one there, and
            // there is none) — or the directory was taken over by someone else: theirs now.
        }
    }
}
