package dev.vfork4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A started child: a {@link Process} whose every method behaves as the JDK documents it,
 * plus {@link #exitStatus()}, {@link #signal(Signal)} and {@link #mechanism()}.
 *
 * <p>Exit is detected by the library's one event-loop thread through the child's pidfd: no
 * thread per child, no polling. {@link #waitFor()} and the streams block without pinning a
 * virtual thread's carrier. When the child exits, what its stdout and stderr pipes hold is
 * kept and their fds released, and its stdin pipe is closed, as the JDK does; a stream read
 * to its end releases its fd at once.
 */
public abstract sealed class Child extends Process permits NativeChild, JdkChild {

    Child() {}

    /** Completes with the exit status when the child has exited and been reaped. */
    abstract CompletableFuture<ExitStatus> exit();

    /**
     * Completes with the exit status once the child has exited and every byte of its output
     * has been handed to the consumers ({@code onStdout}/{@code onStderr}) and captures.
     */
    abstract CompletableFuture<ExitStatus> completion();

    /** True once a timeout expired and the child was told to end. */
    abstract boolean timedOut();

    /** What output() captured, after {@link #completion()}; throws when a consumer failed. */
    abstract Output captured(ExitStatus status) throws IOException;

    /**
     * Sends {@code signal} to the child and its descendants: to its process group when the
     * Command made one ({@code newSession()} or {@code processGroup(0)}); to every process of
     * its cgroup when it was placed in one ({@code cgroup.kill} for SIGKILL); otherwise to the
     * child and the descendants found by walking /proc now, which misses a descendant that
     * left the tree (a daemon re-parented to init) or is born meanwhile.
     */
    public abstract void killTree(Signal signal);

    /**
     * The child's stdout as lines (UTF-8), read lazily as they arrive. Closing the stream
     * closes stdout. Empty when stdout is not a pipe to this JVM.
     */
    public Stream<String> stdoutLines() {
        BufferedReader reader = inputReader(StandardCharsets.UTF_8);
        return reader.lines().onClose(() -> {
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** How the child ended. */
    public ExitStatus exitStatus() {
        CompletableFuture<ExitStatus> f = exit();
        if (!f.isDone()) {
            throw new IllegalThreadStateException("process hasn't exited");
        }
        return f.resultNow();
    }

    /** Sends {@code signal} to the child. Nothing happens when it has already exited. */
    public abstract void signal(Signal signal);

    /** The mechanism that created this child. */
    public abstract Mechanism mechanism();

    @Override
    public int waitFor() throws InterruptedException {
        return awaitStatus().exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            completion().get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw unreapable(e);
        }
    }

    /** Called before a thread blocks waiting for the exit; a chance to see a quick exit first. */
    void beforeWait() {}

    /** Waits for the exit (and every consumer) and returns the status. */
    ExitStatus awaitStatus() throws InterruptedException {
        beforeWait();
        try {
            return completion().get();
        } catch (ExecutionException e) {
            throw unreapable(e);
        }
    }

    private static IllegalStateException unreapable(ExecutionException e) {
        return new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }

    @Override
    public int exitValue() {
        return exitStatus().exitValue();
    }

    /** Sends SIGTERM. */
    @Override
    public void destroy() {
        signal(Signal.SIGTERM);
    }

    /** Sends SIGKILL. */
    @Override
    public Child destroyForcibly() {
        signal(Signal.SIGKILL);
        return this;
    }

    /** True: SIGTERM lets the child end normally. */
    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean isAlive() {
        return !exit().isDone();
    }

    /**
     * A new future that completes with this child, on a pool thread, once it has exited and
     * its consumers have had all its output.
     */
    @Override
    public CompletableFuture<Process> onExit() {
        return completion().handleAsync((status, failure) -> this);
    }

    /** Stops the child at once and releases what it holds (SIGKILL, then waits for the reap). */
    abstract void abandon();

    /**
     * {@return the JDK's {@code Process[pid=42, exitValue="not exited"]} or
     * {@code Process[pid=42, exitValue=0]}, with the mechanism, and how a signal ended the child,
     * after those: {@code Process[pid=42, exitValue=143, mechanism=VFORK, status=killed by SIGTERM]}}
     */
    @Override
    public String toString() {
        CompletableFuture<ExitStatus> f = exit();
        ExitStatus status = f.isDone() && !f.isCompletedExceptionally() ? f.resultNow() : null;
        StringBuilder sb = new StringBuilder("Process[pid=").append(pid()).append(", exitValue=");
        if (status == null) {
            sb.append("\"not exited\"");
        } else {
            sb.append(status.exitValue());
        }
        sb.append(", mechanism=").append(mechanism());
        if (status != null && status.signalled()) {
            sb.append(", status=").append(status); // exitValue 128+n cannot tell a signal from an exit code
        }
        return sb.append(']').toString();
    }
}
