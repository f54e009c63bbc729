package dev.vfork4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A child could not be started. The message has the JDK's shape,
 * {@code Cannot run program "nope": error=2, No such file or directory}, with the directory
 * when one was set and the step when it is not the exec itself. Nothing is left behind: no
 * child, no fd.
 */
public final class SpawnException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The part of starting a child that failed. {@code toString()} is the name. */
    public enum Step {
        /**
         * Starting the event loop that watches children (its epoll set, eventfd, timerfd and
         * thread), in the parent, before any child is made.
         */
        EVENT_LOOP,
        /** Opening a redirect file or creating a pipe, in the parent. */
        REDIRECT,
        /** Creating the child process (clone or posix_spawn's own clone). */
        CLONE,
        /** Opening the pidfd the child is tracked by. */
        PIDFD,
        /** setsid(2) in the child. */
        SESSION,
        /** setpgid(2) in the child. */
        PROCESS_GROUP,
        /** setgroups, setresgid, setresuid in the child. */
        CREDENTIALS,
        /** Changing to the working directory. */
        CHDIR,
        /** prctl(PR_SET_PDEATHSIG) in the child. */
        PARENT_DEATH_SIGNAL,
        /** Moving fds into place and closing the rest. */
        FDS,
        /** Setting a resource limit. */
        RLIMIT,
        /** Setting the file mode creation mask (cannot fail; listed for completeness). */
        UMASK,
        /** prctl(PR_SET_NO_NEW_PRIVS). */
        NO_NEW_PRIVS,
        /** Placing the child in a cgroup. */
        CGROUP,
        /** Setting the signal mask. */
        SIGNAL_MASK,
        /** execve(2) of every candidate path. */
        EXEC
    }

    private final String program;
    private final Path directory;
    private final Step step;
    private final int errno;
    private final String errnoName;

    /**
     * @param detail what the step was doing, shown after the errno when the step is not EXEC
     *               (for example {@code stdout to /ro/file}); may be null
     */
    public SpawnException(String program, Path directory, Step step, int errno, String errnoName,
                          String description, String detail) {
        super(message(program, directory, step, errno, description, detail));
        this.program = program;
        this.directory = directory;
        this.step = step;
        this.errno = errno;
        this.errnoName = errnoName;
    }

    private static String message(String program, Path directory, Step step, int errno,
                                  String description, String detail) {
        StringBuilder sb = new StringBuilder("Cannot run program \"").append(program).append('"');
        if (directory != null) {
            sb.append(" (in directory \"").append(directory).append("\")");
        }
        sb.append(": error=").append(errno).append(", ").append(description);
        if (step != Step.EXEC || detail != null) {
            sb.append(" [step ").append(step);
            if (detail != null) {
                sb.append(": ").append(detail);
            }
            sb.append(']');
        }
        return sb.toString();
    }

    /** The errno value, 2 for ENOENT. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, {@code "ENOENT"}. */
    public String errnoName() {
        return errnoName;
    }

    /** Which part of the spawn failed. */
    public Step step() {
        return step;
    }

    /** The program as the Command named it. */
    public String program() {
        return program;
    }

    /** The working directory the child was to have, when one was set. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }
}
