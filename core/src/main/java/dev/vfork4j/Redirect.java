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

    Redirect INHERIT = Standard.INHERIT;
    Redirect PIPE = Standard.PIPE;
    Redirect DISCARD = Standard.DISCARD;
    Redirect STDOUT = Standard.STDOUT;

    /** stdin read from {@code file}. */
    static Redirect from(Path file) {
        return new From(file);
    }

    /** stdout or stderr written to {@code file}, truncated first. */
    static Redirect to(Path file) {
        return new To(file);
    }

    /** stdout or stderr appended to {@code file}. */
    static Redirect appendTo(Path file) {
        return new AppendTo(file);
    }

    /** The redirects that are not files. */
    enum Standard implements Redirect {
        INHERIT, PIPE, DISCARD, STDOUT
    }

    /** stdin from a file. */
    record From(Path file) implements Redirect {
        public From {
            Command.checkPath(Objects.requireNonNull(file, "file"), "redirect file");
        }
    }

    /** stdout or stderr to a file, truncated. */
    record To(Path file) implements Redirect {
        public To {
            Command.checkPath(Objects.requireNonNull(file, "file"), "redirect file");
        }
    }

    /** stdout or stderr appended to a file. */
    record AppendTo(Path file) implements Redirect {
        public AppendTo {
            Command.checkPath(Objects.requireNonNull(file, "file"), "redirect file");
        }
    }
}
