package dev.vfork4j;

import dev.vfork4j.linux.Errno;
import dev.vfork4j.spawn.Failures;
import dev.vfork4j.spawn.SpawnRequest;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * Entry points for code written against {@link ProcessBuilder}: {@link #start(ProcessBuilder)}
 * starts a builder as {@code pb.start()} would, through vfork4j's best mechanism.
 *
 * <p>The native mechanisms need the JVM to grant vfork4j native access
 * ({@code --enable-native-access=dev.vfork4j} on the module path,
 * {@code --enable-native-access=ALL-UNNAMED} on the class path); without the flag the JDK
 * prints a warning at the first native call. A JVM started with
 * {@code --illegal-native-access=deny} makes {@link Mechanism#best()} the JDK mechanism, and
 * {@code start(pb)} then starts the child through ProcessBuilder itself, refusing nothing. See
 * {@linkplain dev.vfork4j##native-access the package documentation}.
 */
public final class Vfork4j {
    private Vfork4j() {}

    /**
     * A drop-in for {@code pb.start()}: the same command, directory, environment and redirects
     * (redirectErrorStream included), started with {@link Mechanism#best()}, and the same
     * answer to every input, as JDK 25 gives it:
     * <ul>
     *   <li>a null element in the command: NullPointerException; an empty command:
     *       IndexOutOfBoundsException; a NUL byte in the program or an argument:
     *       {@code IOException("invalid null character in command")};</li>
     *   <li>an empty program name fails as a program that does not exist (ENOENT), and an
     *       environment variable with an empty name reaches the child as {@code =value}, as
     *       {@code Runtime.exec} with {@code "=C:=\\"} passes it;</li>
     *   <li>a failed start throws a {@link SpawnException} whose message and cause are the
     *       JDK's exactly ({@code Cannot run program "x": Exec failed, error: 2 (No such file or
     *       directory) }, or {@code Cannot run program "x": /in (No such file or directory)}
     *       for a redirect file), with the step and errno in its accessors;</li>
     *   <li>with {@code redirectErrorStream(true)}, a file set with {@code redirectError} is
     *       still created and truncated (or opened for append), though nothing is written to
     *       it;</li>
     *   <li>each start is logged to the {@link System.Logger} {@code java.lang.ProcessBuilder}
     *       at the JDK's levels, in the JDK's words (see {@link ProcessBuilder#start()}).</li>
     * </ul>
     * The returned process is a {@link Child}; its {@code toString()} begins as the JDK's does,
     * {@code Process[pid=42, exitValue="not exited"}, then names the mechanism.
     *
     * <p>Three differences remain: a builder whose {@link ProcessBuilder#environment()} was never
     * called gives its child this JVM's environment as {@link System#getenv()} sees it (the
     * JDK passes on the process's environ, which is the same unless native code changed it, and
     * may be in another order); when a redirectError file is to be created and stdin's or
     * stdout's file cannot be opened, vfork4j has created the redirectError file already (the
     * JDK opens them in order and stops at the first failure); and when logging the start throws
     * (a broken LoggerFinder or handler), the child is killed and reaped before the exception
     * propagates, where the JDK leaves it running.
     *
     * @param pb the builder; it is read, not changed (except that its environment map is
     *           initialised, as {@link ProcessBuilder#environment()} does on first use)
     * @return the started child
     * @throws NullPointerException      when an element of the command is null
     * @throws IndexOutOfBoundsException when the command is empty
     * @throws IOException               when the child could not be started: a
     *                                   {@link SpawnException} when the failure has an errno
     */
    public static Process start(ProcessBuilder pb) throws IOException {
        return start(pb, null);
    }

    /** As {@link #start(ProcessBuilder)} with {@code mechanism} (null: {@link Mechanism#best()}); for tests. */
    static Child start(ProcessBuilder pb, Mechanism mechanism) throws IOException {
        // ProcessBuilder.start()'s own checks, in its order and with its exceptions.
        String[] cmd = pb.command().toArray(new String[0]);
        for (String arg : cmd) {
            if (arg == null) {
                throw new NullPointerException();
            }
        }
        String program = cmd[0]; // an empty command: ArrayIndexOutOfBoundsException, as pb.start() throws
        for (String arg : cmd) {
            if (arg.indexOf('\0') >= 0) {
                throw new IOException("invalid null character in command");
            }
        }
        File dir = pb.directory();
        checkRedirectFiles(pb, program, dir);

        Command c = Command.fromProcessBuilderUnchecked(List.of(cmd), pb);
        if (mechanism != null) {
            c = c.mechanism(mechanism);
        }
        if (pb.redirectErrorStream()) {
            createUnusedErrorFile(pb.redirectError(), program, dir, c);
        }
        try {
            return ChildStart.start(c, c.stdin().orElseThrow(), c.stdout().orElseThrow(), c.stderr().orElseThrow(),
                ChildIo.Verb.START, SpawnRequest.NO_FDS, StartLog.PROCESS_BUILDER);
        } catch (SpawnException e) {
            throw e.asProcessBuilderDoes();
        }
    }

    /**
     * The JDK opens each redirect file with FileInputStream/FileOutputStream, which refuse a
     * path with a NUL byte as "Invalid file path" (a Path cannot even hold one).
     */
    private static void checkRedirectFiles(ProcessBuilder pb, String program, File dir) throws IOException {
        for (ProcessBuilder.Redirect r : new ProcessBuilder.Redirect[] {pb.redirectInput(), pb.redirectOutput(), pb.redirectError()}) {
            if (r.file() != null && r.file().getPath().indexOf('\0') >= 0) {
                FileNotFoundException invalid = new FileNotFoundException("Invalid file path");
                throw new IOException(cannotRun(program, dir) + invalid.getMessage(), invalid);
            }
        }
    }

    /**
     * With redirectErrorStream, the JDK still opens the redirectError file (creating and
     * truncating it, or for append) before the child starts, and fails the start when it cannot;
     * the child's stderr goes to its stdout all the same.
     */
    private static void createUnusedErrorFile(ProcessBuilder.Redirect r, String program, File dir, Command c)
        throws IOException {
        boolean append = r.type() == ProcessBuilder.Redirect.Type.APPEND;
        if (r.type() != ProcessBuilder.Redirect.Type.WRITE && !append) {
            return;
        }
        try {
            new FileOutputStream(r.file(), append).close();
        } catch (FileNotFoundException e) {
            // "path (description)": the errno is recovered from glibc's description when possible.
            String message = String.valueOf(e.getMessage());
            int paren = message.lastIndexOf(" (");
            int errno = paren >= 0 && message.endsWith(")")
                ? Errno.fromDescription(message.substring(paren + 2, message.length() - 1)) : -1;
            if (errno < 0) {
                throw new IOException(cannotRun(program, dir) + message, e);
            }
            throw Failures.spawnException(program, c.directoryOrNull(), SpawnException.Step.REDIRECT, errno,
                "stderr " + (append ? "appended to " : "to ") + r.file(), r.file().toPath()).asProcessBuilderDoes();
        }
    }

    private static String cannotRun(String program, File dir) {
        return "Cannot run program \"" + program + "\"" + (dir == null ? "" : " (in directory \"" + dir + "\")") + ": ";
    }
}
