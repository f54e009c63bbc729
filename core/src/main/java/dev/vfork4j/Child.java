package dev.vfork4j;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
            exit().get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw unreapable(e);
        }
    }

    /** Waits for the exit and returns its status. */
    ExitStatus awaitStatus() throws InterruptedException {
        try {
            return exit().get();
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

    /** A new future that completes with this child, on a pool thread, once it has exited. */
    @Override
    public CompletableFuture<Process> onExit() {
        return exit().handleAsync((status, failure) -> this);
    }

    /** Stops the child at once and releases what it holds (SIGKILL, then waits for the reap). */
    abstract void abandon();

    @Override
    public String toString() {
        CompletableFuture<ExitStatus> f = exit();
        return getClass().getSimpleName() + "[pid=" + pid() + ", mechanism=" + mechanism() + ", "
            + (f.isDone() && !f.isCompletedExceptionally() ? f.resultNow() : "running") + "]";
    }
}
