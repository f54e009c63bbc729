package dev.vfork4j.spawn.asm;

/**
 * The native memory the child routine reads: one plan header and a table of steps, laid out
 * by {@code SpawnPlan} in the parent before the clone.
 *
 * <pre>
 * plan:  clone_args (88 bytes, CLONE_ARGS_SIZE_VER2)   +0
 *        sigset_t all      (8: every signal blocked)    +88
 *        sigset_t saved    (8: the caller's mask)       +96
 *        step *steps                                    +104
 *        long   count                                   +112
 *        int   *slot       ({step index, errno})        +120
 *        int    pidfd      (clone_args.pidfd points here) +128
 * step:  long kind, long nr, long a0..a5, long expected, long errno  (80 bytes)
 * </pre>
 *
 * Step kinds: CHECK (a result in [-4095, -1] fails the spawn with that errno), IGNORE,
 * EXPECT (the result must equal {@code expected}, else fail with {@code errno}), EXEC and
 * SIG_DEFAULT:
 * <ul>
 *   <li>EXEC: execve(a0, a1, a2) of one candidate. When it fails with ENOEXEC and a3 is not
 *       0, the file is taken to be a shell script without {@code #!}, as execvp and the JDK
 *       take it: execve(a3, a4, a2), where a3 is "/bin/sh" and a4 is {"/bin/sh", a0, argv[1],
 *       ..., NULL}, laid out by the parent; that exec's errno then stands for the candidate's.
 *       The search goes on past ENOENT, ENOTDIR, ESTALE, ENODEV and ETIMEDOUT, remembers
 *       EACCES, and stops at any other error, as execvp does.</li>
 *   <li>SIG_DEFAULT (6): for every signal n whose bit n-1 is set in a0, rt_sigaction(n, a1,
 *       NULL, 8) with the syscall number {@code nr}; a1 points to a kernel struct sigaction
 *       of 32 bytes, zeros but for the handler in its first field (SIG_DFL 0, or SIG_IGN 1 for
 *       the agent's signals 32 and 33; no flags, no restorer, empty mask: the layout fits both
 *       architectures). The first failure fails the spawn with its errno.</li>
 * </ul>
 *
 * <p>Those are every kind a spawn needs, and all that {@link ChildRoutine}, the routine every
 * spawn runs, has code for. Kinds 4 and 5 (STORE and CALL) are the lab's: only
 * {@link LabRoutine}, a separate routine mapped for {@code vfork4j lab} alone, has code for
 * them. The shipped routine looks at a step's kind only to tell EXEC, EXPECT, IGNORE and
 * SIG_DEFAULT apart; any other number is run as a CHECK step.
 */
public final class PlanLayout {
    private PlanLayout() {}

    public static final int CLONE_ARGS = 0, CLONE_ARGS_SIZE = 88;
    public static final int SIGSET_ALL = 88, SIGSET_SAVED = 96, STEPS = 104, COUNT = 112, SLOT = 120,
        PIDFD = 128, SIZE = 136;

    public static final int STEP_KIND = 0, STEP_NR = 8, STEP_A0 = 16, STEP_EXPECTED = 64, STEP_ERRNO = 72,
        STEP_SIZE = 80;

    public static int stepArg(int i) {
        return STEP_A0 + 8 * i;
    }

    public static final int KIND_CHECK = 0, KIND_IGNORE = 1, KIND_EXPECT = 2, KIND_EXEC = 3;
    /**
     * Sets a set of signals to the action its second argument points to: SIG_DFL, or SIG_IGN for
     * the agent's signals 32 and 33. See the class comment. (4 and 5 are {@link LabRoutine}'s.)
     */
    public static final int KIND_SIG_DEFAULT = 6;

    /** Errors after which execvp tries the next candidate. */
    static final int[] EXEC_CONTINUE = {2 /* ENOENT */, 20 /* ENOTDIR */, 116 /* ESTALE */, 19 /* ENODEV */,
        110 /* ETIMEDOUT */};
    static final int EACCES = 13, ENOENT = 2, ENOEXEC = 8;
    static final int SIG_SETMASK = 2;
    static final int EXIT_CODE = 127;
}
