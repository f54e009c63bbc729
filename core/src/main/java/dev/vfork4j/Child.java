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
     * Sends {@code signal} to the child and its descendants, and never to a process that is
     * not one of them, even after the child's pid was given to another process.
     *
     * <ul>
     *   <li>When the Command made the child a group leader ({@code newSession()} or
     *       {@code processGroup(0)}): to its process group, also after the child has exited,
     *       as long as members it left behind remain in the group. A group is signalled only
     *       while it is provably the child's: on Linux 6.9 and newer through a pidfd of the
     *       child ({@code PIDFD_SIGNAL_PROCESS_GROUP}), which names the group itself rather
     *       than its number, so no race is left. On older kernels by number
     *       ({@code kill(-pid)}), and only while the child is unreaped, which keeps the
     *       number from passing to another group; once the child has been reaped nothing is
     *       sent, so the members it left behind are out of reach there. The one race left on
     *       those kernels: native code in this JVM that reaps the child behind vfork4j's back
     *       ({@code waitpid(-1)}, or SIGCHLD set to SIG_IGN) between the check and the kill.</li>
     *   <li>Otherwise: to the child and the descendants found by walking /proc now, each
     *       through a pidfd and only if it is still the process the walk found. This misses
     *       a descendant that left the tree (a daemon re-parented to init) or is born
     *       meanwhile; once the child has exited it sends nothing, as its descendants can no
     *       longer be found.</li>
     * </ul>
     *
     * A child started in a cgroup ({@code Command.cgroup(path)}) is treated the same way: the
     * cgroup was not made for it, and other processes may share it. A
     * {@link Command#contained() contained} child's cgroup is its own: every process in it is
     * signalled (SIGKILL through {@code cgroup.kill}), also after the child has exited, and
     * whatever the child started, daemons included. {@link #signalCgroup}
     * signals the whole cgroup. Nothing happens, and nothing is thrown, when everything is gone.
     *
     * @param signal the signal to send
     * @throws UnsupportedOperationException under the JDK mechanism without native access, for
     *                                       a signal other than SIGTERM and SIGKILL (before
     *                                       anything is signalled)
     */
    public abstract void killTree(Signal signal);

    /**
     * Sends {@code signal} to every process in the cgroup the child was started in
     * ({@code Command.cgroup(path)}) and in the cgroups below it, whether or not they descend
     * from the child, and whether or not the child still runs: SIGKILL through
     * {@code cgroup.kill} (Linux 5.14 and newer), which the kernel applies to every member at
     * once; any other signal to each process listed in {@code cgroup.procs}, through a pidfd
     * and only if it is still a member then. Once the cgroup has been removed nothing is sent,
     * even if another cgroup has been made under the same name since.
     *
     * @param signal the signal to send
     * @throws IllegalStateException when the child was not started with {@code cgroup(path)} or {@code contained()},
     *                               or when that cgroup is the root cgroup, this JVM's own cgroup
     *                               or one above it (this JVM would be signalled too)
     * @throws java.io.UncheckedIOException when the cgroup's processes cannot be read
     */
    public void signalCgroup(Signal signal) {
        java.util.Objects.requireNonNull(signal, "signal");
        ProcessTree.signalCgroup(this, startCgroup(), signal);
    }

    /** True while the child still holds its pid (not reaped): what a walk of /proc from it found is its tree. */
    abstract boolean holdsItsPid();

    /** The cgroup the child was started in, or null. */
    abstract StartCgroup startCgroup();

    /** The cgroup made for the child by {@code Command.contained()}, or null. */
    abstract java.nio.file.Path containedDirectory();

    /**
     * The cgroup v2 directory made for this child by {@link Command#contained()}: it exists
     * until the child has been reaped and nothing it left behind is alive, and is removed then.
     *
     * @return the directory, or empty for a child that is not contained (also one started in a
     *         cgroup of the caller's with {@code Command.cgroup(path)})
     */
    public java.util.Optional<java.nio.file.Path> cgroup() {
        return java.util.Optional.ofNullable(containedDirectory());
    }

    /**
     * The child's stdout as lines (UTF-8), read lazily as they arrive. Closing the stream
     * closes stdout. Empty when stdout is not a pipe to this JVM.
     *
     * @return a stream over {@link #getInputStream()}, decoded as UTF-8 and split as
     *         {@link BufferedReader#lines()} splits; reading it blocks until the child writes a
     *         line or closes stdout. An I/O error while reading is an
     *         {@link UncheckedIOException}.
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

    /**
     * How the child ended: the exit code it chose, or the signal that killed it.
     *
     * <p>Under the {@link Mechanism#JDK JDK mechanism} a signal death is reported as an exit
     * code: the JDK reaps the child itself and reports 128 + the signal's number, which cannot
     * be told apart from a child that chose that exit code ({@code sh -c 'exit 143'}). A JDK
     * child killed by SIGTERM thus reads "exit code 143" here, where the other mechanisms say
     * "killed by SIGTERM"; {@link #exitValue()} is 143 under every mechanism.
     *
     * @return the status
     * @throws IllegalThreadStateException when the child has not exited yet
     */
    public ExitStatus exitStatus() {
        CompletableFuture<ExitStatus> f = exit();
        if (!f.isDone()) {
            throw new IllegalThreadStateException("process hasn't exited");
        }
        return f.resultNow();
    }

    /**
     * Sends {@code signal} to the child, and never to a process that is not the child: the
     * signal goes through the child's pidfd (under the JDK mechanism, SIGTERM and SIGKILL go
     * through the JDK's {@link ProcessHandle}, which checks the process's start time). Nothing
     * happens when the child has already exited, even once its pid has been given to another
     * process. To reach the child's descendants too, use {@link #killTree(Signal)}.
     *
     * @param signal the signal to send
     * @throws UnsupportedOperationException under the JDK mechanism without native access, for
     *                                       a signal other than SIGTERM and SIGKILL (nothing is
     *                                       sent; the message names the flag to pass)
     * @throws UncheckedIOException          when the kernel refuses the signal, with its errno
     *                                       (under the JDK mechanism a refusal goes unreported,
     *                                       as with {@link Process#destroy()})
     */
    public abstract void signal(Signal signal);

    /**
     * The mechanism that created this child: the Command's, or {@link Mechanism#best()} when
     * it set none.
     *
     * @return the mechanism
     */
    public abstract Mechanism mechanism();

    /**
     * Waits for the child to exit and its output to be handed over. A platform thread waits in
     * the kernel, as C's waitpid does: in poll(2) on the child's pidfd, reaping the child itself;
     * a virtual thread parks without pinning its carrier.
     *
     * @return the exit value
     * @throws InterruptedException the thread was interrupted while waiting (its interrupt status
     *                              is cleared); the child goes on running
     */
    @Override
    public int waitFor() throws InterruptedException {
        return awaitStatus().exitValue();
    }

    /**
     * As {@link #waitFor()}, for at most {@code timeout}.
     *
     * @param timeout the longest to wait
     * @param unit    the unit of {@code timeout}
     * @return true when the child exited (and its output was handed over) in time
     * @throws InterruptedException the thread was interrupted while waiting (its interrupt status
     *                              is cleared)
     */
    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long start = System.nanoTime();
        long nanos = Math.max(0, unit.toNanos(timeout));
        try {
            if (nanos > 0 && !awaitInKernel(nanos)) {
                return false;
            }
            completion().get(Math.max(0, nanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw unreapable(e);
        }
    }

    /**
     * Waits on the calling thread, in the kernel, for what it can wait for there (the exit, the
     * pipes it reads itself), for at most {@code timeoutNanos} (negative: no limit); false when
     * the time ran out. Returns at once where the thread must park instead (a virtual thread,
     * the JDK mechanism): {@link #completion()} is then waited for as usual.
     */
    boolean awaitInKernel(long timeoutNanos) throws InterruptedException {
        return true;
    }

    /** Waits for the exit (and every consumer) and returns the status. */
    ExitStatus awaitStatus() throws InterruptedException {
        awaitInKernel(-1);
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
