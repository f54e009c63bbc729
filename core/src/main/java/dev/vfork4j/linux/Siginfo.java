package dev.vfork4j.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code siginfo_t} as {@code waitid(2)} fills it for a child (128 bytes on every 64-bit Linux;
 * the SIGCHLD fields follow a 4-byte hole after {@code si_code}).
 */
public final class Siginfo {
    private Siginfo() {}

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
        ValueLayout.JAVA_INT.withName("si_signo"),
        ValueLayout.JAVA_INT.withName("si_errno"),
        ValueLayout.JAVA_INT.withName("si_code"),
        MemoryLayout.paddingLayout(4),
        ValueLayout.JAVA_INT.withName("si_pid"),
        ValueLayout.JAVA_INT.withName("si_uid"),
        ValueLayout.JAVA_INT.withName("si_status"),
        MemoryLayout.paddingLayout(128 - 28));

    /**
     * The fields' offsets in {@link #LAYOUT}, as constants (StructLayoutTest checks them against
     * it): a layout path (byteOffset) costs a fresh JVM's first spawn some milliseconds, spent
     * making the JDK's LayoutPath method handles.
     */
    static final long SI_CODE = 8, SI_PID = 16, SI_STATUS = 24;

    /**
     * What a reap fills: a siginfo_t followed by the {@link Rusage} of the reaped child
     * ({@link Posix#waitidWithUsage}). One block, so the loop's and each waiting thread's
     * scratch memory stays one allocation.
     */
    public static final StructLayout REAP_LAYOUT = MemoryLayout.structLayout(LAYOUT.withName("info"),
        Rusage.LAYOUT.withName("usage"));

    /** Where the rusage begins in {@link #REAP_LAYOUT}. */
    public static final long REAP_USAGE = 128;

    public static int code(MemorySegment info) {
        return info.get(ValueLayout.JAVA_INT, SI_CODE);
    }

    public static int pid(MemorySegment info) {
        return info.get(ValueLayout.JAVA_INT, SI_PID);
    }

    public static int status(MemorySegment info) {
        return info.get(ValueLayout.JAVA_INT, SI_STATUS);
    }
}
