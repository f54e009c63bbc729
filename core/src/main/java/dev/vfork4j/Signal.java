package dev.vfork4j;

/**
 * The standard Linux signals with their numbers (the same on x86_64 and aarch64).
 * Real-time signals are not listed; none of vfork4j's operations needs one. Each constant
 * names its default action (signal(7)): what it does to a process that neither catches,
 * ignores nor blocks it.
 */
public enum Signal {
    /** Hangup (1): the controlling terminal was closed or its controlling process died. Default: terminate. */
    SIGHUP(1),
    /** Interrupt from the keyboard (2), Ctrl-C. Default: terminate. */
    SIGINT(2),
    /** Quit from the keyboard (3), Ctrl-\. Default: terminate with a core dump. */
    SIGQUIT(3),
    /** Illegal instruction (4). Default: terminate with a core dump. */
    SIGILL(4),
    /** Trace or breakpoint trap (5). Default: terminate with a core dump. */
    SIGTRAP(5),
    /** Abort (6), as abort(3) raises it. Default: terminate with a core dump. */
    SIGABRT(6),
    /** Bus error (7): a bad memory access. Default: terminate with a core dump. */
    SIGBUS(7),
    /** Arithmetic error (8), such as an integer division by zero. Default: terminate with a core dump. */
    SIGFPE(8),
    /**
     * Kill (9): terminates at once; cannot be caught, ignored or blocked. What
     * {@link Child#destroyForcibly()} sends, and what a {@link Command#timeout(java.time.Duration)
     * timeout} sends once its grace is over.
     */
    SIGKILL(9),
    /** User-defined signal 1 (10). Default: terminate. */
    SIGUSR1(10),
    /** Invalid memory reference (11). Default: terminate with a core dump. */
    SIGSEGV(11),
    /** User-defined signal 2 (12). Default: terminate. */
    SIGUSR2(12),
    /**
     * Broken pipe (13): a write to a pipe that no process reads. Default: terminate. Every
     * child starts with it at its default action, as ProcessBuilder's children do.
     */
    SIGPIPE(13),
    /** Timer (14), as alarm(2) raises it. Default: terminate. */
    SIGALRM(14),
    /**
     * Termination request (15). Default: terminate. What {@link Child#destroy()} sends, and what a
     * {@link Command#timeout(java.time.Duration) timeout} sends first (unless its grace is zero).
     */
    SIGTERM(15),
    /** Stack fault on a coprocessor (16); unused by Linux. Default: terminate. */
    SIGSTKFLT(16),
    /** A child stopped, continued or terminated (17). Default: ignore. */
    SIGCHLD(17),
    /** Continue (18), if stopped. Default: continue. */
    SIGCONT(18),
    /** Stop (19): cannot be caught, ignored or blocked. Default: stop. */
    SIGSTOP(19),
    /** Stop typed at the terminal (20), Ctrl-Z. Default: stop. */
    SIGTSTP(20),
    /** Terminal input for a background process (21). Default: stop. */
    SIGTTIN(21),
    /** Terminal output for a background process (22). Default: stop. */
    SIGTTOU(22),
    /** Urgent condition on a socket (23). Default: ignore. */
    SIGURG(23),
    /** CPU time limit exceeded (24): see {@link Resource#CPU}. Default: terminate with a core dump. */
    SIGXCPU(24),
    /** File size limit exceeded (25): see {@link Resource#FSIZE}. Default: terminate with a core dump. */
    SIGXFSZ(25),
    /** Virtual timer expired (26). Default: terminate. */
    SIGVTALRM(26),
    /** Profiling timer expired (27). Default: terminate. */
    SIGPROF(27),
    /** The terminal's window was resized (28). Default: ignore. */
    SIGWINCH(28),
    /** I/O is possible on a descriptor (29), also known as SIGPOLL. Default: terminate. */
    SIGIO(29),
    /** Power failure (30). Default: terminate. */
    SIGPWR(30),
    /** Bad system call (31), such as one a seccomp filter refuses. Default: terminate with a core dump. */
    SIGSYS(31);

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

    /**
     * The signal's number, as kill(2) takes it and as {@link ExitStatus#signal()} reports it.
     *
     * @return the number, 1 to 31
     */
    public int number() {
        return number;
    }

    /**
     * The signal numbered {@code number}.
     *
     * @param number a standard signal's number, 1 to 31
     * @return the signal with that number
     * @throws IllegalArgumentException when no standard signal has that number
     */
    public static Signal of(int number) {
        if (number <= 0 || number >= BY_NUMBER.length) {
            throw new IllegalArgumentException("no standard signal numbered " + number + " (1-31)");
        }
        return BY_NUMBER[number];
    }
}
