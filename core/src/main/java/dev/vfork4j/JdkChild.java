package dev.vfork4j;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.NativeAccess;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A child started by {@link ProcessBuilder}: the JDK creates, reaps and streams it; this class
 * adds vfork4j's API on top, with virtual threads where the native mechanisms use the loop
 * (the JDK mechanism must work without native access). The JDK reports a signal death as exit
 * value 128 + n, which cannot be told apart from an exit with that code, so
 * {@link #exitStatus()} reports it as an exit code.
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
    private volatile boolean timedOut;

    JdkChild(Process process, ChildIo io) throws IOException {
        this.process = process;
        this.io = io;
        this.exit = process.onExit().thenApply(p -> ExitStatus.exited(p.exitValue()));
        IoOptions o = io.options();
        this.deliveries = new Deliveries(io);
        this.stdin = feedStdin(o);
        this.stdout = read(process.getInputStream(), o.onStdout(), deliveries.stdout, "stdout");
        this.stderr = read(process.getErrorStream(), o.onStderr(), deliveries.stderr, "stderr");
        this.completion = deliveries.completion(exit);
        if (o.timeout() != null) {
            scheduleTimeout(o);
        }
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
        Thread.ofVirtual().name("vfork4j-jdk-" + name).start(() -> {
            byte[] buf = new byte[64 * 1024];
            Throwable failure = null;
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (sink != null && failure == null) {
                        try {
                            sink.accept(ByteBuffer.wrap(buf, 0, n).asReadOnlyBuffer());
                        } catch (Throwable e) {
                            failure = e; // no more calls; the rest is read and dropped, so the child is not stalled
                        }
                    }
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
        if (sink != null) {
            deliveries.await(done, handler != null ? "the on" + (name.equals("stdout") ? "Stdout" : "Stderr") + " handler"
                : "reading " + name);
        }
        return NullStreams.INPUT;
    }

    private void scheduleTimeout(IoOptions o) {
        CompletableFuture.delayedExecutor(o.timeout().toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (process.isAlive()) {
                timedOut = true;
                if (o.grace().isZero()) {
                    process.destroyForcibly();
                } else {
                    process.destroy();
                    CompletableFuture.delayedExecutor(o.grace().toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
                        if (process.isAlive()) {
                            process.destroyForcibly();
                        }
                    });
                }
            }
        });
    }

    @Override
    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    @Override
    CompletableFuture<ExitStatus> completion() {
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
        return process.pid();
    }

    @Override
    public Mechanism mechanism() {
        return Mechanism.JDK;
    }

    /**
     * SIGTERM and SIGKILL go through the JDK's destroy methods; any other signal needs native
     * access, through a pidfd opened for the purpose.
     */
    @Override
    public void signal(Signal signal) {
        if (!process.isAlive()) {
            return;
        }
        switch (signal) {
            case SIGTERM -> process.destroy();
            case SIGKILL -> process.destroyForcibly();
            default -> {
                if (!NativeAccess.available()) {
                    throw new UnsupportedOperationException("sending " + signal + " to a JDK-started child needs "
                        + "native access: " + NativeAccess.problem());
                }
                try {
                    int fd = Posix.pidfdOpen(process.pid());
                    try {
                        Posix.pidfdSendSignal(fd, signal.number());
                    } finally {
                        Posix.close(fd);
                    }
                } catch (ErrnoException e) {
                    if (process.isAlive()) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
    }

    /** The JDK mechanism makes no group or cgroup: the child and the descendants found now. */
    @Override
    public void killTree(Signal s) {
        List<ProcessHandle> tree = process.descendants().toList();
        signal(s);
        for (ProcessHandle h : tree) {
            if (s == Signal.SIGKILL) {
                h.destroyForcibly();
            } else if (s == Signal.SIGTERM) {
                h.destroy();
            } else {
                throw new UnsupportedOperationException("the JDK mechanism can send only SIGTERM and SIGKILL to descendants");
            }
        }
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
