package dev.vfork4j;

/**
 * How a child ended: it exited with a {@code code}, or a {@code signal} killed it.
 *
 * @param code       the exit code (0-255), or -1 when a signal killed the child
 * @param signal     the number of the signal that killed the child, or 0 when it exited
 * @param coreDumped true when the signal also produced a core dump
 */
public record ExitStatus(int code, int signal, boolean coreDumped) {

    /**
     * A status with these fields, checked for one that a child can have.
     *
     * @throws IllegalArgumentException unless {@code code} is 0 or more with {@code signal} 0
     *                                  and no core dump, or {@code code} is -1 with a positive
     *                                  {@code signal}
     */
    public ExitStatus {
        if (signal < 0 || (signal == 0) == (code < 0) || (coreDumped && signal == 0)) {
            throw new IllegalArgumentException(
                "either an exit code >= 0 with no signal, or code -1 with a signal: code="
                    + code + ", signal=" + signal + ", coreDumped=" + coreDumped);
        }
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
