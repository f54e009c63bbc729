package dev.vfork4j.spawn;

/**
 * The process attributes a Command can ask for beyond program, environment, directory and
 * stdio: what a {@link Technique} says it can set, and what an error names when it cannot. Each
 * constant carries the name of the Command method that sets it ({@code umask}, {@code keepFd}),
 * the word users see in "mechanism POSIX_SPAWN cannot set umask".
 */
public enum Attribute {
    /** setsid(): {@code Command.newSession()}. */
    NEW_SESSION("newSession"),
    /** setpgid(): {@code Command.processGroup(int)}. */
    PROCESS_GROUP("processGroup"),
    /** prctl(PR_SET_PDEATHSIG): {@code Command.parentDeathSignal(Signal)}. */
    PARENT_DEATH_SIGNAL("parentDeathSignal"),
    /** umask(): {@code Command.umask(int)}. */
    UMASK("umask"),
    /** prlimit(): {@code Command.limit(Resource, long, long)}. */
    LIMIT("limit"),
    /** setgroups, setresgid, setresuid: {@code Command.user(int, int, int...)}. */
    USER("user"),
    /** prctl(PR_SET_NO_NEW_PRIVS): {@code Command.noNewPrivileges()}. */
    NO_NEW_PRIVILEGES("noNewPrivileges"),
    /** The cgroup the child starts in: {@code Command.cgroup(Path)}. */
    CGROUP("cgroup"),
    /** An fd of this JVM at a number of the child's: {@code Command.keepFd(int, int)}. */
    KEEP_FD("keepFd"),
    /** The child's blocked signals: {@code Command.signalMask(Signal...)}. */
    SIGNAL_MASK("signalMask"),
    /**
     * A cgroup made for the child, which it is cloned into: {@code Command.contained()}. Only
     * clone3 can start a child inside a cgroup (CLONE_INTO_CGROUP); moving a child in after
     * posix_spawn or ProcessBuilder would let whatever it forks first escape.
     */
    CONTAINED("contained");

    private final String method;

    Attribute(String method) {
        this.method = method;
    }

    /** The name of the Command method that sets it, as error messages say it. */
    public String method() {
        return method;
    }
}
