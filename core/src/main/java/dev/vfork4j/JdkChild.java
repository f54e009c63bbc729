package dev.vfork4j;

import dev.vfork4j.linux.NativeAccess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child started by {@link ProcessBuilder}: the JDK creates, reaps and streams it; this class
 * adds vfork4j's API on top, with virtual threads where the native mechanisms use the loop
 * (the JDK mechanism must work without native access).
 *
 * <p>Exit status: the JDK reaps the child on its own thread, as soon as it exits, and reports
 * a signal death as exit value 128 + n, which cannot be told apart from a child that exited
 * with that code. {@link #exitStatus()} therefore reports every JDK child as exited with a
 * code: killed by SIGTERM reads "exit code 143". (A pidfd cannot help: waitid(WNOWAIT) would
 * have to run between the exit and the JDK's reap, which happens at once.)
 *
 * <p>Signals: SIGTERM and SIGKILL go through the JDK's process handles and need nothing more;
 * other signals, and with native access every signal to the descendants in {@link #killTree},
 * go through pidfds.
 */
final class JdkChild extends Child {
    private final Process process;
    private final ChildIo io;
    private final CompletableFuture<ExitStatus> exit;
    private final CompletableFuture<ExitStatus> completion;
    private final Deliveries deliveries;
    /** The Process streams, or the null streams where vfork4j feeds or reads the pipe itself (or closed it). */
    private final OutputStream stdin;
    private final InputStream stdout, stderr;
    /** The timeout's first signal was sent to a child that had not begun to exit. */
    private volatile boolean timedOut;
    /** Each reading thread's end, and the child's pipe it reads (null: unknown): cut short by the wait delay when still open then. */
    private final java.util.List<Reading> reading = new java.util.ArrayList<>(2);

    private record Reading(CompletableFuture<Void> done, String pipe) {}

    /** The child's stdout and stderr pipes, as /proc names them, or null when the child was gone before they were looked at. */
    private final String stdoutPipe, stderrPipe;

    /**
     * How long a reading thread whose pipe is unknown gets at least, after the exit: the JDK
     * has ended its stream at the exit already (keeping what the pipe held), and what is left is
     * this thread's read of what the JDK kept. Without it a zero wait delay would cut that read
     * short and lose output the child wrote before its exit.
     */
    private static final long UNKNOWN_PIPE_FLOOR_NANOS = 100_000_000L;
    /** ... and its number, when it was a signal that could only kill the child (see {@link ExitCheck}); else 0. */
    private volatile int fatalDeadlineSignal;

    JdkChild(Process process, ChildIo io) throws IOException {
        this.process = process;
        this.io = io;
        // First: the child's pipes can be named only while it runs (see pipeOf).
        this.stdoutPipe = pipeOf(process.pid(), 1);
        this.stderrPipe = pipeOf(process.pid(), 2);
        this.exit = process.onExit().thenApply(p -> ExitStatus.exited(p.exitValue()));
        IoOptions o = io.options();
        this.deliveries = new Deliveries(io);
        this.stdin = feedStdin(o);
        this.stdout = read(process.getInputStream(), o.onStdout(), deliveries.stdout, "stdout");
        this.stderr = read(process.getErrorStream(), o.onStderr(), deliveries.stderr, "stderr");
        this.completion = deliveries.completion(exit);
        exit.whenComplete((status, failure) -> afterExit(o));
        if (o.timeout() != null) {
            scheduleTimeout(o);
        }
    }

    /**
     * The wait delay, as NativeChild's: a stream still open {@code waitDelay} after the exit is
     * given up. Its reading thread cannot be woken (a read of the JDK's pipe does not end when
     * the fd is closed under it): it stays blocked until the process holding the pipe ends, but
     * hands nothing more to the handler or the capture, and the verb returns without it.
     */
    private void afterExit(IoOptions o) {
        long delay = IoOptions.nanosOrNever(o.waitDelay());
        if (delay < 0 || reading.stream().allMatch(r -> r.done().isDone())) {
            return;
        }
        boolean unknown = reading.stream().anyMatch(r -> r.pipe() == null);
        long after = unknown ? Math.max(delay, UNKNOWN_PIPE_FLOOR_NANOS) : delay;
        CompletableFuture.delayedExecutor(after, TimeUnit.NANOSECONDS).execute(() -> {
            for (Reading r : reading) {
                // A pipe nobody else holds reaches its end in a moment (the child is gone, and the JDK's end is closed):
                // only one another process holds is given up.
                if (!r.done().isDone() && (r.pipe() == null || heldElsewhere(r.pipe()))
                    && r.done().completeExceptionally(new Deliveries.CutShort(io.program(), o.waitDelay()))) {
                    deliveries.cutShort();
                }
            }
        });
    }

    /**
     * Feeds a buffer or an InputStream to the child on a virtual thread, as the native
     * mechanisms do (a failure to read it fails the command; the copy ends when the child
     * exits), or closes stdin for run()/output(). Returns what getOutputStream() gives.
     */
    private OutputStream feedStdin(IoOptions o) throws IOException {
        if (o.inputBuffer() != null || o.inputStream() != null) {
            InputStream in = o.inputStream() != null ? o.inputStream() : new ByteBufferInput(o.inputBuffer().duplicate());
            StdinFeed feed = StdinFeed.start(in, process.getOutputStream(), "vfork4j-jdk-stdin-" + process.pid());
            deliveries.await(feed.done(), "feeding stdin");
            exit.whenComplete((status, failure) -> feed.processExited()); // the JDK closes its pipe itself
            return NullStreams.OUTPUT;
        }
        if (io.verb() != ChildIo.Verb.START) {
            process.getOutputStream().close();
            return NullStreams.OUTPUT;
        }
        return process.getOutputStream();
    }

    /**
     * Reads a stream to its end on a virtual thread into {@code handler}, else {@code capture}
     * (output), else nowhere (run); start() without a handler leaves the Process stream to the
     * caller. Returns what the Process stream getter gives.
     */
    private InputStream read(InputStream in, ChunkHandler handler, Capture capture, String name) {
        if (name.equals("stderr") && io.stderr() == Redirect.STDOUT) {
            // The JDK's stderr here is a pipe at its end that throws once closed; Process documents
            // the null stream, which the native mechanisms give.
            try {
                in.close();
            } catch (IOException e) {
                // nothing was ever written to it
            }
            return NullStreams.INPUT;
        }
        ChunkHandler sink = handler != null ? handler : capture;
        if (sink == null && io.verb() == ChildIo.Verb.START) {
            return in; // the Process stream is the caller's
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        String pipe = name.equals("stdout") ? stdoutPipe : stderrPipe;
        Thread.ofVirtual().name("vfork4j-jdk-" + name).start(() -> {
            byte[] buf = new byte[64 * 1024];
            Throwable failure = null;
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (sink != null && failure == null && !done.isDone()) { // done already: cut short by the wait delay
                        try {
                            sink.accept(ByteBuffer.wrap(buf, 0, n).asReadOnlyBuffer());
                        } catch (Throwable e) {
                            failure = e; // no more calls; the rest is read and dropped, so the child is not stalled
                        }
                    }
                }
                if (pipe != null && !process.isAlive() && heldElsewhere(pipe)) {
                    deliveries.cutShort(); // see pipeOf
                }
            } catch (IOException e) {
                failure = failure != null ? failure : e;
            }
            if (failure != null && sink != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(null);
            }
        });
        reading.add(new Reading(done, pipe));
        if (sink != null) {
            deliveries.await(done, handler != null ? "the on" + (name.equals("stdout") ? "Stdout" : "Stderr") + " handler"
                : "reading " + name);
        }
        return NullStreams.INPUT;
    }

    /**
     * What {@code /proc/PID/fd/N} of the child names ({@code pipe:[inode]}), or null when it
     * cannot be read (the child is gone already).
     *
     * <p>The JDK closes its end of the child's pipes itself when the child exits, keeping what
     * they hold (ProcessImpl's processExited), so its streams never wait for a process the child
     * left behind: they end at the exit. Whether such a process still holds the pipe, and the
     * output may thus be incomplete, is then told by looking for the pipe among every process's
     * fds: once per stream, at its end, and only under the JDK mechanism. The pipe is named
     * from the child's /proc entry right after the start, so a child that has already exited
     * then (one that starts a daemon and exits within a millisecond) leaves it unknown, and its
     * Output cannot say it is incomplete: the one case where the JDK mechanism tells less than
     * the others.
     */
    private static String pipeOf(long pid, int fd) {
        try {
            String link = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/fd/" + fd)).toString();
            return link.startsWith("pipe:") ? link : null;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    /** True when a process other than this JVM has {@code pipe} open. */
    private static boolean heldElsewhere(String pipe) {
        String self = Long.toString(ProcessHandle.current().pid());
        try (var procs = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc"), "[0-9]*")) {
            for (java.nio.file.Path proc : procs) {
                if (proc.getFileName().toString().equals(self)) {
                    continue;
                }
                try (var fds = java.nio.file.Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (java.nio.file.Path fd : fds) {
                        try {
                            if (java.nio.file.Files.readSymbolicLink(fd).toString().equals(pipe)) {
                                return true;
                            }
                        } catch (IOException closed) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException | java.nio.file.DirectoryIteratorException notOurs) {
                    // gone, or another user's
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return false;
        }
        return false;
    }

    /**
     * SIGTERM at the deadline (SIGKILL with no grace), SIGKILL after the grace, each cancelled
     * when the child exits first (so no task holds the child until a long deadline). A timeout
     * or grace beyond {@link IoOptions#BEYOND_REACH} is never reached and sets no deadline.
     */
    private void scheduleTimeout(IoOptions o) {
        after(IoOptions.nanosOrNever(o.timeout()), () -> endAtDeadline(o));
    }

    /** Runs {@code action} on a pool thread after {@code nanos} (-1: never), unless the child exits first. */
    private void after(long nanos, Runnable action) {
        if (nanos < 0) {
            return;
        }
        CompletableFuture<Void> deadline = new CompletableFuture<>();
        // orTimeout cancels its timer when the future completes first: here, when the child exits.
        exit.whenComplete((status, failure) -> deadline.complete(null));
        deadline.orTimeout(nanos, TimeUnit.NANOSECONDS).exceptionallyAsync(t -> {
            if (t instanceof TimeoutException) {
                action.run();
            }
            return null;
        });
    }

    /**
     * The timeout's first signal: sent, and the child marked timed out, only if the child has
     * not begun to exit on its own (which /proc shows before the JDK has reaped it). A child
     * that begins to exit between that look and the signal is sorted out by
     * {@link #timedOut()}.
     */
    private void endAtDeadline(IoOptions o) {
        Signal first = o.grace().isZero() ? Signal.SIGKILL : Signal.SIGTERM;
        if (!process.isAlive() || ExitCheck.procState(process.pid()) != ExitCheck.State.RUNNING) {
            return;
        }
        boolean fatal = ExitCheck.fatal(process.pid(), first);
        if (!process.toHandle().isAlive()) {
            // The JDK's handle compares start times: what /proc showed was the child itself only
            // if the child still holds its pid now.
            return;
        }
        fatalDeadlineSignal = fatal ? first.number() : 0;
        timedOut = true; // before the signal: whoever sees the exit sees this too
        signal(first);
        if (first == Signal.SIGTERM) {
            after(IoOptions.nanosOrNever(o.grace()), () -> signal(Signal.SIGKILL));
        }
    }

    @Override
    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    @Override
    CompletableFuture<ExitStatus> completion() {
        return completion;
    }

    /**
     * True when the timeout ended the child; as NativeChild's, where the JDK reports a death by
     * signal n as exit code 128 + n: a child whose exit code is another, although the timeout's
     * signal could only have killed it, ended on its own before the signal landed.
     */
    @Override
    boolean timedOut() {
        if (!timedOut) {
            return false;
        }
        int fatal = fatalDeadlineSignal;
        return !(fatal != 0 && exit.isDone() && !exit.isCompletedExceptionally()
            && exit.resultNow().exitValue() != 128 + fatal);
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
        return process.pid();
    }

    @Override
    public Mechanism mechanism() {
        return Mechanism.JDK;
    }

    /**
     * SIGTERM and SIGKILL go through the JDK's handle of the child (which checks the child's
     * start time before it kills; not Process.destroy, which also closes the child's streams,
     * losing what the child writes as it ends); any other signal needs native access, through
     * a pidfd opened for the purpose and used only if the child still holds the pid then.
     */
    @Override
    public void signal(Signal signal) {
        if (!process.isAlive()) {
            return;
        }
        switch (signal) {
            case SIGTERM -> process.toHandle().destroy();
            case SIGKILL -> process.toHandle().destroyForcibly();
            default -> {
                requireNativeAccess("sending " + signal + " to a JDK-started child");
                // The JDK's handle compares the start time it recorded: the pidfd is used only if it names the child.
                ProcessTree.signal(List.of(process.toHandle()), signal);
            }
        }
    }

    private static void requireNativeAccess(String what) {
        if (!NativeAccess.available()) {
            throw new UnsupportedOperationException(what + " needs native access: " + NativeAccess.problem());
        }
    }

    /**
     * The JDK mechanism makes no group or cgroup: the child and the descendants found now by
     * walking /proc. With native access each descendant is signalled through a pidfd, with any
     * signal; without it only SIGTERM and SIGKILL can be sent (through the JDK's handles), and
     * any other signal is refused before anything is signalled.
     */
    @Override
    public void killTree(Signal s) {
        if (!NativeAccess.available() && s != Signal.SIGTERM && s != Signal.SIGKILL) {
            throw new UnsupportedOperationException("killTree(" + s + ") of a JDK-started child needs native access "
                + "(only SIGTERM and SIGKILL can be sent to its descendants without): " + NativeAccess.problem());
        }
        ProcessTree.kill(this, null, s);
    }

    /** The handle compares the start time it recorded: the JDK's child still holds its pid. */
    @Override
    boolean holdsItsPid() {
        return process.toHandle().isAlive();
    }

    @Override
    StartCgroup startCgroup() {
        return null; // the JDK mechanism cannot start a child in a cgroup
    }

    @Override
    java.nio.file.Path containedDirectory() {
        return null; // nor contain it
    }

    @Override
    public void destroy() {
        process.destroy();
    }

    @Override
    public Child destroyForcibly() {
        process.destroyForcibly();
        return this;
    }

    @Override
    public ProcessHandle toHandle() {
        return process.toHandle();
    }

    @Override
    public ProcessHandle.Info info() {
        return process.info();
    }

    @Override
    void abandon() {
        process.destroyForcibly();
        exit.exceptionally(t -> null).join();
    }

    /** A ByteBuffer as an InputStream. */
    private static final class ByteBufferInput extends InputStream {
        private final ByteBuffer b;

        ByteBufferInput(ByteBuffer b) {
            this.b = b;
        }

        @Override
        public int read() {
            return b.hasRemaining() ? b.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] dst, int off, int len) {
            if (!b.hasRemaining()) {
                return len == 0 ? 0 : -1;
            }
            int n = Math.min(len, b.remaining());
            b.get(dst, off, n);
            return n;
        }
    }
}
