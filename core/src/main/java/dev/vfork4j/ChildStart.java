package dev.vfork4j;

import static dev.vfork4j.linux.Linux.EAGAIN;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.loop.EventLoop;
import dev.vfork4j.spawn.Attribute;
import dev.vfork4j.spawn.Failures;
import dev.vfork4j.spawn.SpawnRequest;
import dev.vfork4j.spawn.Spawned;
import dev.vfork4j.spawn.Technique;
import dev.vfork4j.linux.Errno;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a Command and the verb's redirects into a started Child, and waits for it. */
final class ChildStart {
    private ChildStart() {}

    static {
        // The classes a failing spawn needs are loaded now: under EMFILE there may be no fd
        // left to read a class file with, and the failure must still be a SpawnException
        // rather than a NoClassDefFoundError (seen when running from a classes directory).
        // Best effort: when even this cannot read them, ChildStart must not be left unusable.
        for (Class<?> c : new Class<?>[] {SpawnException.class, SpawnException.Step.class, Failures.class,
            dev.vfork4j.linux.Errno.class, dev.vfork4j.linux.ErrnoException.class, ProcessTimeoutException.class,
            JdkMessages.class}) {
            try {
                // JdkMessages is loaded, not initialised: its patterns are compiled only if the JDK mechanism fails.
                Class.forName(c.getName(), c != JdkMessages.class, c.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // loaded when first needed instead
            }
        }
    }

    /** Starts {@code c} for {@code verb}, with the verb's default redirects already filled in. */
    static Child start(Command c, Redirect stdin, Redirect stdout, Redirect stderr, ChildIo.Verb verb)
        throws IOException {
        return start(c, stdin, stdout, stderr, verb, SpawnRequest.NO_FDS);
    }

    /** As above, with this JVM's fds given to some standard streams (a pipeline's pipes; -1: none). */
    static Child start(Command c, Redirect stdin, Redirect stdout, Redirect stderr, ChildIo.Verb verb, int[] fdSources)
        throws IOException {
        return start(c, stdin, stdout, stderr, verb, fdSources, StartLog.COMMAND);
    }

    /** As above, recording the start in {@code log}. */
    static Child start(Command c, Redirect stdin, Redirect stdout, Redirect stderr, ChildIo.Verb verb, int[] fdSources,
                       StartLog log) throws IOException {
        // A fresh JVM's logger lookup, on another thread while this one makes the child (before
        // Mechanism.best(), whose first call links the native calls).
        log.prefetch(c.mechanismChosen() ? c.mechanism() : null);
        if (!c.mechanismChosen() || c.mechanism() != Mechanism.JDK) {
            Preload.start(); // the classes the spawn needs once linked, loaded while it links
        }
        Mechanism m = c.mechanism();
        Technique t = m.technique();
        t.require(c.argv().getFirst(), c.directoryOrNull());
        for (Attribute attribute : c.attributes().set()) {
            if (!t.canSet(attribute)) {
                throw new UnsupportedOperationException("mechanism " + m + " cannot set " + attribute.method() + ": use "
                    + Technique.whoCanSet(attribute)
                    // JDK was chosen because nothing else works here (native access refused): say why.
                    + Mechanism.VFORK.unavailableReason().map(why -> " (VFORK is not available here: " + why + ")").orElse(""));
            }
        }
        if (!t.isNative() && fdSources != SpawnRequest.NO_FDS) {
            throw new UnsupportedOperationException("a pipeline stage needs VFORK, FORK or POSIX_SPAWN; the JDK mechanism cannot be given a pipe");
        }
        // contained(): the child's own cgroup is made now, after every refusal, and the child is cloned into it.
        ContainedCgroup contained = c.attributes().contained() ? ContainedCgroup.create(c.attributes().containedParent()) : null;
        try {
            return start(c, stdin, stdout, stderr, verb, fdSources, log, m, t, contained);
        } catch (IOException | RuntimeException | Error e) {
            if (contained != null) {
                contained.remove(); // no child was made in it
            }
            throw e;
        }
    }

    private static Child start(Command c, Redirect stdin, Redirect stdout, Redirect stderr, ChildIo.Verb verb,
                               int[] fdSources, StartLog log, Mechanism m, Technique t, ContainedCgroup contained)
        throws IOException {
        dev.vfork4j.spawn.ChildAttributes attributes = contained == null ? c.attributes()
            : c.attributes().toBuilder().cgroup(contained.directory()).build();
        SpawnRequest request = new SpawnRequest(c.argv(), c.environment(), c.directoryOrNull(), stdin, stdout, stderr,
            attributes, fdSources);
        boolean groupLeader = c.attributes().newSession() || c.attributes().processGroup() == 0;
        ChildIo io = new ChildIo(verb, stdin, stdout, stderr, c.io(), groupLeader, attributes.cgroup(), c.argv().getFirst());
        EventLoop loop = t.isNative() ? eventLoop(request) : null;
        Child child;
        if (!t.isNative()) {
            child = new JdkChild(startJdk(request), io);
        } else {
            Spawned spawned;
            long spawnedAt = System.nanoTime();
            try {
                spawned = t.launcher().spawn(request);
            } catch (SpawnException e) {
                // The first spawn tries the mechanism (no probe child before it): when it failed
                // because the mechanism cannot work here, the probe says so, and the Command is
                // started as it would have been had that been known (see Availability).
                String unavailable = t.afterFailedTrial(e.errno());
                if (unavailable == null) {
                    throw e;
                }
                if (!c.mechanismChosen()) {
                    if (contained != null) {
                        contained.remove(); // the retry makes its own
                    }
                    return start(c, stdin, stdout, stderr, verb, fdSources, log); // Mechanism.best() passes m over now
                }
                throw new UnsupportedOperationException("mechanism " + m + " is not available here: " + unavailable);
            }
            t.worked();
            child = new NativeChild(spawned, m, io, loop, spawnedAt, contained);
        }
        try {
            log.started(child.pid(), c.directoryOrNull(), c.argv(), m);
        } catch (RuntimeException | Error e) {
            // A LoggerFinder that throws fails the start (as it fails pb.start()); unlike the JDK,
            // which leaves that child running, no child of a failed start is left behind.
            child.abandon();
            throw e;
        }
        return child;
    }

    /**
     * The loop that will watch the child, got before the child is made: when it cannot be
     * started (no fd for its epoll set, no thread), the spawn fails with nothing created, rather
     * than leaving a child nobody reaps.
     */
    static EventLoop eventLoop(SpawnRequest r) throws SpawnException {
        try {
            return EventLoop.shared();
        } catch (ErrnoException e) {
            throw Failures.spawnException(r.program(), r.directory(), SpawnException.Step.EVENT_LOOP, e.errno(),
                e.getMessage());
        } catch (IOException e) {
            // The loop's thread could not start: pthread_create fails with EAGAIN at a thread or process limit.
            SpawnException se = Failures.spawnException(r.program(), r.directory(), SpawnException.Step.EVENT_LOOP,
                EAGAIN, e.getMessage());
            se.initCause(e);
            throw se;
        }
    }

    /** The patterns that read the JDK's failures: compiled when the JDK mechanism first fails, not at every JVM's first spawn. */
    private static final class JdkMessages {
        /** The errno in a JDK 25 message ("Exec failed, error: 2 (...)") or an older one ("error=2, ..."). */
        static final Pattern JDK_ERROR = Pattern.compile("error(?:=|: )(\\d+)");
        /** A FileNotFoundException's "path (description)". */
        static final Pattern JDK_FILE_ERROR = Pattern.compile("(.*) \\((.*)\\)");
    }

    private static Process startJdk(SpawnRequest r) throws IOException {
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
        try {
            return pb.start();
        } catch (IOException e) {
            // Give the JDK's failure the same type and message as the native launchers' failures.
            SpawnException se = jdkFailure(r, e);
            if (se == null) {
                throw e;
            }
            se.initCause(e);
            throw se;
        }
    }

    /** The SpawnException a native launcher would have thrown for the JDK's {@code e}, or null when it has no errno. */
    private static SpawnException jdkFailure(SpawnRequest r, IOException e) {
        Throwable cause = e.getCause();
        if (cause instanceof FileNotFoundException fnf) {
            // A redirect file: the JDK opens stdin's, stdout's and stderr's in that order and says "path (description)".
            Matcher m = JdkMessages.JDK_FILE_ERROR.matcher(String.valueOf(fnf.getMessage()));
            int errno = m.matches() ? Errno.fromDescription(m.group(2)) : -1;
            if (errno < 0) {
                return null;
            }
            Redirect[] redirects = {r.stdin(), r.stdout(), r.stderr()};
            for (int i = 0; i < 3; i++) {
                Path file = redirectFile(redirects[i]);
                if (file != null && file.toString().equals(m.group(1))) {
                    return Failures.spawnException(r.program(), r.directory(), SpawnException.Step.REDIRECT, errno,
                        STREAMS[i] + " " + redirectWords(redirects[i]) + " " + file, file);
                }
            }
            return null;
        }
        String reason = cause != null ? String.valueOf(cause.getMessage()) : String.valueOf(e.getMessage());
        Matcher matcher = JdkMessages.JDK_ERROR.matcher(reason);
        if (!matcher.find()) {
            return null;
        }
        SpawnException.Step step;
        if (reason.startsWith("fork failed") || reason.startsWith("posix_spawn failed") || reason.startsWith("vfork failed")) {
            step = SpawnException.Step.CLONE;
        } else if (reason.startsWith("Bad file descriptor")) {
            step = SpawnException.Step.REDIRECT; // JDK 25's words for a pipe it could not create
        } else {
            // JDK 25 says "Exec failed" for a failed chdir too: tell them apart by the directory.
            step = r.directory() != null && !r.directory().toFile().isDirectory()
                ? SpawnException.Step.CHDIR : SpawnException.Step.EXEC;
        }
        return Failures.spawnException(r.program(), r.directory(), step, Integer.parseInt(matcher.group(1)), null);
    }

    private static final String[] STREAMS = {"stdin", "stdout", "stderr"};

    private static Path redirectFile(Redirect r) {
        return switch (r) {
            case Redirect.From f -> f.file();
            case Redirect.To t -> t.file();
            case Redirect.AppendTo a -> a.file();
            case Redirect.Standard s -> s == Redirect.DISCARD ? Path.of("/dev/null") : null;
        };
    }

    private static String redirectWords(Redirect r) {
        return switch (r) {
            case Redirect.From f -> "from";
            case Redirect.AppendTo a -> "appended to";
            default -> "to";
        };
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

    /** run(): waits for the exit and the consumers; on interrupt kills and reaps the child first. */
    static ExitStatus await(Child child, Command c) throws IOException, InterruptedException {
        return collect(child, c).status();
    }

    /** output(): waits for the exit and both streams' end; on interrupt kills and reaps the child first. */
    static Output collect(Child child, Command c) throws IOException, InterruptedException {
        ExitStatus status;
        try {
            status = child.awaitStatus();
        } catch (InterruptedException e) {
            child.abandon();
            throw e;
        }
        return finish(child, c, status);
    }

    private static Output finish(Child child, Command c, ExitStatus status) throws IOException {
        Output out = child.captured(status);
        if (child.timedOut()) {
            throw new ProcessTimeoutException(c.argv().getFirst(), c.io().timeout(), out);
        }
        return out;
    }

    /** outputAsync(): the same, as a future; cancelling it kills the child. */
    static CompletableFuture<Output> collectAsync(Child child, Command c) {
        CompletableFuture<Output> result = new CompletableFuture<>();
        child.completion().whenCompleteAsync((status, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            try {
                result.complete(finish(child, c, status));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        result.whenComplete((out, failure) -> {
            if (result.isCancelled()) {
                child.destroyForcibly();
            }
        });
        return result;
    }
}
