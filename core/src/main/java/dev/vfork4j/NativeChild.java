package dev.vfork4j;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.loop.EventLoop;
import dev.vfork4j.loop.PidFd;
import dev.vfork4j.loop.PipeInputStream;
import dev.vfork4j.loop.PipeOutputStream;
import dev.vfork4j.loop.PipeReader;
import dev.vfork4j.loop.PipeWriter;
import dev.vfork4j.loop.WaitStatus;
import dev.vfork4j.spawn.Spawned;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/** A child created by one of vfork4j's own launchers, tracked through its pidfd on the event loop. */
final class NativeChild extends Child {
    /** Where the handlers of onStdout/onStderr run: a virtual thread per delivery. */
    static final Executor CONSUMERS = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("vfork4j-consumer-", 0).factory());

    private final long pid;
    private final Mechanism mechanism;
    private final ChildIo io;
    private final EventLoop loop;
    private final PidFd pidfd;
    private final CompletableFuture<ExitStatus> exit;
    private final CompletableFuture<ExitStatus> completion;
    private final OutputStream stdin;
    private final InputStream stdout, stderr;
    private final Deliveries deliveries;
    /** Every reader the loop drives for this child (capture, discard, consume). */
    private final List<PipeReader> readers = new ArrayList<>();
    private volatile boolean timedOut;

    /** Takes ownership of everything in {@code s}. */
    NativeChild(Spawned s, Mechanism mechanism, ChildIo io, EventLoop loop) throws IOException {
        this.pid = s.pid();
        this.mechanism = mechanism;
        this.io = io;
        this.loop = loop;
        this.pidfd = new PidFd(s.pid(), s.pidfd(), loop);
        this.exit = pidfd.exit().thenApply(NativeChild::status);
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
        exit.whenComplete((status, failure) -> processExited());
        if (o.timeout() != null) {
            scheduleTimeout(o);
        }
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
                PipeReader r = PipeReader.start(fd, loop, handler, CONSUMERS);
                readers.add(r);
                deliveries.await(r.done(), name.equals("stdout") ? "the onStdout handler" : "the onStderr handler");
                return NullStreams.INPUT;
            }
            if (capture != null) {
                PipeReader r = PipeReader.start(fd, loop, capture, null);
                readers.add(r);
                deliveries.await(r.done(), "reading " + name);
                return NullStreams.INPUT;
            }
            if (io.verb() == ChildIo.Verb.RUN) {
                readers.add(PipeReader.start(fd, loop, chunk -> { }, null)); // read and dropped: never stalls the child
                return NullStreams.INPUT;
            }
            return new PipeInputStream(fd, loop);
        } catch (IOException | RuntimeException e) {
            if (otherFd >= 0) {
                Posix.close(otherFd);
            }
            throw e;
        }
    }

    private static void closeAll(int... fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                Posix.close(fd);
            }
        }
    }

    private static ExitStatus status(WaitStatus w) {
        return w.exited()
            ? ExitStatus.exited(w.siStatus() & 0xff)
            : ExitStatus.killed(w.siStatus(), w.coreDumped());
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
     * grandchild still holding them cannot keep output() waiting.
     */
    private void scheduleTimeout(IoOptions o) {
        long start = System.nanoTime();
        long termAt = start + o.timeout().toNanos();
        boolean noGrace = o.grace().isZero();
        var term = loop.schedule(termAt, () -> {
            timedOut = true;
            signalEnd(noGrace ? Signal.SIGKILL : Signal.SIGTERM);
        });
        var kill = noGrace ? null : loop.schedule(termAt + o.grace().toNanos(), () -> signalEnd(Signal.SIGKILL));
        exit.whenComplete((status, failure) -> {
            term.cancel();
            if (kill != null) {
                kill.cancel();
            }
            if (timedOut) {
                loop.schedule(System.nanoTime() + 200_000_000L, () -> readers.forEach(
                    r -> r.cancel(new IOException("the child timed out; its pipe was closed"))));
            }
        });
    }

    /** Signals the child's group when it leads one, else the child. */
    private void signalEnd(Signal s) {
        if (io.groupLeader()) {
            killGroup(pid, s);
        } else {
            signal(s);
        }
    }

    private static void killGroup(long pgid, Signal s) {
        try (Arena a = Arena.ofConfined()) {
            LibC.kill(CallState.allocate(a), (int) -pgid, s.number()); // ESRCH: the group is gone already
        }
    }

    /**
     * A platform thread that waits polls the pidfd itself for up to {@link #QUICK_EXIT_MS}
     * first: a child that is about to end is reaped by the waiter with one wake-up instead of
     * going through the loop thread. Longer waits (and every wait on a virtual thread) park on
     * the future as usual, so waitFor stays interruptible.
     */
    @Override
    void beforeWait() {
        if (!exit.isDone() && !Thread.currentThread().isVirtual() && !Thread.currentThread().isInterrupted()) {
            pidfd.awaitBriefly(QUICK_EXIT_MS);
        }
    }

    static final int QUICK_EXIT_MS = 2;

    /** Whoever asks for the exit gets it seen by the loop from now on (see PidFd: it is not watched from the spawn). */
    @Override
    CompletableFuture<ExitStatus> exit() {
        pidfd.watch();
        return exit;
    }

    @Override
    CompletableFuture<ExitStatus> completion() {
        pidfd.watch();
        return completion;
    }

    @Override
    boolean timedOut() {
        return timedOut;
    }

    @Override
    Output captured(ExitStatus status) throws IOException {
        return deliveries.output(status, timedOut);
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
     * The group when the child leads one; every process of its cgroup when it was placed in
     * one (cgroup.kill for SIGKILL); else the child and the descendants found now by walking
     * /proc, which misses any that left the tree (daemonized) or are born meanwhile.
     */
    @Override
    public void killTree(Signal s) {
        if (!isAlive() && !io.groupLeader() && io.cgroup() == null) {
            return;
        }
        if (io.groupLeader()) {
            killGroup(pid, s);
            return;
        }
        if (io.cgroup() != null && killCgroup(io.cgroup(), s)) {
            return;
        }
        List<ProcessHandle> tree = descendants().toList();
        signal(s);
        try (Arena a = Arena.ofConfined()) {
            for (ProcessHandle h : tree) {
                LibC.kill(CallState.allocate(a), (int) h.pid(), s.number());
            }
        }
    }

    private static boolean killCgroup(Path cgroup, Signal s) {
        try {
            Path kill = cgroup.resolve("cgroup.kill");
            if (s == Signal.SIGKILL && Files.exists(kill)) {
                Files.writeString(kill, "1");
                return true;
            }
            try (Arena a = Arena.ofConfined()) {
                for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
                    if (!line.isBlank()) {
                        LibC.kill(CallState.allocate(a), Integer.parseInt(line.strip()), s.number());
                    }
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // fall back to the process tree
        }
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
