package dev.vfork4j;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one of a child's standard streams goes: a closed set, like the JDK's
 * {@link ProcessBuilder.Redirect}.
 *
 * <ul>
 *   <li>{@link #INHERIT}: the child uses this JVM's own stream.</li>
 *   <li>{@link #PIPE}: a pipe to this JVM, read or written through the {@link Child}.</li>
 *   <li>{@link #DISCARD}: {@code /dev/null} (for stdin: an empty input).</li>
 *   <li>{@link #STDOUT}: stderr only: into the same place as stdout (the JDK's redirectErrorStream).</li>
 *   <li>{@link #from(Path)}: stdin only: read from a file.</li>
 *   <li>{@link #to(Path)}, {@link #appendTo(Path)}: stdout and stderr only: write to a file,
 *       truncating or appending, creating it (mode 0666 less the umask) if needed.</li>
 * </ul>
 *
 * Relative paths are resolved against this JVM's working directory, not the child's, as
 * the JDK does: the file is opened by the parent before the child starts.
 */
public sealed interface Redirect permits Redirect.Standard, Redirect.From, Redirect.To, Redirect.AppendTo {

    /**
     * The child uses this JVM's own stream: it reads this JVM's stdin, or writes where this
     * JVM's stdout or stderr goes. The default of {@link Command#run()}.
     */
    Redirect INHERIT = Standard.INHERIT;
    /**
     * A pipe between the child and this JVM: the child's stdin is written through
     * {@link Child#getOutputStream()}, its stdout and stderr read through
     * {@link Child#getInputStream()} and {@link Child#getErrorStream()}. The default of
     * {@link Command#start()}, and of stdout and stderr under {@link Command#output()}, which
     * captures them. Under {@link Command#run()}, which has no one to hand a pipe to, stdin
     * is closed at once and stdout and stderr are read and discarded.
     */
    Redirect PIPE = Standard.PIPE;
    /**
     * {@code /dev/null}: stdin reads an empty input, stdout or stderr is thrown away. The
     * default of stdin under {@link Command#output()}.
     */
    Redirect DISCARD = Standard.DISCARD;
    /**
     * For stderr only: into the same place as stdout, whatever that is (the JDK's
     * {@link ProcessBuilder#redirectErrorStream(boolean) redirectErrorStream(true)}).
     * {@link Child#getErrorStream()} is then an empty stream.
     */
    Redirect STDOUT = Standard.STDOUT;

    /**
     * stdin read from {@code file}, opened for reading by this JVM when the child starts.
     *
     * @param file the file to read; relative to this JVM's working directory
     * @return the redirect, for {@link Command#stdin(Redirect)}
     * @throws NullPointerException     when {@code file} is null
     * @throws IllegalArgumentException when its name contains a NUL byte
     */
    static Redirect from(Path file) {
        return new From(file);
    }

    /**
     * stdout or stderr written to {@code file}, created if it does not exist and truncated if
     * it does, when the child starts.
     *
     * @param file the file to write; relative to this JVM's working directory
     * @return the redirect, for {@link Command#stdout(Redirect)} or {@link Command#stderr(Redirect)}
     * @throws NullPointerException     when {@code file} is null
     * @throws IllegalArgumentException when its name contains a NUL byte
     */
    static Redirect to(Path file) {
        return new To(file);
    }

    /**
     * stdout or stderr appended to {@code file}, created if it does not exist. Every write
     * goes to the end of the file (O_APPEND), even when other processes write to it too.
     *
     * @param file the file to append to; relative to this JVM's working directory
     * @return the redirect, for {@link Command#stdout(Redirect)} or {@link Command#stderr(Redirect)}
     * @throws NullPointerException     when {@code file} is null
     * @throws IllegalArgumentException when its name contains a NUL byte
     */
    static Redirect appendTo(Path file) {
        return new AppendTo(file);
    }

    /** The redirects that are not files: the values of the constants of {@link Redirect}. */
    enum Standard implements Redirect {
        /** See {@link Redirect#INHERIT}. */
        INHERIT,
        /** See {@link Redirect#PIPE}. */
        PIPE,
        /** See {@link Redirect#DISCARD}. */
        DISCARD,
        /** See {@link Redirect#STDOUT}. */
        STDOUT
    }

    /**
     * stdin from a file: see {@link Redirect#from(Path)}.
     *
     * @param file the file to read
     */
    record From(Path file) implements Redirect {
        /**
         * stdin from {@code file}.
         *
         * @throws NullPointerException     when {@code file} is null
         * @throws IllegalArgumentException when its name contains a NUL byte
         */
        public From {
            Command.checkPath(Objects.requireNonNull(file, "file"), "redirect file");
        }
    }

    /**
     * stdout or stderr to a file, truncated: see {@link Redirect#to(Path)}.
     *
     * @param file the file to write
     */
    record To(Path file) implements Redirect {
        /**
         * stdout or stderr to {@code file}, truncated.
         *
         * @throws NullPointerException     when {@code file} is null
         * @throws IllegalArgumentException when its name contains a NUL byte
         */
        public To {
            Command.checkPath(Objects.requireNonNull(file, "file"), "redirect file");
        }
    }

    /**
     * stdout or stderr appended to a file: see {@link Redirect#appendTo(Path)}.
     *
     * @param file the file to append to
     */
    record AppendTo(Path file) implements Redirect {
        /**
         * stdout or stderr appended to {@code file}.
         *
         * @throws NullPointerException     when {@code file} is null
         * @throws IllegalArgumentException when its name contains a NUL byte
         */
        public AppendTo {
            Command.checkPath(Objects.requireNonNull(file, "file"), "redirect file");
        }
    }
}
