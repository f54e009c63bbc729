package dev.vfork4j;

import java.util.Objects;
import java.util.Optional;

/**
 * How a child ended: it exited with a {@code code}, or a {@code signal} killed it; and what it
 * cost, where the mechanism knows ({@link #usage()}). Two statuses are equal when they tell the
 * same ending: the usage is not compared (two runs of one program never cost the same).
 *
 * @param code       the exit code (0-255), or -1 when a signal killed the child
 * @param signal     the number of the signal that killed the child, or 0 when it exited
 * @param coreDumped true when the signal also produced a core dump
 * @param usage      what the child cost: CPU and wall time, known for every child of VFORK,
 *                   FORK and POSIX_SPAWN (vfork4j reaps them itself and reads the rusage of the
 *                   reap, or for a contained child its cgroup's cpu.stat); empty for a JDK
 *                   child (the JDK reaps it and keeps the rusage to itself), and for a status
 *                   made with {@link #exited(int)} or {@link #killed(int, boolean)}
 */
public record ExitStatus(int code, int signal, boolean coreDumped, Optional<ResourceUsage> usage) {

    /**
     * A status with these fields, checked for one that a child can have.
     *
     * @throws NullPointerException     when {@code usage} is null
     * @throws IllegalArgumentException unless {@code code} is 0 or more with {@code signal} 0
     *                                  and no core dump, or {@code code} is -1 with a positive
     *                                  {@code signal}
     */
    public ExitStatus {
        Objects.requireNonNull(usage, "usage");
        if (signal < 0 || (signal == 0) == (code < 0) || (coreDumped && signal == 0)) {
            throw new IllegalArgumentException(
                "either an exit code >= 0 with no signal, or code -1 with a signal: code="
                    + code + ", signal=" + signal + ", coreDumped=" + coreDumped);
        }
    }

    /**
     * A status with these fields and no usage.
     *
     * @param code       the exit code (0-255), or -1 when a signal killed the child
     * @param signal     the number of the signal that killed the child, or 0 when it exited
     * @param coreDumped true when the signal also produced a core dump
     * @throws IllegalArgumentException as the canonical constructor
     */
    public ExitStatus(int code, int signal, boolean coreDumped) {
        this(code, signal, coreDumped, Optional.empty());
    }

    /** This status with {@code u} as its usage. */
    ExitStatus withUsage(ResourceUsage u) {
        return new ExitStatus(code, signal, coreDumped, Optional.of(u));
    }

    /**
     * A child that exited with {@code code}.
     *
     * @param code the exit code, 0 or more
     * @return the status
     * @throws IllegalArgumentException when {@code code} is negative
     */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    /**
     * A child that a signal killed.
     *
     * @param signal     the signal's number ({@link Signal#number()}), positive
     * @param coreDumped true when the kernel also wrote a core dump
     * @return the status
     * @throws IllegalArgumentException when {@code signal} is not positive
     */
    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(-1, signal, coreDumped);
    }

    /**
     * Whether the child succeeded.
     *
     * @return true when the child exited with code 0; false for another code or a signal
     */
    public boolean success() {
        return code == 0;
    }

    /**
     * Whether a signal killed the child.
     *
     * @return true when a signal killed the child, false when it exited with a code
     */
    public boolean signalled() {
        return signal != 0;
    }

    /**
     * The status as one number, as the JDK's {@link Process#exitValue()} reports it and as a
     * shell's {@code $?} reads.
     *
     * @return the exit code, or 128 + the signal's number when a signal killed the child
     */
    public int exitValue() {
        return signal != 0 ? 128 + signal : code;
    }

    /** {@return true when {@code o} is an ExitStatus with the same code, signal and core dump; the usage is not compared} */
    @Override
    public boolean equals(Object o) {
        return o instanceof ExitStatus e && code == e.code && signal == e.signal && coreDumped == e.coreDumped;
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, signal, coreDumped);
    }

    @Override
    public String toString() {
        if (signal == 0) {
            return "exit code " + code;
        }
        String name;
        try {
            name = Signal.of(signal).name();
        } catch (IllegalArgumentException e) {
            name = "signal " + signal;
        }
        return "killed by " + name + (coreDumped ? " (core dumped)" : "");
    }
}
