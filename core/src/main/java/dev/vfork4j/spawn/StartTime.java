package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.CLOCK_BOOTTIME;
import static dev.vfork4j.linux.Linux.SC_CLK_TCK;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A child's start time as /proc/PID/stat gives it (field 22, starttime: the kernel's
 * start_boottime, in clock ticks since boot), known without reading /proc. The kernel takes
 * that time inside the clone (copy_process); CLOCK_BOOTTIME read just before the clone and
 * just after it brackets that moment, and when both readings fall in the same tick, that tick
 * is the child's. The two readings go through the vDSO (no system call); the /proc read they
 * spare is an open, a walk of /proc/PID, a read and a parse. A clone that straddles a tick
 * (about one in a hundred: a clone of tens of microseconds against ticks of 10 ms) gives no
 * answer, nor does a reading that fails: the caller then reads /proc as before.
 *
 * <p>Both clocks are the kernel's boot time seen from this process's time namespace
 * (clock_gettime adds the namespace's offset, and /proc/PID/stat adds the reader's), so the
 * tick is the one this process reads in /proc.
 */
public final class StartTime {
    private StartTime() {}

    /** What a start brackets: -1 when the clone straddled a tick or a reading failed. */
    public static final long UNKNOWN = -1;

    /** sysconf(_SC_CLK_TCK), clock ticks a second (USER_HZ, 100 on every Linux); 0 until known, asked again after a failure. */
    private static volatile long ticksPerSecond;

    /** Where one spawn reads the clock: errno's state and a struct timespec, in the spawn's arena. */
    record Clock(MemorySegment state, MemorySegment timespec) {
        static Clock in(Arena arena) {
            return new Clock(CallState.allocate(arena), arena.allocate(16, 8));
        }

        /** CLOCK_BOOTTIME in nanoseconds, or -1 when it cannot be read. */
        long bootNanos() {
            if (LibC.clock_gettime(state, CLOCK_BOOTTIME, timespec) != 0) {
                return -1;
            }
            return timespec.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + timespec.get(ValueLayout.JAVA_LONG, 8);
        }
    }

    /**
     * The tick, as /proc/PID/stat gives it, of a child cloned between the two readings
     * ({@link Clock#bootNanos}), or {@link #UNKNOWN} when they fall in different ticks, either
     * failed, or the tick's length is not a whole number of nanoseconds (the kernel then
     * converts otherwise; no Linux has such a USER_HZ).
     */
    static long tick(long before, long after) {
        long hz = ticksPerSecond();
        if (before < 0 || after < before || hz <= 0 || 1_000_000_000L % hz != 0) {
            return UNKNOWN;
        }
        long nanosPerTick = 1_000_000_000L / hz;
        long tick = before / nanosPerTick;
        return after / nanosPerTick == tick ? tick : UNKNOWN;
    }

    /**
     * {@code tick} in milliseconds since boot, as the JDK turns /proc's start time into a
     * ProcessHandle's ({@code ticks * 1000 / sysconf(_SC_CLK_TCK)}, added to its boot time);
     * {@link #UNKNOWN} for {@link #UNKNOWN}.
     *
     * @param tick a tick {@link Spawned#startTick()} gave, or {@link #UNKNOWN}
     * @return milliseconds since boot, or {@link #UNKNOWN}
     */
    public static long millisSinceBoot(long tick) {
        long hz = ticksPerSecond();
        return tick < 0 || hz <= 0 ? UNKNOWN : tick * 1000 / hz;
    }

    private static long ticksPerSecond() {
        long hz = ticksPerSecond;
        if (hz <= 0) {
            try (Arena a = Arena.ofConfined()) {
                hz = LibC.sysconf(CallState.allocate(a), SC_CLK_TCK);
            }
            if (hz > 0) {
                ticksPerSecond = hz;
            }
        }
        return hz;
    }
}
