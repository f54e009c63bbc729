package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.SpawnException;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.PlatformStrings;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.PosixSpawnTypes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import dev.vfork4j.Signal;

/**
 * Starts a child with glibc's {@code posix_spawn} (which clones with CLONE_VM | CLONE_VFORK
 * and returns the exec's errno): one exec per spawn, no helper binary.
 *
 * <ul>
 *   <li>File actions: {@code dup2} each redirect and kept fd into place, {@code addchdir_np}
 *       for the directory, {@code addclose}/{@code addclosefrom_np} so only fds 0, 1, 2 and the
 *       kept ones reach the child.</li>
 *   <li>A new session ({@code POSIX_SPAWN_SETSID}), a process group
 *       ({@code POSIX_SPAWN_SETPGROUP}) and the child's signal mask when the Command asks.</li>
 *   <li>Attributes: an empty signal mask, and every signal set to its default action except
 *       those this JVM had inherited as ignored (as exec keeps SIG_IGN: {@code nohup} works);
 *       SIGPIPE always to its default ({@link SignalDefaults}).</li>
 *   <li>A program without '/' is searched with execvp semantics ({@code posix_spawnp}) in the
 *       PATH of this JVM, not in the child's environment, as ProcessBuilder does.</li>
 *   <li>A file the kernel cannot exec (ENOEXEC: a script without {@code #!}) is run with
 *       {@code /bin/sh} as execvp and the JDK run it: glibc's posix_spawn reports ENOEXEC
 *       instead (since 2.27), so the spawn is made again with {@code /bin/sh} and
 *       {"/bin/sh", path, argv[1], ...}.</li>
 * </ul>
 */
public final class PosixSpawnLauncher implements Launcher {

    @Override
    public Spawned spawn(SpawnRequest r) throws SpawnException {
        checkDirectory(r);
        FdLimit.check(r);
        try (Arena arena = Arena.ofConfined(); Stdio stdio = Stdio.open(r)) {
            MemorySegment actions = arena.allocate(PosixSpawnTypes.FILE_ACTIONS_T);
            MemorySegment attr = arena.allocate(PosixSpawnTypes.ATTR_T);
            LibC.posix_spawn_file_actions_init(actions);
            LibC.posix_spawnattr_init(attr);
            try {
                List<Integer> lifted = new ArrayList<>();
                int pid;
                StartTime.Clock clock = StartTime.Clock.in(arena);
                long before = clock.bootNanos();
                long after;
                try {
                    pid = spawn(r, stdio, arena, actions, attr, lifted);
                    after = clock.bootNanos();
                } finally {
                    lifted.forEach(Posix::close);
                }
                int pidfd;
                try {
                    pidfd = Posix.pidfdOpen(pid);
                } catch (ErrnoException e) {
                    Posix.killAndReap(pid);
                    throw Failures.spawnException(r, SpawnException.Step.PIDFD, e.errno(), "pidfd_open(" + pid + ")");
                }
                Spawned s = new Spawned(pid, pidfd, stdio.parentEnd(0), stdio.parentEnd(1), stdio.parentEnd(2),
                    StartTime.tick(before, after));
                stdio.handOver();
                return s;
            } finally {
                LibC.posix_spawnattr_destroy(attr);
                LibC.posix_spawn_file_actions_destroy(actions);
            }
        }
    }

    private static int spawn(SpawnRequest r, Stdio stdio, Arena arena, MemorySegment actions,
                             MemorySegment attr, List<Integer> lifted) throws SpawnException {
        ChildAttributes a = r.attributes();
        SortedMap<Integer, Integer> kept = a.keptFds();
        int maxTarget = kept.isEmpty() ? 2 : Math.max(2, kept.lastKey());
        for (int target = 0; target < 3; target++) {
            int src = stdio.source(target);
            if (src != Stdio.INHERIT) {
                check(r, LibC.posix_spawn_file_actions_adddup2(actions, lift(r, src, maxTarget, lifted), target), "adddup2");
            }
            if (target == 2 && stdio.stderrToStdout()) {
                check(r, LibC.posix_spawn_file_actions_adddup2(actions, 1, 2), "adddup2(1, 2)");
            }
        }
        for (Map.Entry<Integer, Integer> e : kept.entrySet()) {
            if (!Posix.isOpen(e.getValue())) {
                throw Failures.spawnException(r, SpawnException.Step.FDS, EBADF,
                    "keepFd(" + e.getValue() + ", " + e.getKey() + "): fd " + e.getValue() + " is not open");
            }
            // adddup2 of an fd onto itself clears its FD_CLOEXEC (glibc 2.29+); lifting makes every case a real dup2.
            check(r, LibC.posix_spawn_file_actions_adddup2(actions, lift(r, e.getValue(), maxTarget, lifted), e.getKey()),
                "adddup2(keepFd)");
        }
        for (int fd = 3; fd <= maxTarget; fd++) {
            if (!kept.containsKey(fd)) {
                check(r, LibC.posix_spawn_file_actions_addclose(actions, fd), "addclose");
            }
        }
        if (r.directory() != null) {
            check(r, LibC.posix_spawn_file_actions_addchdir_np(actions, PlatformStrings.cString(arena, r.directory().toString())),
                "addchdir_np");
        }
        check(r, LibC.posix_spawn_file_actions_addclosefrom_np(actions, maxTarget + 1), "addclosefrom_np");

        MemorySegment empty = arena.allocate(PosixSpawnTypes.SIGSET_T);
        LibC.sigemptyset(empty);
        // The set is written directly rather than with sigaddset, which refuses glibc's two
        // internal signals (32, 33): left out of the set, glibc's child sets them to SIG_IGN
        // (it has handlers for them in the parent), and exec would pass that ignore on. The
        // agent's children want exactly that (glibcSignalsIgnored: the JDK's have it so).
        MemorySegment toDefault = arena.allocate(PosixSpawnTypes.SIGSET_T);
        toDefault.set(ValueLayout.JAVA_LONG, 0, SignalDefaults.toDefaultForPosixSpawn(a)); // bit n-1 is signal n, 1-64
        for (Signal blocked : a.signalMask()) {
            empty.set(ValueLayout.JAVA_LONG, 0, empty.get(ValueLayout.JAVA_LONG, 0) | (1L << (blocked.number() - 1)));
        }
        check(r, LibC.posix_spawnattr_setsigmask(attr, empty), "setsigmask");
        check(r, LibC.posix_spawnattr_setsigdefault(attr, toDefault), "setsigdefault");
        int flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (a.newSession()) {
            flags |= POSIX_SPAWN_SETSID;
        }
        if (a.processGroup() >= 0) {
            flags |= POSIX_SPAWN_SETPGROUP;
            check(r, LibC.posix_spawnattr_setpgroup(attr, a.processGroup()), "setpgroup");
        }
        check(r, LibC.posix_spawnattr_setflags(attr, (short) flags), "setflags");

        MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
        String program = r.program();
        MemorySegment argv = NativeStrings.array(arena, r.argv());
        MemorySegment envp = NativeStrings.environment(arena, r.environment());
        int rc = LibC.posix_spawn(!program.contains("/"), pid, PlatformStrings.cString(arena, program), actions, attr,
            argv, envp);
        String script = rc == ENOEXEC ? scriptPath(r) : null;
        if (script != null) {
            // The same file actions and attributes apply to the shell's child.
            MemorySegment shell = PlatformStrings.cString(arena, NativeStrings.shell());
            rc = LibC.posix_spawn(false, pid, shell, actions, attr,
                NativeStrings.shellArray(arena, shell, PlatformStrings.cString(arena, script), argv, r.argv().size()),
                envp);
        }
        if (rc != 0) {
            // posix_spawn reports the clone's errno or the exec's; only EAGAIN is certainly the clone.
            throw Failures.spawnException(r, rc == EAGAIN ? SpawnException.Step.CLONE : SpawnException.Step.EXEC,
                rc, null);
        }
        return pid.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * The file posix_spawn found to be no executable format: the program when it names a
     * path, else the first candidate on this JVM's PATH that is an executable regular file
     * (the one execvp stops at, since every candidate before it failed with ENOENT, EACCES or
     * the like). Relative paths are the child's, so they are resolved in its directory. Null
     * when none is found.
     */
    private static String scriptPath(SpawnRequest r) {
        for (String candidate : ExecCandidates.of(r.program())) {
            if (r.program().contains("/")) {
                return candidate;
            }
            try {
                Path file = r.directory() == null ? Path.of(candidate) : r.directory().resolve(candidate);
                if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                    return candidate;
                }
            } catch (java.nio.file.InvalidPathException unmappable) {
                // characters the platform encoding cannot hold: not a file this JVM can look at
            }
        }
        return null;
    }

    /** A copy of {@code fd} above every target when it is itself a target number, so dup2s cannot clobber sources. */
    private static int lift(SpawnRequest r, int fd, int maxTarget, List<Integer> lifted) throws SpawnException {
        if (fd > maxTarget) {
            return fd;
        }
        try {
            int copy = Posix.dupCloexec(fd, maxTarget + 1);
            lifted.add(copy);
            return copy;
        } catch (ErrnoException e) {
            throw Failures.spawnException(r, SpawnException.Step.FDS, e.errno(), FdLimit.movingFailed(fd, maxTarget, e));
        }
    }

    private static void check(SpawnRequest r, int rc, String call) throws SpawnException {
        if (rc != 0) {
            throw Failures.spawnException(r, SpawnException.Step.FDS, rc, "posix_spawn_file_actions/attr " + call);
        }
    }

    /**
     * The child would chdir; checking first in the parent lets a missing directory be reported
     * as CHDIR rather than as an ambiguous errno from posix_spawn.
     */
    static void checkDirectory(SpawnRequest r) throws SpawnException {
        Path dir = r.directory();
        if (dir == null) {
            return;
        }
        if (!Files.exists(dir)) {
            throw Failures.spawnException(r, SpawnException.Step.CHDIR, ENOENT, null);
        }
        if (!Files.isDirectory(dir)) {
            throw Failures.spawnException(r, SpawnException.Step.CHDIR, ENOTDIR, null);
        }
        if (!Files.isExecutable(dir)) {
            throw Failures.spawnException(r, SpawnException.Step.CHDIR, EACCES, null);
        }
    }
}
