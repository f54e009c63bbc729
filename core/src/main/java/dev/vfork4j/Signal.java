package dev.vfork4j;

/**
 * The standard Linux signals with their numbers (the same on x86_64 and aarch64).
 * Real-time signals are not listed; none of vfork4j's operations needs one.
 */
public enum Signal {
    SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGILL(4), SIGTRAP(5), SIGABRT(6), SIGBUS(7), SIGFPE(8),
    SIGKILL(9), SIGUSR1(10), SIGSEGV(11), SIGUSR2(12), SIGPIPE(13), SIGALRM(14), SIGTERM(15),
    SIGSTKFLT(16), SIGCHLD(17), SIGCONT(18), SIGSTOP(19), SIGTSTP(20), SIGTTIN(21), SIGTTOU(22),
    SIGURG(23), SIGXCPU(24), SIGXFSZ(25), SIGVTALRM(26), SIGPROF(27), SIGWINCH(28), SIGIO(29),
    SIGPWR(30), SIGSYS(31);

    private static final Signal[] BY_NUMBER = new Signal[32];

    static {
        for (Signal s : values()) {
            BY_NUMBER[s.number] = s;
        }
    }

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /** The signal's number, as kill(2) takes it. */
    public int number() {
        return number;
    }

    /**
     * The signal numbered {@code number}.
     *
     * @throws IllegalArgumentException when no standard signal has that number
     */
    public static Signal of(int number) {
        if (number <= 0 || number >= BY_NUMBER.length) {
            throw new IllegalArgumentException("no standard signal numbered " + number + " (1-31)");
        }
        return BY_NUMBER[number];
    }
}
