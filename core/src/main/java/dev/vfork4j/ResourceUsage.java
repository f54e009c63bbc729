package dev.vfork4j;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a child cost, as known when it was reaped: CPU time in user and kernel mode, and the
 * time from its spawn to its reap. Read from {@link ExitStatus#usage()}.
 *
 * <p>{@link #scope()} says whose figures they are: the child's own, with those of the
 * descendants it waited for (the rusage the kernel hands over at the reap), or, for a
 * {@link Command#contained() contained} child, its whole cgroup's, every descendant included,
 * waited for or not, up to the reap ({@code cpu.stat}, which cgroup v2 keeps without any
 * controller).
 *
 * <p>No memory figure is taken from the rusage: its {@code ru_maxrss} of a child started with
 * vfork (or posix_spawn) is this JVM's high-water mark, carried over by exec, so a
 * {@code /bin/true} under an 8 GB heap would report gigabytes. {@link #peakMemory()} is empty
 * until it can be read from a cgroup's {@code memory.peak}. The value is a class with a private
 * constructor, not a record, so that more figures (peak memory, OOM kills, peak tasks, from the
 * memory and pids controllers where they are delegated) can be added without breaking callers.
 */
public final class ResourceUsage {
    /** Whose figures a ResourceUsage holds. */
    public enum Scope {
        /** The child and the descendants it waited for: the rusage of the reap. */
        CHILD,
        /** Every process of the child's own cgroup, waited for or not: its {@code cpu.stat}. */
        CGROUP
    }

    private final Duration userTime, systemTime, wallTime;
    private final Scope scope;
    private final long peakMemory;

    private ResourceUsage(Duration userTime, Duration systemTime, Duration wallTime, Scope scope, long peakMemory) {
        this.userTime = userTime;
        this.systemTime = systemTime;
        this.wallTime = wallTime;
        this.scope = scope;
        this.peakMemory = peakMemory;
    }

    /**
     * A usage with these figures and no memory figure.
     *
     * @param userTime   CPU time spent in user mode
     * @param systemTime CPU time spent in the kernel
     * @param wallTime   from the spawn to the reap
     * @param scope      whose figures they are
     * @return the usage
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when a duration is negative
     */
    public static ResourceUsage of(Duration userTime, Duration systemTime, Duration wallTime, Scope scope) {
        return new ResourceUsage(checked(userTime, "userTime"), checked(systemTime, "systemTime"),
            checked(wallTime, "wallTime"), Objects.requireNonNull(scope, "scope"), -1);
    }

    private static Duration checked(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + d);
        }
        return d;
    }

    /** {@return CPU time spent in user mode} */
    public Duration userTime() {
        return userTime;
    }

    /** {@return CPU time spent in the kernel on the processes' behalf} */
    public Duration systemTime() {
        return systemTime;
    }

    /** {@return user and system time together} */
    public Duration cpuTime() {
        return userTime.plus(systemTime);
    }

    /** {@return the time from just before the spawn to the reap} */
    public Duration wallTime() {
        return wallTime;
    }

    /** {@return whose figures these are} */
    public Scope scope() {
        return scope;
    }

    /**
     * The peak memory, in bytes, of the child's cgroup ({@code memory.peak}), where the memory
     * controller is delegated to it. Never the rusage's {@code ru_maxrss} (see the class
     * comment).
     *
     * @return the peak, or empty where it is not known (always, in this version)
     */
    public OptionalLong peakMemory() {
        return peakMemory < 0 ? OptionalLong.empty() : OptionalLong.of(peakMemory);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResourceUsage u && userTime.equals(u.userTime) && systemTime.equals(u.systemTime)
            && wallTime.equals(u.wallTime) && scope == u.scope && peakMemory == u.peakMemory;
    }

    @Override
    public int hashCode() {
        return Objects.hash(userTime, systemTime, wallTime, scope, peakMemory);
    }

    /** {@return {@code 0.31s user 0.01s system 0.33s wall (child)}, as time(1) writes it} */
    @Override
    public String toString() {
        return seconds(userTime) + " user " + seconds(systemTime) + " system " + seconds(wallTime) + " wall ("
            + (scope == Scope.CHILD ? "child" : "cgroup") + ")";
    }

    /** {@code d} in seconds with two decimals, as time(1) writes them. */
    static String seconds(Duration d) {
        long centis = d.toMillis() / 10;
        return centis / 100 + "." + String.format(java.util.Locale.ROOT, "%02d", centis % 100) + "s";
    }
}
