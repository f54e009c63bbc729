package dev.vfork4j.cli.lab;

import java.util.Optional;

/**
 * The published claims about vfork that the lab puts to the test, in the order it reports them,
 * each with the {@link Source} it is quoted from. Each quote is verbatim (whitespace and the man
 * page's line-break hyphens aside; {@code ClaimTest} checks that against the project's copies of
 * the sources when they are present). The ids are a contract: checks outside the project read them.
 */
public enum Claim {
    MEMORY_SHARING("memory-sharing", Source.EXPLAINER,
        "The child modifies val, and the parent sees it."),
    VFORK_IS_FORK("vfork-is-fork", Source.FORK_VS_VFORK_QUESTION,
        "In current Linux, there is no vfork(), even if you call it, it will internally call fork()."),
    PARENT_SUSPENDED("parent-suspended", Source.EXPLAINER,
        "The parent stays frozen until the child calls execve() or _exit()."),
    ONLY_CALLING_THREAD_SUSPENDED("only-calling-thread-suspended", Source.LINUX_MAN_PAGE,
        "When vfork() is called in a multithreaded process, only the calling thread is suspended until the child "
            + "terminates or executes a new program."),
    WHOLE_PROCESS_SUSPENDED("whole-process-suspended", Source.EXPLAINER,
        "The kernel suspends the parent process completely."),
    SIGNALS_AFTER_RELEASE("signals-after-release", Source.LINUX_MAN_PAGE,
        "Signals sent to the parent arrive after the child releases the parent's memory (i.e., after the child "
            + "terminates or calls execve(2))."),
    FORK_COST_VS_MEMORY("fork-cost-vs-memory", Source.FORK_VS_VFORK_QUESTION,
        "The fork system call must still make a copy of the process\u2019s virtual memory table, even if it doesn\u2019t "
            + "copy the actual memory; vfork doesn\u2019t even need to do this."),
    VFORK_NO_FASTER_THAN_FORK("vfork-no-faster-than-fork", Source.VFORK_EXEC_EXIT_QUESTION,
        "This results in a vfork() that is not faster than fork()."),
    POSIX_SPAWN_IS_VFORK("posix-spawn-is-vfork", Source.VFORK_EXEC_EXIT_QUESTION,
        "posix_spawn() is implemented on top of vfork(), so vfork() is not going to be removed from the OS."),
    LINUX_POSIX_SPAWN_NOT_VFORK("linux-posix-spawn-not-vfork", Source.VFORK_EXEC_EXIT_QUESTION,
        "It has been mentioned that Linux does not use vfork() for posix_spawn()."),
    COMMIT_CHARGE("commit-charge", Source.LINUX_MAN_PAGE,
        "By contrast, using fork(2) in this scenario requires either committing an amount of memory equal to the "
            + "size of the parent process (if strict overcommitting is in force) or overcommitting memory with the "
            + "risk that a process is terminated by the out-of-memory (OOM) killer."),
    EXIT_VS_UNDERSCORE_EXIT("exit-vs-_exit", Source.NETBSD_MAN_PAGE,
        "Be careful, also, to call _exit(2) rather than exit(3) if you can't execve(2), since exit(3) will flush "
            + "and close standard I/O channels, and thereby mess up the standard I/O data structures in the parent "
            + "process. (Even with fork(2) it is wrong to call exit(3) since buffered data would then be flushed "
            + "twice.)"),
    VFORK_EXIT_DUPLICATES_OUTPUT("vfork-exit-duplicates-output", Source.EXPLAINER,
        "exit() is a C library function that flushes stdio buffers and runs `atexit` handlers, in the parent's "
            + "memory. The parent may later flush the same buffers again, causing duplicated or corrupted output."),
    NO_SIGTTIN_IN_VFORK_CHILD("no-sigttin-in-vfork-child", Source.NETBSD_MAN_PAGE,
        "To avoid a possible deadlock situation, processes that are children in the middle of a vfork() are never "
            + "sent SIGTTOU or SIGTTIN signals; rather, output or ioctl(2) calls are allowed and input attempts "
            + "result in an end-of-file indication."),
    CHILD_RETURN_CRASHES_PARENT("child-return-crashes-parent", Source.EXPLAINER,
        "Since the child shares the parent's stack, returning would pop the stack frame. When the parent wakes up, "
            + "its return address and local variables are gone.");

    /**
     * Where a claim is quoted from: a document anyone can look up. The lab cites it with every
     * claim; {@code --json} gives it as {@code "source": {"title", "url"}}.
     */
    public enum Source {
        /** An explainer whose first line is "`fork` on Linux protects the parent. `vfork` ... hijacks it." */
        EXPLAINER("Uros Popovic's vfork explainer on X", "https://x.com/popovicu94/status/2009087220440027419"),
        /** vfork(2) of the Linux man-pages project; the quotes are from release 5.10. */
        LINUX_MAN_PAGE("vfork(2), Linux man-pages 5.10", "https://man7.org/linux/man-pages/man2/vfork.2.html"),
        /**
         * NetBSD's vfork(2). The SIGTTIN quote is from a release that lists SIGTTOU and SIGTTIN
         * only; some releases list SIGTSTP as well.
         */
        NETBSD_MAN_PAGE("vfork(2), NetBSD manual page", "https://man.netbsd.org/vfork.2"),
        /** A Stack Overflow question, its answers and a colleague's remark quoted in it; no address known for certain. */
        FORK_VS_VFORK_QUESTION("\"What's the difference between fork() and vfork()?\" (Stack Overflow)", null),
        /** A Unix & Linux Stack Exchange question and its answers; no address known for certain. */
        VFORK_EXEC_EXIT_QUESTION("\"Why is vfork() intended to be used when the child process calls exec() or exit() "
            + "immediately after creation?\" (Unix & Linux Stack Exchange)", null);

        private final String title;
        private final String url;

        Source(String title, String url) {
            this.title = title;
            this.url = url;
        }

        /** What to search for: the document's title and where it is published. */
        public String title() {
            return title;
        }

        /** Its address, when the lab knows one for certain; otherwise the title finds it. */
        public Optional<String> url() {
            return Optional.ofNullable(url);
        }

        /** The title, then the address when there is one. */
        public String citation() {
            return url == null ? title : title + ", " + url;
        }
    }

    private final String id;
    private final Source source;
    private final String quote;

    Claim(String id, Source source, String quote) {
        this.id = id;
        this.source = source;
        this.quote = quote;
    }

    public String id() {
        return id;
    }

    /** The published document the claim is quoted from. */
    public Source source() {
        return source;
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
