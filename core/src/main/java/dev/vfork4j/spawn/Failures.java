package dev.vfork4j.spawn;

import dev.vfork4j.Redirect;
import dev.vfork4j.SpawnException;
import dev.vfork4j.linux.Errno;
import java.nio.file.Path;

/**
 * Builds the SpawnException for an errno at a step, with glibc's name and description (from
 * {@link Errno}'s table: the same text with and without native access).
 */
public final class Failures {
    private Failures() {}

    private static final Path DEV_NULL = Path.of("/dev/null");

    static SpawnException spawnException(SpawnRequest r, SpawnException.Step step, int errno, String detail) {
        Path file = step == SpawnException.Step.REDIRECT ? redirectFile(r, detail) : null;
        return spawnException(r.program(), r.directory(), step, errno, detail, file);
    }

    /** A failure that opened no file. */
    public static SpawnException spawnException(String program, Path directory,
                                                SpawnException.Step step, int errno, String detail) {
        return spawnException(program, directory, step, errno, detail, null);
    }

    /** A failure, naming {@code file} when it was a redirect's file that could not be opened. */
    public static SpawnException spawnException(String program, Path directory, SpawnException.Step step,
                                                int errno, String detail, Path file) {
        return new SpawnException(program, directory, step, errno, Errno.name(errno), Errno.description(errno),
            detail, file);
    }

    /**
     * The file a REDIRECT step was opening, so the message can name it as the JDK does. Stdio's
     * detail starts with the stream's name ("stdin from /x", "stdout to /dev/null", "stderr
     * pipe"); the request says whether that stream's redirect is a file. DISCARD is the file
     * /dev/null, as it is for the JDK.
     */
    private static Path redirectFile(SpawnRequest r, String detail) {
        if (detail == null) {
            return null;
        }
        int target = detail.startsWith("stdin") ? 0 : detail.startsWith("stdout") ? 1 : detail.startsWith("stderr") ? 2 : -1;
        if (target < 0 || r.fdSource(target) >= 0) {
            return null;
        }
        Redirect redirect = target == 0 ? r.stdin() : target == 1 ? r.stdout() : r.stderr();
        return switch (redirect) {
            case Redirect.From f -> f.file();
            case Redirect.To t -> t.file();
            case Redirect.AppendTo a -> a.file();
            case Redirect.Standard s -> s == Redirect.DISCARD ? DEV_NULL : null;
        };
    }
}
