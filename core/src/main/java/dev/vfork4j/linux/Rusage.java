package dev.vfork4j.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct rusage} as the raw {@code waitid(2)} system call fills it through its fifth
 * argument (144 bytes on every 64-bit Linux: two {@code struct timeval} and fourteen longs).
 * glibc's {@code waitid} wrapper has no such argument, so the reap makes the system call itself
 * ({@link Posix#waitidWithUsage}).
 *
 * <p>Only the two CPU times are read. {@code ru_maxrss} is deliberately not: exec carries the
 * old memory's high-water mark over into the new program (fs/exec.c, {@code exec_mmap} →
 * {@code setmax_mm_hiwater_rss(&tsk->signal->maxrss, old_mm)}), and a VFORK or POSIX_SPAWN
 * child's old memory is this whole JVM's, so a {@code /bin/true} under an 8 GB heap would
 * report gigabytes.
 */
public final class Rusage {
    private Rusage() {}

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
        ValueLayout.JAVA_LONG.withName("ru_utime_sec"),
        ValueLayout.JAVA_LONG.withName("ru_utime_usec"),
        ValueLayout.JAVA_LONG.withName("ru_stime_sec"),
        ValueLayout.JAVA_LONG.withName("ru_stime_usec"),
        ValueLayout.JAVA_LONG.withName("ru_maxrss"),
        MemoryLayout.paddingLayout(144 - 40));

    /** Offsets in {@link #LAYOUT}, as constants (StructLayoutTest checks them; a layout path costs a first spawn milliseconds). */
    static final long UTIME = 0, STIME = 16;

    /** {@code ru_utime} in microseconds, of the rusage at byte {@code at} of {@code block}. */
    public static long userMicros(MemorySegment block, long at) {
        return micros(block, at + UTIME);
    }

    /** {@code ru_stime} in microseconds, of the rusage at byte {@code at} of {@code block}. */
    public static long systemMicros(MemorySegment block, long at) {
        return micros(block, at + STIME);
    }

    private static long micros(MemorySegment r, long offset) {
        return r.get(ValueLayout.JAVA_LONG, offset) * 1_000_000L + r.get(ValueLayout.JAVA_LONG, offset + 8);
    }
}
