package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.SpawnException;
import dev.vfork4j.SpawnException.Step;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.Errno;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.NativeAccess;
import dev.vfork4j.linux.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which mechanisms and kernel features work here, probed for real. Only a definitive answer is
 * kept for the JVM's life: the mechanism works, or it cannot (ENOSYS, EPERM from a seccomp
 * policy, EINVAL for a flag the kernel does not know, native access refused, a glibc too old). A
 * probe that fails for a reason that passes (EAGAIN, ENOMEM, EMFILE, ENFILE, EINTR: a process or
 * fd limit reached for the moment) fails that spawn with a SpawnException naming the errno, and
 * the next spawn probes again.
 *
 * <p>Spawning does not wait for a probe child. For VFORK and FORK the spawn path
 * ({@link #require}, {@link Technique#best()}) asks only what costs no child: native access, the
 * architecture, and whether clone3 and close_range exist (a call each that changes nothing). The
 * child routine itself is then tried by the first real spawn: when that spawn succeeds, the
 * mechanism is known to work ({@link #worked}); when it fails for a reason that does not pass,
 * {@link #afterFailedTrial} runs the probe child that used to run before every first spawn and
 * keeps its verdict, so a mechanism that cannot work here is found out by the same probe as
 * before, and a Command that did not choose its mechanism is started again with the next best.
 * A first spawn is thereby spared a probe child (a clone, a wait and a reap) and the kernel
 * version read from /proc. An explicit question ({@link #unavailableReason}, the doctor) still
 * probes for real when no spawn has answered it yet.
 */
public final class Availability {
    private Availability() {}

    /**
     * What a probe found: {@code problem} null when the mechanism works, else why not;
     * {@code transientErrno} non-zero when the problem is one that passes, with the step it hit.
     */
    record Answer(String problem, int transientErrno, Step step) {
        static final Answer AVAILABLE = new Answer(null, 0, null);

        static Answer definitive(String problem) {
            return new Answer(problem, 0, null);
        }

        boolean definitive() {
            return transientErrno == 0;
        }
    }

    /**
     * VFORK or FORK whose kernel features are there but whose child routine has not run here
     * yet: usable by a spawn, which tries it (see the class comment), but not an answer to an
     * explicit question.
     */
    private static final Answer UNTRIED = new Answer(null, 0, null);

    /** The errnos that say "not now" rather than "never": a probe that hits one is not kept. */
    static boolean isTransient(int errno) {
        return errno == EAGAIN || errno == ENOMEM || errno == EMFILE || errno == ENFILE || errno == EINTR;
    }

    /** Why {@code m} cannot be used here; empty when it can. A transient reason says so, and is not kept. */
    static Optional<String> unavailableReason(Technique m) {
        Answer a = answer(m);
        if (a.problem() == null) {
            return Optional.empty();
        }
        return Optional.of(a.definitive() ? a.problem()
            : a.problem() + " (a passing condition: probed again at the next use)");
    }

    /**
     * True only when {@code m} is known never to work here. A mechanism whose probe failed for a
     * passing reason is not passed over, so that {@link Technique#best()} does not settle on a
     * lesser mechanism for the JVM's life because of a moment's process or fd limit.
     */
    static boolean definitelyUnavailable(Technique m) {
        Answer a = screen(m);
        return a.problem() != null && a.definitive();
    }

    /**
     * Checks that {@code m} can start a child now, before anything is acquired for the spawn.
     *
     * @throws UnsupportedOperationException when {@code m} never works here, with the reason
     * @throws SpawnException when its probe failed for a passing reason (the errno says which);
     *                        the next call probes again
     */
    static void require(Technique m, String program, Path directory) throws SpawnException {
        Answer a = screen(m);
        if (a.problem() == null) {
            return;
        }
        if (a.definitive()) {
            throw new UnsupportedOperationException("mechanism " + m + " is not available here: " + a.problem());
        }
        throw Failures.spawnException(program, directory, a.step(), a.transientErrno(),
            "probing " + m + ": " + a.problem());
    }

    /**
     * A spawn of {@code m} succeeded: the mechanism works here. Call after every successful
     * spawn; it costs a read once known.
     */
    static void worked(Technique m) {
        if (m.known == UNTRIED) {
            synchronized (Availability.class) { // once per mechanism
                if (m.known == UNTRIED) {
                    m.known = Answer.AVAILABLE;
                }
            }
        }
    }

    /**
     * A spawn of {@code m} failed with {@code errno}, maybe because the mechanism cannot work here
     * rather than because of the request: when {@code m}'s child routine had not been tried yet
     * and the errno is not one that passes, the probe child decides, as it decided before any
     * first spawn before (its verdict is kept, definitive either way).
     *
     * @return why {@code m} can never work here, or null when it can (or may: the failure was the
     *     request's own, or one that passes), and the failure stands
     */
    static String afterFailedTrial(Technique m, int errno) {
        if (m.known != UNTRIED || isTransient(errno)) {
            return null;
        }
        Answer a = answer(m);
        return a.problem() != null && a.definitive() ? a.problem() : null;
    }

    /** What an explicit question gets: the full probe (with VFORK's and FORK's probe child) unless a spawn answered it. */
    private static Answer answer(Technique m) {
        Answer known = m.known;
        if (known != null && known != UNTRIED) {
            return known;
        }
        synchronized (Availability.class) { // one probe at a time, even when many threads ask first
            known = m.known;
            if (known != null && known != UNTRIED) {
                return known;
            }
            Answer a = probe(m);
            if (a.definitive()) {
                m.known = a;
            }
            return a;
        }
    }

    /**
     * What a spawn and {@link Technique#best()} go by: for VFORK and FORK, only what needs no
     * child ({@link #UNTRIED} when all of it is there); for the others, the full probe, which
     * makes no child for them.
     */
    private static Answer screen(Technique m) {
        Answer known = m.known;
        if (known != null) {
            return known;
        }
        if (!m.runsRoutine) {
            return answer(m);
        }
        synchronized (Availability.class) {
            known = m.known;
            if (known != null) {
                return known;
            }
            Answer a = cloneFeatures();
            a = a == null ? UNTRIED : a;
            if (a.definitive()) {
                m.known = a;
            }
            return a;
        }
    }

    /**
     * What VFORK and FORK need that can be asked without a child, file or fd: native access,
     * this architecture's constants, clone3 and close_range. Null when all of it is there.
     */
    private static Answer cloneFeatures() {
        if (!NativeAccess.available()) {
            return Answer.definitive(NativeAccess.problem());
        }
        for (String needed : new String[] {"clone3", "close_range"}) {
            Answer a = feature(needed);
            if (a.problem() != null) {
                return new Answer(needed + ": " + a.problem(), a.transientErrno(), a.step());
            }
        }
        return null;
    }

    private static Answer probe(Technique m) {
        if (!m.isNative()) {
            return Answer.AVAILABLE;
        }
        if (!NativeAccess.available()) {
            return Answer.definitive(NativeAccess.problem());
        }
        if (m.runsRoutine) {
            for (String needed : new String[] {"clone3", "CLONE_CLEAR_SIGHAND", "close_range", "pidfd_open"}) {
                Answer a = feature(needed);
                if (a.problem() != null) {
                    return new Answer(needed + ": " + a.problem(), a.transientErrno(), a.step());
                }
            }
            return new CloneLauncher(m == Technique.VFORK).probe();
        }
        return switch (m) {
            case POSIX_SPAWN -> {
                if (!LibC.hasSymbol("posix_spawn_file_actions_addclosefrom_np")
                    || !LibC.hasSymbol("posix_spawn_file_actions_addchdir_np")) {
                    yield Answer.definitive("glibc " + LibC.gnu_get_libc_version()
                        + " lacks posix_spawn_file_actions_addclosefrom_np/addchdir_np (glibc 2.34 or newer needed)");
                }
                Answer pidfd = feature("pidfd_open");
                yield pidfd.problem() == null ? pidfd
                    : new Answer("pidfd_open: " + pidfd.problem(), pidfd.transientErrno(), pidfd.step());
            }
            default -> throw new AssertionError(m + " has no probe: add one here");
        };
    }

    /**
     * Kernel features and whether each works here: the value is null when it does, else why
     * not. Probed with calls that change nothing.
     */
    public static Map<String, String> kernelFeatures() {
        Map<String, String> features = new LinkedHashMap<>();
        for (String f : new String[] {"pidfd_open", "pidfd_send_signal", "clone3", "close_range", "CLONE_CLEAR_SIGHAND"}) {
            features.put(f, NativeAccess.available() ? feature(f).problem() : NativeAccess.problem());
        }
        return features;
    }

    private static Answer feature(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            return switch (name) {
                case "pidfd_open" -> {
                    long fd = LibC.syscall(st, SYS_PIDFD_OPEN, LibC.getpid(), 0);
                    if (fd < 0) {
                        int errno = CallState.errno(st);
                        yield isTransient(errno) ? new Answer(describe(errno), errno, Step.PIDFD)
                            : Answer.definitive(describe(errno) + (errno == ENOSYS ? " (needs Linux 5.3)" : ""));
                    }
                    Posix.close((int) fd);
                    yield Answer.AVAILABLE;
                }
                case "pidfd_send_signal" -> {
                    // Signal 0 to a pidfd that is not one: EBADF when the call exists, ENOSYS when not.
                    long r = LibC.syscall(st, SYS_PIDFD_SEND_SIGNAL, -1, 0, 0, 0);
                    yield r < 0 && CallState.errno(st) == ENOSYS ? Answer.definitive("ENOSYS (needs Linux 5.1)")
                        : Answer.AVAILABLE;
                }
                case "clone3" -> {
                    // A NULL argument of size 0 is refused with EINVAL by a kernel that has clone3.
                    long r = LibC.syscall(st, SYS_CLONE3, 0, 0);
                    yield r < 0 && CallState.errno(st) == ENOSYS ? Answer.definitive("ENOSYS (needs Linux 5.3)")
                        : Answer.AVAILABLE;
                }
                case "close_range" -> {
                    // An empty range at the top of the fd space closes nothing.
                    long r = LibC.syscall(st, SYS_CLOSE_RANGE, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 0, 0); // flags = 0
                    yield r < 0 ? Answer.definitive(describe(CallState.errno(st))
                        + (CallState.errno(st) == ENOSYS ? " (needs Linux 5.9)" : "")) : Answer.AVAILABLE;
                }
                case "CLONE_CLEAR_SIGHAND" -> kernelAtLeast(5, 5) ? Answer.AVAILABLE
                    : Answer.definitive("needs Linux 5.5; this is " + kernelRelease());
                default -> throw new IllegalArgumentException(name);
            };
        }
    }

    /** {@code "EMFILE (Too many open files)"}. */
    static String describe(int errno) {
        return Errno.name(errno) + " (" + Errno.description(errno) + ")";
    }

    /** The kernel release, as uname -r prints it. */
    public static String kernelRelease() {
        try {
            return dev.vfork4j.linux.Procfs.read(java.nio.file.Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (java.io.IOException e) {
            return System.getProperty("os.version", "unknown");
        }
    }

    static boolean kernelAtLeast(int major, int minor) {
        String[] parts = kernelRelease().split("[.-]");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = Integer.parseInt(parts[1]);
            return ma > major || (ma == major && mi >= minor);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
