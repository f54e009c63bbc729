package dev.vfork4j;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A child could not be started. Nothing is left behind: no child, no fd.
 *
 * <h2>The message</h2>
 * It has JDK 25's shape, so that logs and code written against {@link ProcessBuilder#start()}
 * read it the same way:
 * <pre>
 * Cannot run program "nope": Exec failed, error: 2 (No such file or directory)&#32;
 * Cannot run program "pwd" (in directory "/gone"): Exec failed, error: 2 (No such file or directory) [step CHDIR]
 * Cannot run program "cat": /in.txt (No such file or directory) [step REDIRECT: stdin from /in.txt]
 * </pre>
 * The directory appears when one was set. A file that could not be opened for a redirect is
 * named as the JDK names it ({@code path (description)}); any other failure reads
 * {@code <what> failed, error: <errno> (<description>) }, where {@code <what>} is
 * {@code Exec} for every step inside the child (JDK 25 reports a failed chdir or dup2 in its
 * child as "Exec failed" too), {@code fork} for {@link Step#CLONE} and {@link Step#CGROUP},
 * {@code pidfd_open} for {@link Step#PIDFD}, {@code Event loop} for {@link Step#EVENT_LOOP} and
 * {@code Redirect} for a pipe or fd of a redirect. The description is glibc's English text, with and without native access. The
 * JDK's text ends with a space, kept for an exact match.
 *
 * <p>vfork4j's own API ({@link Command}, {@link Pipeline}) then appends the step and what it
 * was doing, {@code [step CHDIR]} or {@code [step FDS: moving fd 5 out of the way]}, unless
 * the step is {@link Step#EXEC} with nothing to add. Children started through
 * {@link Vfork4j#start(ProcessBuilder)} get exactly the JDK's message, without that suffix,
 * and the JDK's cause (an IOException with the text after the colon, or a
 * FileNotFoundException for a redirect file); {@link #step()}, {@link #errno()},
 * {@link #file()} and the other accessors still tell the whole story.
 */
public final class SpawnException extends IOException {
    private static final long serialVersionUID = 2L;

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

    /** The program as the command named it. */
    private final String program;
    private final transient Path directory;
    private final transient Path file;
    /** The part of the spawn that failed. */
    private final Step step;
    /** The errno value. */
    private final int errno;
    /** The errno's symbolic name. */
    private final String errnoName;
    /** The errno's description, glibc's English text. */
    private final String description;
    /** What the step was doing, or null. */
    private final String detail;

    /**
     * A failure at {@code step} with {@code errno}, for a program started in {@code directory}.
     *
     * @param program     the program as the command named it
     * @param directory   the child's working directory, or null when none was set
     * @param step        the part of the spawn that failed
     * @param errno       the errno value
     * @param errnoName   the errno's symbolic name ({@code "ENOENT"})
     * @param description the errno's description ({@code "No such file or directory"})
     * @param detail      what the step was doing (for example {@code stdout to /ro/file}),
     *                    appended after the step; may be null
     */
    public SpawnException(String program, Path directory, Step step, int errno, String errnoName,
                          String description, String detail) {
        this(program, directory, step, errno, errnoName, description, detail, null);
    }

    /**
     * As {@link #SpawnException(String, Path, Step, int, String, String, String)}, for a
     * {@link Step#REDIRECT} that failed to open {@code file}: the message names the file as the
     * JDK does.
     *
     * @param program     the program as the command named it
     * @param directory   the child's working directory, or null when none was set
     * @param step        the part of the spawn that failed
     * @param errno       the errno value
     * @param errnoName   the errno's symbolic name ({@code "ENOENT"})
     * @param description the errno's description ({@code "No such file or directory"})
     * @param detail      what the step was doing, appended after the step; may be null
     * @param file        the redirect file that could not be opened, or null
     */
    public SpawnException(String program, Path directory, Step step, int errno, String errnoName,
                          String description, String detail, Path file) {
        super(message(program, directory, reason(step, errno, description, file), suffix(step, detail)));
        this.program = program;
        this.directory = directory;
        this.file = file;
        this.step = step;
        this.errno = errno;
        this.errnoName = errnoName;
        this.description = description;
        this.detail = detail;
    }

    /** A copy of {@code e} with the JDK's message and cause exactly: no step suffix. */
    private SpawnException(SpawnException e) {
        super(message(e.program, e.directory, reason(e.step, e.errno, e.description, e.file), ""),
            e.file != null
                ? new FileNotFoundException(reason(e.step, e.errno, e.description, e.file))
                : new IOException(reason(e.step, e.errno, e.description, e.file)));
        this.program = e.program;
        this.directory = e.directory;
        this.file = e.file;
        this.step = e.step;
        this.errno = e.errno;
        this.errnoName = e.errnoName;
        this.description = e.description;
        this.detail = e.detail;
    }

    /** This failure as {@link ProcessBuilder#start()} would report it (see the class comment). */
    SpawnException asProcessBuilderDoes() {
        return new SpawnException(this);
    }

    private static String message(String program, Path directory, String reason, String suffix) {
        StringBuilder sb = new StringBuilder("Cannot run program \"").append(program).append('"');
        if (directory != null) {
            sb.append(" (in directory \"").append(directory).append("\")");
        }
        sb.append(": ").append(reason);
        if (!suffix.isEmpty()) {
            sb.append(reason.endsWith(" ") ? "" : " ").append(suffix);
        }
        return sb.toString();
    }

    /** The text after "Cannot run program ...: ", as JDK 25 words it. */
    private static String reason(Step step, int errno, String description, Path file) {
        if (file != null) {
            return file + " (" + description + ")"; // FileInputStream/FileOutputStream's FileNotFoundException
        }
        String what = switch (step) {
            case REDIRECT -> "Redirect failed";
            case CLONE, CGROUP -> "fork failed";
            case PIDFD -> "pidfd_open failed";
            case EVENT_LOOP -> "Event loop failed"; // in this JVM, before any child: not the exec's
            default -> "Exec failed";
        };
        return what + ", error: " + errno + " (" + description + ") ";
    }

    private static String suffix(Step step, String detail) {
        if (step == Step.EXEC && detail == null) {
            return "";
        }
        return "[step " + step + (detail != null ? ": " + detail : "") + "]";
    }

    /** {@return the errno value, 2 for ENOENT} */
    public int errno() {
        return errno;
    }

    /** {@return the errno's symbolic name, {@code "ENOENT"}} */
    public String errnoName() {
        return errnoName;
    }

    /** {@return which part of the spawn failed} */
    public Step step() {
        return step;
    }

    /** {@return the program as the command named it} */
    public String program() {
        return program;
    }

    /**
     * {@return the working directory the child was to have, when one was set} Empty in a
     * deserialized copy, as a Path is not serializable (the message still names it).
     */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /**
     * {@return the file a {@link Step#REDIRECT} could not open, when the redirect was to or from
     * a file} Empty in a deserialized copy, as a Path is not serializable (the message still
     * names it).
     */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}
