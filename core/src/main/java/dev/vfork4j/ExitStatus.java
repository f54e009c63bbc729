package dev.vfork4j;

/**
 * How a child ended: it exited with a {@code code}, or a {@code signal} killed it.
 *
 * @param code       the exit code (0-255), or -1 when a signal killed the child
 * @param signal     the number of the signal that killed the child, or 0 when it exited
 * @param coreDumped true when the signal also produced a core dump
 */
public record ExitStatus(int code, int signal, boolean coreDumped) {

    public ExitStatus {
        if (signal < 0 || (signal == 0) == (code < 0) || (coreDumped && signal == 0)) {
            throw new IllegalArgumentException(
                "either an exit code >= 0 with no signal, or code -1 with a signal: code="
                    + code + ", signal=" + signal + ", coreDumped=" + coreDumped);
        }
    }

    /** A child that exited with {@code code}. */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    /** A child that a signal killed. */
    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(-1, signal, coreDumped);
    }

    /** True when the child exited with code 0. */
    public boolean success() {
        return code == 0;
    }

    /** True when a signal killed the child. */
    public boolean signalled() {
        return signal != 0;
    }

    /** The value {@link Process#exitValue()} reports, as the JDK does: 128 + signal when signalled. */
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
