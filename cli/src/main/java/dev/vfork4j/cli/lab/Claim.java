package dev.vfork4j.cli.lab;

/**
 * The claims of the seed documents that the lab puts to the test, in the order it reports them.
 * Each quote is verbatim from its seed file (whitespace and the man page's line-break hyphens
 * aside; {@code ClaimTest} checks that against the seed files when they are present). The ids
 * are a contract: checks outside the project read them.
 */
public enum Claim {
    MEMORY_SHARING("memory-sharing", Seed.THREAD,
        "The child modifies val, and the parent sees it."),
    VFORK_IS_FORK("vfork-is-fork", Seed.QA,
        "In current Linux, there is no vfork(), even if you call it, it will internally call fork()."),
    PARENT_SUSPENDED("parent-suspended", Seed.THREAD,
        "The parent stays frozen until the child calls execve() or _exit()."),
    ONLY_CALLING_THREAD_SUSPENDED("only-calling-thread-suspended", Seed.LINUX_MAN,
        "When vfork() is called in a multithreaded process, only the calling thread is suspended until the child "
            + "terminates or executes a new program."),
    WHOLE_PROCESS_SUSPENDED("whole-process-suspended", Seed.THREAD,
        "The kernel suspends the parent process completely."),
    SIGNALS_AFTER_RELEASE("signals-after-release", Seed.LINUX_MAN,
        "Signals sent to the parent arrive after the child releases the parent's memory (i.e., after the child "
            + "terminates or calls execve(2))."),
    FORK_COST_VS_MEMORY("fork-cost-vs-memory", Seed.QA,
        "The fork system call must still make a copy of the process\u2019s virtual memory table, even if it doesn\u2019t "
            + "copy the actual memory; vfork doesn\u2019t even need to do this."),
    VFORK_NO_FASTER_THAN_FORK("vfork-no-faster-than-fork", Seed.ANSWER,
        "This results in a vfork() that is not faster than fork()."),
    POSIX_SPAWN_IS_VFORK("posix-spawn-is-vfork", Seed.ANSWER,
        "posix_spawn() is implemented on top of vfork(), so vfork() is not going to be removed from the OS."),
    LINUX_POSIX_SPAWN_NOT_VFORK("linux-posix-spawn-not-vfork", Seed.ANSWER,
        "It has been mentioned that Linux does not use vfork() for posix_spawn()."),
    COMMIT_CHARGE("commit-charge", Seed.LINUX_MAN,
        "By contrast, using fork(2) in this scenario requires either committing an amount of memory equal to the "
            + "size of the parent process (if strict overcommitting is in force) or overcommitting memory with the "
            + "risk that a process is terminated by the out-of-memory (OOM) killer."),
    EXIT_VS_UNDERSCORE_EXIT("exit-vs-_exit", Seed.NETBSD_MAN,
        "Be careful, also, to call _exit(2) rather than exit(3) if you can't execve(2), since exit(3) will flush "
            + "and close standard I/O channels, and thereby mess up the standard I/O data structures in the parent "
            + "process. (Even with fork(2) it is wrong to call exit(3) since buffered data would then be flushed "
            + "twice.)"),
    VFORK_EXIT_DUPLICATES_OUTPUT("vfork-exit-duplicates-output", Seed.THREAD,
        "exit() is a C library function that flushes stdio buffers and runs `atexit` handlers, in the parent's "
            + "memory. The parent may later flush the same buffers again, causing duplicated or corrupted output."),
    NO_SIGTTIN_IN_VFORK_CHILD("no-sigttin-in-vfork-child", Seed.NETBSD_MAN,
        "To avoid a possible deadlock situation, processes that are children in the middle of a vfork() are never "
            + "sent SIGTTOU or SIGTTIN signals; rather, output or ioctl(2) calls are allowed and input attempts "
            + "result in an end-of-file indication."),
    CHILD_RETURN_CRASHES_PARENT("child-return-crashes-parent", Seed.THREAD,
        "Since the child shares the parent's stack, returning would pop the stack frame. When the parent wakes up, "
            + "its return address and local variables are gone.");

    /** The seed documents, by file name (in {@code ../shared/seeds/} beside the project). */
    public static final class Seed {
        private Seed() {}

        /** Uros Popovic's thread on vfork, with a C example. */
        public static final String THREAD = "000_6a81e0ef7c238cfe.txt";
        /** The Linux vfork(2) manual page (man-pages 5.10). */
        public static final String LINUX_MAN = "001_29c50ed3a0892efa.txt";
        /** A question-and-answer thread on vfork, exec and exit, with Joerg Schilling's answer. */
        public static final String ANSWER = "002_4668994f382106bf.txt";
        /** The NetBSD vfork(2) manual page. */
        public static final String NETBSD_MAN = "003_7c5e2fc6fb5439f0.txt";
        /** "What's the difference between fork() and vfork()?" and its answers. */
        public static final String QA = "004_87ac239ffbdee6ec.txt";
    }

    private final String id;
    private final String seed;
    private final String quote;

    Claim(String id, String seed, String quote) {
        this.id = id;
        this.seed = seed;
        this.quote = quote;
    }

    public String id() {
        return id;
    }

    /** The seed file the claim is quoted from. */
    public String seed() {
        return seed;
    }

    /** The claim, verbatim. */
    public String quote() {
        return quote;
    }

    /** The claim with this id, or null. */
    public static Claim byId(String id) {
        for (Claim c : values()) {
            if (c.id.equals(id)) {
                return c;
            }
        }
        return null;
    }
}
