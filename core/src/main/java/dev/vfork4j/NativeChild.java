package dev.vfork4j;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.loop.EventLoop;
import dev.vfork4j.loop.KernelWait;
import dev.vfork4j.loop.PidFd;
import dev.vfork4j.loop.PipeInputStream;
import dev.vfork4j.loop.PipeOutputStream;
import dev.vfork4j.loop.PipeReader;
import dev.vfork4j.loop.PipeWriter;
import dev.vfork4j.loop.WaitStatus;
import dev.vfork4j.spawn.Spawned;
import dev.vfork4j.spawn.StartTime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;

/** A child created by one of vfork4j's own launchers, tracked through its pidfd on the event loop. */
final class NativeChild extends Child {
    /**
     * Where the handlers of onStdout/onStderr run: a virtual thread per delivery. In a class of
     * its own, made when the first handler is, so that children without one load none of it.
     */
    private static final class Consumers {
        static final Executor EXECUTOR = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("vfork4j-consumer-", 0).factory());
    }

    private final long pid;
    /** The child's start time as /proc/PID/stat gives it, or StartTime.UNKNOWN. */
    private final long startTick;
    private final Mechanism mechanism;
    private final ChildIo io;
    private final EventLoop loop;
    private final PidFd pidfd;
    /** The group the child leads (newSession or processGroup(0)), or null. */
    private final ProcessGroup group;
    /** The cgroup the child was started in (Command.cgroup, or its own under contained()), or null. */
    private final StartCgroup cgroup;
    /** The cgroup made for the child (Command.contained), or null. */
    private final ContainedCgroup contained;
    /** {@link System#nanoTime()} just before the spawn: where the wall time of its usage starts. */
    private final long spawnedAt;
    private final CompletableFuture<ExitStatus> exit;
    private final CompletableFuture<ExitStatus> completion;
    private final OutputStream stdin;
    private final InputStream stdout, stderr;
    private final Deliveries deliveries;
    /** Every reader of this child's pipes (capture, discard, consume). */
    private final List<PipeReader> readers = new ArrayList<>();
    /** Those whose consumer runs inline (capture, discard): a platform thread that waits reads them itself. */
    private final List<PipeReader> inlineReaders = new ArrayList<>(2);
    /** The timeout's first signal was sent to a child that had not begun to exit. */
    private volatile boolean timedOut;
    /** ... and it was a signal that could only kill the child (see {@link ExitCheck}). */
    private volatile boolean deadlineSignalFatal;

    /** Takes ownership of everything in {@code s}. */
    NativeChild(Spawned s, Mechanism mechanism, ChildIo io, EventLoop loop, long spawnedAt, ContainedCgroup contained)
        throws IOException {
        this.pid = s.pid();
        this.startTick = s.startTick();
        this.spawnedAt = spawnedAt;
        this.contained = contained;
        this.mechanism = mechanism;
        this.io = io;
        this.loop = loop;
        // The group's copy of the pidfd is made while the pidfd is still ours alone: once the loop
        // has it, the loop may reap the child and close it at any moment.
        Fd groupPidfd = io.groupLeader() ? ProcessGroup.copyPidfd(s.pidfd()) : null;
        // run() and output() wait for the child at once: the loop needs no sweep to find it.
        this.pidfd = new PidFd(s.pid(), s.pidfd(), loop, sweep());
        this.group = io.groupLeader() ? ProcessGroup.ledBy(this, s.pid(), pidfd, groupPidfd) : null;
        if (group != null) {
            pidfd.exit().whenComplete((status, failure) -> group.leaderReaped());
        }
        this.cgroup = contained != null ? contained.asStartCgroup() : io.cgroup() != null ? StartCgroup.of(io.cgroup()) : null;
        this.exit = pidfd.exit().thenApply(this::status);
        if (contained != null) {
            // After the reap, which read its cpu.stat: removed once nothing the child left behind is alive.
            exit.whenComplete((status, failure) -> contained.removeWhenEmpty(loop));
        }
        IoOptions o = io.options();
        this.deliveries = new Deliveries(io);
        try {
            this.stdin = stdin(s.stdin(), o);
        } catch (IOException | RuntimeException e) {
            closeAll(s.stdout(), s.stderr()); // not owned by anything yet
            pidfd.signal(Signal.SIGKILL.number());
            throw e;
        }
        try {
            this.stdout = output(s.stdout(), "stdout", o.onStdout(), deliveries.stdout, s.stderr());
            this.stderr = output(s.stderr(), "stderr", o.onStderr(), deliveries.stderr, -1);
        } catch (IOException | RuntimeException e) {
            pidfd.signal(Signal.SIGKILL.number()); // output() closed what it did not hand over
            throw e;
        }
        this.completion = deliveries.completion(exit);
        // Only a real exit lets the streams keep what the pipes hold and end: when the exit
        // failed instead (the loop died), a reader waiting on the loop must get that failure
        // from its pipe, not an end of stream that looks like the child's.
        exit.thenRun(this::processExited);
        exit.whenComplete((status, failure) -> afterExit(o));
        if (o.timeout() != null) {
            scheduleTimeout(o);
        }
    }

    /**
     * The wait delay: the pipes vfork4j reads itself (captures, run()'s drains, handlers) get
     * {@link IoOptions#waitDelay()} after the exit to reach their end; those that have not are
     * cut short then (what they hold is still read) and the Output is marked incomplete.
     */
    private void afterExit(IoOptions o) {
        long delay = IoOptions.nanosOrNever(o.waitDelay());
        if (delay < 0 || readers.stream().allMatch(r -> r.done().isDone())) {
            return;
        }
        loop.schedule(System.nanoTime() + delay, () -> {
            for (PipeReader r : readers) {
                if (r.cutShort(new Deliveries.CutShort(io.program(), o.waitDelay()))) {
                    deliveries.cutShort();
                }
            }
        });
    }

    /**
     * stdin as the verb and the Command want it: fed from a buffer by the loop, copied from an
     * InputStream, closed at once (run, output), or the Process stream (start). Whatever this
     * JVM feeds itself stops when the child exits, and getOutputStream() is then the null
     * stream, as it is when stdin is not a pipe at all.
     */
    private OutputStream stdin(int fd, IoOptions o) throws IOException {
        if (fd < 0) {
            return NullStreams.OUTPUT;
        }
        if (o.inputBuffer() != null) {
            PipeWriter writer = PipeWriter.start(fd, loop, o.inputBuffer().duplicate());
            deliveries.await(writer.done(), "feeding stdin");
            exit.whenComplete((status, failure) -> writer.cancel());
            return NullStreams.OUTPUT;
        }
        if (o.inputStream() != null) {
            PipeOutputStream pipe = new PipeOutputStream(fd, loop);
            StdinFeed feed = StdinFeed.start(o.inputStream(), pipe, "vfork4j-stdin-" + pid);
            deliveries.await(feed.done(), "feeding stdin");
            exit.whenComplete((status, failure) -> {
                feed.processExited();
                pipe.processExited();
            });
            return NullStreams.OUTPUT;
        }
        if (io.verb() != ChildIo.Verb.START) {
            Posix.close(fd); // run()/output(): nobody writes, so the child reads end of file
            return NullStreams.OUTPUT;
        }
        return new PipeOutputStream(fd, loop);
    }

    /**
     * One of stdout/stderr: a handler's reader, a capture, a drain (run), or the Process
     * stream (start). {@code otherFd} is closed too if setting this one up fails.
     */
    private InputStream output(int fd, String name, ChunkHandler handler, Capture capture, int otherFd)
        throws IOException {
        if (fd < 0) {
            return NullStreams.INPUT;
        }
        try {
            if (handler != null) {
                PipeReader r = PipeReader.start(fd, loop, handler::accept, Consumers.EXECUTOR);
                readers.add(r);
                deliveries.await(r.done(), name.equals("stdout") ? "the onStdout handler" : "the onStderr handler");
                return NullStreams.INPUT;
            }
            if (capture != null) {
                PipeReader r = PipeReader.deferred(fd, loop, capture, sweep());
                readers.add(r);
                inlineReaders.add(r);
                deliveries.await(r.done(), "reading " + name);
                return NullStreams.INPUT;
            }
            if (io.verb() == ChildIo.Verb.RUN) {
                PipeReader r = PipeReader.deferred(fd, loop, chunk -> { }, sweep()); // read and dropped: never stalls the child
                readers.add(r);
                inlineReaders.add(r);
                return NullStreams.INPUT;
            }
            return new PipeInputStream(fd, loop, pidfd);
        } catch (IOException | RuntimeException e) {
            if (otherFd >= 0) {
                Posix.close(otherFd);
            }
            throw e;
        }
    }

    /**
     * Whether the loop must find this child's pidfd and captured pipes by itself, at its next
     * sweep: under start(), where nobody may ever wait; not under run() and output(), which
     * wait for the child at once (on a platform thread in the kernel; on a virtual thread
     * through {@link #completion()}, which hands both to the loop).
     */
    private boolean sweep() {
        return io.verb() == ChildIo.Verb.START;
    }

    private static void closeAll(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                Posix.close(fd);
            }
        }
    }

    /**
     * The status and what the child cost: the reap's rusage (the child and the descendants it
     * waited for), or for a contained child its cgroup's cpu.stat (the whole tree). Never the
     * rusage's ru_maxrss: see {@link ResourceUsage}.
     */
    private ExitStatus status(WaitStatus w) {
        ExitStatus s = w.exited()
            ? ExitStatus.exited(w.siStatus() & 0xff)
            : ExitStatus.killed(w.siStatus(), w.coreDumped());
        Duration wall = Duration.ofNanos(Math.max(0, w.reapedAt() - spawnedAt));
        ResourceUsage u = contained != null ? contained.usage(wall) : null;
        if (u == null && w.userMicros() >= 0 && w.systemMicros() >= 0) {
            u = ResourceUsage.of(Duration.ofNanos(w.userMicros() * 1000), Duration.ofNanos(w.systemMicros() * 1000), wall,
                ResourceUsage.Scope.CHILD);
        }
        return u == null ? s : s.withUsage(u);
    }

    private void processExited() {
        if (stdin instanceof PipeOutputStream p) {
            p.processExited();
        }
        if (stdout instanceof PipeInputStream p) {
            p.processExited();
        }
        if (stderr instanceof PipeInputStream p) {
            p.processExited();
        }
    }

    /**
     * SIGTERM at the deadline (SIGKILL at once with no grace), SIGKILL after the grace. Once a
     * timed-out child is gone, its pipes get a moment to drain and are then closed, so a
     * grandchild still holding them cannot keep output() waiting. A timeout or grace beyond
     * {@link IoOptions#BEYOND_REACH} is never reached, and no deadline is set for it.
     */
    private void scheduleTimeout(IoOptions o) {
        long start = System.nanoTime();
        long timeout = IoOptions.nanosOrNever(o.timeout());
        if (timeout < 0) {
            return;
        }
        long termAt = start + timeout;
        boolean noGrace = o.grace().isZero();
        long grace = IoOptions.nanosOrNever(o.grace());
        var term = loop.schedule(termAt, () -> endAtDeadline(noGrace ? Signal.SIGKILL : Signal.SIGTERM));
        var kill = noGrace || grace < 0 ? null : loop.schedule(termAt + grace, () -> signalEnd(Signal.SIGKILL));
        exit.whenComplete((status, failure) -> {
            term.cancel();
            // A contained child's timeout ends its whole cgroup: what the child left behind still gets the SIGKILL.
            if (kill != null && !(contained != null && timedOut)) {
                kill.cancel();
            }
        });
    }

    /**
     * The timeout's first signal, on the loop thread: sent, and the child marked timed out,
     * only if it has not begun to exit on its own. The check and the signal happen while the
     * child cannot be reaped, but it is free to begin its exit in between; {@link #timedOut()}
     * then sorts it out from the status.
     */
    private void endAtDeadline(Signal s) {
        pidfd.whileUnreaped(fd -> {
            if (!ExitCheck.begun(fd, pid)) {
                deadlineSignalFatal = ExitCheck.fatal(pid, s);
                timedOut = true; // before the signal: whoever sees the exit sees this too
                signalEnd(s);
            }
        });
    }

    /**
     * Signals the child's group when it leads one (only while that group is provably the
     * child's, see {@link ProcessGroup}), else the child through its pidfd.
     */
    private void signalEnd(Signal s) {
        if (contained != null) {
            try {
                contained.signal(s);
                return;
            } catch (RuntimeException e) {
                // the cgroup could not be read: at least the child
            }
        }
        if (group != null) {
            group.signal(s);
        } else {
            try {
                pidfd.signal(s.number());
            } catch (ErrnoException e) {
                // EPERM (a setuid child): nothing the timeout or abandon() can do about it
            }
        }
    }

    /**
     * A platform thread waits in poll(2) on the pidfd, and on the pipes output() captures (or
     * run() drains), reaping the child and reading them itself, as C's waitpid and read block
     * the caller in the kernel: the exit and the output wake this thread alone, not the loop and
     * then this thread. A virtual thread returns at once, to park on the futures (poll would
     * hold its carrier). What the loop or other threads deliver (onStdout handlers, the feeding
     * of stdin) is left to them; the caller waits for it on {@link #completion()}.
     */
    @Override
    boolean awaitInKernel(long timeoutNanos) throws InterruptedException {
        if (Thread.currentThread().isVirtual()) {
            return true;
        }
        try {
            return KernelWait.awaitExit(pidfd, inlineReaders, timeoutNanos);
        } catch (Throwable t) {
            completion(); // whatever ended the wait, the loop takes the child and its pipes (run() and output() have no sweep)
            throw t;
        }
    }

    /**
     * Runs {@code action} with the exit value (-1 if the exit could not be seen) once the child
     * has been reaped, without asking the loop to watch it: on the thread that reaped it when
     * that is a thread waiting for the child, on the common pool when it is the loop. Keep it
     * short: it runs inside the waiter's waitFor(), read or output().
     */
    void whenReaped(IntConsumer action) {
        exit.whenComplete((status, failure) -> {
            int value = status != null ? status.exitValue() : -1;
            if (loop.inLoop()) {
                ForkJoinPool.commonPool().execute(() -> action.accept(value));
            } else {
                action.accept(value);
            }
        });
    }

    /** Whoever asks for the exit gets it seen by the loop from now on (see PidFd: it is not watched from the spawn). */
    @Override
    CompletableFuture<ExitStatus> exit() {
        pidfd.watch();
        return exit;
    }

    /** As {@link #exit()}, and the loop reads the captured pipes from now on too. */
    @Override
    CompletableFuture<ExitStatus> completion() {
        pidfd.watch();
        for (PipeReader r : inlineReaders) {
            r.watch();
        }
        return completion;
    }

    /**
     * True when the timeout ended the child. A child that exited with a code although the
     * timeout's signal could only have killed it had begun to exit before the signal landed: it
     * ended on its own, not by the timeout. The one case left: a child that catches, ignores or
     * blocks SIGTERM and begins to exit on its own between the check at the deadline and the
     * SIGTERM is reported as timed out.
     */
    @Override
    boolean timedOut() {
        if (!timedOut) {
            return false;
        }
        return !(deadlineSignalFatal && exit.isDone() && !exit.isCompletedExceptionally()
            && !exit.resultNow().signalled());
    }

    @Override
    Output captured(ExitStatus status) throws IOException {
        return deliveries.output(status, timedOut());
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public Mechanism mechanism() {
        return mechanism;
    }

    @Override
    public void signal(Signal signal) {
        try {
            pidfd.signal(signal.number());
        } catch (ErrnoException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The group when the child leads one, while it is provably the child's (see
     * {@link ProcessGroup}); else the child and the descendants found now by walking /proc,
     * each signalled through a pidfd, and nothing once the child has exited.
     */
    @Override
    public void killTree(Signal s) {
        if (contained != null) {
            contained.signal(s);
            return;
        }
        ProcessTree.kill(this, group, s);
    }

    /** The child's start time as /proc/PID/stat gives it, known without reading it, or {@link StartTime#UNKNOWN}. */
    long startTick() {
        return startTick;
    }

    /** Unreaped: the pid is the child's, as no other process can take it before the reap. */
    @Override
    boolean holdsItsPid() {
        return pidfd.whileUnreaped(fd -> { });
    }

    /**
     * The JDK's handle for the pid ({@code ProcessHandle.of}: it reads the process's start time
     * from /proc), taken while the child is provably unreaped, so that the pid is still the
     * child's; empty once the child has been reaped.
     */
    Optional<ProcessHandle> jdkHandleWhileUnreaped() {
        ProcessHandle[] handle = new ProcessHandle[1];
        pidfd.whileUnreaped(fd -> handle[0] = ProcessHandle.of(pid).orElse(null));
        return Optional.ofNullable(handle[0]);
    }

    @Override
    StartCgroup startCgroup() {
        return cgroup;
    }

    @Override
    java.nio.file.Path containedDirectory() {
        return contained != null ? contained.directory() : null;
    }

    @Override
    public ProcessHandle toHandle() {
        return new ChildHandle(this);
    }

    @Override
    public ProcessHandle.Info info() {
        return toHandle().info();
    }

    @Override
    void abandon() {
        signalEnd(Signal.SIGKILL);
        exit().exceptionally(t -> null).join();
        readers.forEach(r -> r.cancel(new IOException("abandoned")));
    }
}
