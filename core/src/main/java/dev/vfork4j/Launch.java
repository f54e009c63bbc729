package dev.vfork4j;

import dev.vfork4j.loop.EventLoop;
import dev.vfork4j.spawn.CloneLauncher;
import dev.vfork4j.spawn.Failures;
import dev.vfork4j.spawn.Launcher;
import dev.vfork4j.spawn.PosixSpawnLauncher;
import dev.vfork4j.spawn.SpawnRequest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a Command and the verb's redirects into a started Child, and waits for it. */
final class Launch {
    private Launch() {}

    private static final Launcher POSIX_SPAWN = new PosixSpawnLauncher();
    private static final Launcher VFORK = new CloneLauncher(true);
    private static final Launcher FORK = new CloneLauncher(false);

    /**
     * @param capture for run() and output(): stdout and stderr pipes are read to their end by
     *                the loop and a stdin pipe is closed at once, so nothing can fill up
     */
    static Child start(Command c, Redirect stdin, Redirect stdout, Redirect stderr, boolean capture)
        throws IOException {
        Mechanism m = c.mechanism();
        m.unavailableReason().ifPresent(why -> {
            throw new UnsupportedOperationException("mechanism " + m + " is not available here: " + why);
        });
        SpawnRequest request = new SpawnRequest(c.argv(), c.environment(), c.directoryOrNull(), stdin, stdout, stderr,
            c.attributes());
        for (String attribute : c.attributes().setAttributes()) {
            if (!m.canSet(attribute)) {
                throw new UnsupportedOperationException("mechanism " + m + " cannot set " + attribute + ": use "
                    + (Mechanism.POSIX_SPAWN.canSet(attribute) && m != Mechanism.POSIX_SPAWN ? "VFORK, FORK or POSIX_SPAWN" : "VFORK or FORK"));
            }
        }
        return switch (m) {
            case POSIX_SPAWN -> new NativeChild(POSIX_SPAWN.spawn(request), m, capture, EventLoop.shared());
            case JDK -> startJdk(request, capture);
            case VFORK -> new NativeChild(VFORK.spawn(request), m, capture, EventLoop.shared());
            case FORK -> new NativeChild(FORK.spawn(request), m, capture, EventLoop.shared());
        };
    }

    private static final Pattern JDK_ERROR = Pattern.compile("error(?:=|: )(\\d+)");

    private static Child startJdk(SpawnRequest r, boolean capture) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(r.argv());
        pb.environment().clear();
        pb.environment().putAll(r.environment());
        if (r.directory() != null) {
            pb.directory(r.directory().toFile());
        }
        pb.redirectInput(jdk(r.stdin(), true));
        pb.redirectOutput(jdk(r.stdout(), false));
        if (r.stderr() == Redirect.STDOUT) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(jdk(r.stderr(), false));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            // Give the JDK's failure the same type and shape as the native launchers' failures.
            Matcher matcher = JDK_ERROR.matcher(String.valueOf(e.getMessage()));
            if (matcher.find()) {
                SpawnException se = Failures.spawnException(r.program(), r.directory(),
                    r.directory() != null && !r.directory().toFile().isDirectory()
                        ? SpawnException.Step.CHDIR : SpawnException.Step.EXEC,
                    Integer.parseInt(matcher.group(1)), null);
                se.initCause(e);
                throw se;
            }
            throw e;
        }
        JdkChild child = new JdkChild(p);
        if (capture) {
            p.getOutputStream().close();
        }
        return child;
    }

    private static ProcessBuilder.Redirect jdk(Redirect r, boolean input) {
        return switch (r) {
            case Redirect.Standard s -> switch (s) {
                case INHERIT -> ProcessBuilder.Redirect.INHERIT;
                case PIPE -> ProcessBuilder.Redirect.PIPE;
                case DISCARD -> input ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.DISCARD;
                case STDOUT -> throw new AssertionError("STDOUT is handled as redirectErrorStream");
            };
            case Redirect.From f -> ProcessBuilder.Redirect.from(f.file().toFile());
            case Redirect.To t -> ProcessBuilder.Redirect.to(t.file().toFile());
            case Redirect.AppendTo a -> ProcessBuilder.Redirect.appendTo(a.file().toFile());
        };
    }

    /** Waits for the child; on interrupt kills and reaps it before rethrowing. */
    static ExitStatus await(Child child) throws InterruptedException {
        CompletableFuture<byte[]>[] captured = captured(child);
        try {
            ExitStatus status = child.awaitStatus();
            for (CompletableFuture<byte[]> f : captured) {
                f.exceptionally(t -> null).get(); // run(): output discarded, but wait until it is all read
            }
            return status;
        } catch (InterruptedException e) {
            child.abandon();
            throw e;
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits for the exit and for stdout and stderr to reach their end. */
    static Output collect(Child child) throws IOException, InterruptedException {
        CompletableFuture<byte[]>[] captured = captured(child);
        try {
            ExitStatus status = child.awaitStatus();
            return new Output(status, captured[0].get(), captured[1].get());
        } catch (InterruptedException e) {
            child.abandon();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<byte[]>[] captured(Child child) {
        return switch (child) {
            case NativeChild n -> new CompletableFuture[] {n.capturedStdout(), n.capturedStderr()};
            case JdkChild j -> new CompletableFuture[] {readAll(j.getInputStream()), readAll(j.getErrorStream())};
        };
    }

    private static CompletableFuture<byte[]> readAll(InputStream in) {
        return JdkChild.readAll(in);
    }
}
