package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.Mechanism;
import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.NativeAccess;
import dev.vfork4j.linux.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Which mechanisms and kernel features work here, each probed once, for real. */
public final class Availability {
    private Availability() {}

    /** Each mechanism's answer once probed; read on every spawn, without a lock. */
    private static final AtomicReferenceArray<Optional<String>> PROBLEMS =
        new AtomicReferenceArray<>(Mechanism.values().length);

    /** Why {@code m} cannot be used here; empty when it can. */
    public static Optional<String> unavailableReason(Mechanism m) {
        Optional<String> known = PROBLEMS.get(m.ordinal());
        if (known == null) {
            synchronized (Availability.class) { // one probe per mechanism, even when many threads ask first
                known = PROBLEMS.get(m.ordinal());
                if (known == null) {
                    known = Optional.ofNullable(probe(m));
                    PROBLEMS.set(m.ordinal(), known);
                }
            }
        }
        return known;
    }

    private static String probe(Mechanism m) {
        if (m == Mechanism.JDK) {
            return null;
        }
        if (!NativeAccess.available()) {
            return NativeAccess.problem();
        }
        return switch (m) {
            case POSIX_SPAWN -> {
                if (LibC.fa_addclosefrom_np$mh.isEmpty() || LibC.fa_addchdir_np$mh.isEmpty()) {
                    yield "glibc " + LibC.gnu_get_libc_version()
                        + " lacks posix_spawn_file_actions_addclosefrom_np/addchdir_np (glibc 2.34 or newer needed)";
                }
                String pidfd = feature("pidfd_open");
                yield pidfd == null ? null : "pidfd_open: " + pidfd;
            }
            case VFORK, FORK -> {
                for (String needed : new String[] {"clone3", "CLONE_CLEAR_SIGHAND", "close_range", "pidfd_open"}) {
                    String problem = feature(needed);
                    if (problem != null) {
                        yield needed + ": " + problem;
                    }
                }
                yield new CloneLauncher(m == Mechanism.VFORK).probe();
            }
            case JDK -> null;
        };
    }

    /** True when POSIX_SPAWN can honour the Command attribute {@code attribute}. */
    public static boolean posixSpawnCan(String attribute) {
        return ChildAttributes.POSIX_SPAWN_CAN.contains(attribute);
    }

    /**
     * Kernel features and whether each works here: the value is null when it does, else why
     * not. Probed with calls that change nothing.
     */
    public static Map<String, String> kernelFeatures() {
        Map<String, String> features = new LinkedHashMap<>();
        for (String f : new String[] {"pidfd_open", "pidfd_send_signal", "clone3", "close_range", "CLONE_CLEAR_SIGHAND"}) {
            features.put(f, NativeAccess.available() ? feature(f) : NativeAccess.problem());
        }
        return features;
    }

    private static String feature(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            return switch (name) {
                case "pidfd_open" -> {
                    long fd = LibC.syscall(st, SYS_PIDFD_OPEN, LibC.getpid(), 0);
                    if (fd < 0) {
                        yield errno(st) + " (needs Linux 5.3)";
                    }
                    Posix.close((int) fd);
                    yield null;
                }
                case "pidfd_send_signal" -> {
                    // Signal 0 to a pidfd that is not one: EBADF when the call exists, ENOSYS when not.
                    long r = LibC.syscall(st, SYS_PIDFD_SEND_SIGNAL, -1, 0, 0, 0);
                    yield r < 0 && CallState.errno(st) == ENOSYS ? "ENOSYS (needs Linux 5.1)" : null;
                }
                case "clone3" -> {
                    // A NULL argument of size 0 is refused with EINVAL by a kernel that has clone3.
                    long r = LibC.syscall(st, SYS_CLONE3, 0, 0);
                    yield r < 0 && CallState.errno(st) == ENOSYS ? "ENOSYS (needs Linux 5.3)" : null;
                }
                case "close_range" -> {
                    // An empty range at the top of the fd space closes nothing.
                    long r = LibC.syscall(st, SYS_CLOSE_RANGE, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 0, 0); // flags = 0
                    yield r < 0 ? errno(st) + " (needs Linux 5.9)" : null;
                }
                case "CLONE_CLEAR_SIGHAND" -> kernelAtLeast(5, 5) ? null : "needs Linux 5.5; this is " + kernelRelease();
                default -> throw new IllegalArgumentException(name);
            };
        }
    }

    private static String errno(MemorySegment st) {
        return dev.vfork4j.linux.Errno.name(CallState.errno(st));
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
