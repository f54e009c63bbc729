package dev.vfork4j.agent;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Process an application gets from ProcessBuilder under the agent: vfork4j's child, with
 * what the JDK's java.lang.ProcessImpl shows where vfork4j's {@code Child} shows more or
 * otherwise: {@code toString()} is {@code Process[pid=N, exitValue="not exited"]} or
 * {@code Process[pid=N, exitValue=V]} (no mechanism); a stream that is not a pipe is the JDK's own
 * null stream; stdin is buffered as the JDK buffers it (nothing reaches the child before a
 * flush, a close or 8 KiB); {@code destroy()}/{@code destroyForcibly()} close the three
 * streams after signalling, as the JDK's do; and {@code toHandle()} is the JDK's own handle of
 * the child (a java.lang.ProcessHandleImpl, taken at the start as ProcessImpl takes its own),
 * so it equals {@code ProcessHandle.of(pid)} and the child in
 * {@code ProcessHandle.current().children()}, and {@code info()}, {@code children()} and
 * {@code descendants()} are that handle's, as they are the JDK's Process's. Everything else
 * (waiting, exit value, signals, {@code onExit()}) is the child's.
 */
final class JdkShapedProcess extends Process {
    private final Process child;
    private final ProcessHandle handle;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;

    /** {@code handle}: what toHandle() returns. Null for a stream that is the child's pipe; else the JDK's null stream to give instead. */
    JdkShapedProcess(Process child, ProcessHandle handle, OutputStream nullStdin, InputStream nullStdout, InputStream nullStderr) {
        this.child = child;
        this.handle = handle;
        this.stdin = nullStdin != null ? nullStdin : new BufferedOutputStream(new StdinPipe(child));
        this.stdout = nullStdout != null ? nullStdout : child.getInputStream();
        this.stderr = nullStderr != null ? nullStderr : child.getErrorStream();
    }

    /**
     * The child's stdin pipe under the JDK's buffer, failing as the JDK's FileOutputStream fails
     * once closed by the application while the child ran ("Stream Closed", as its native write
     * says); after the child's exit the JDK writes into its null stream ("Stream closed"), as
     * vfork4j's pipe then does.
     */
    private static final class StdinPipe extends OutputStream {
        private final Process child;
        private final OutputStream pipe;
        private volatile boolean closedWhileRunning;

        StdinPipe(Process child) {
            this.child = child;
            this.pipe = child.getOutputStream();
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closedWhileRunning) {
                throw new IOException("Stream Closed");
            }
            pipe.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            pipe.flush();
        }

        @Override
        public void close() throws IOException {
            if (child.isAlive()) {
                closedWhileRunning = true;
            }
            pipe.close();
        }
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
    public int waitFor() throws InterruptedException {
        return child.waitFor();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        return child.waitFor(timeout, unit);
    }

    @Override
    public int exitValue() {
        return child.exitValue();
    }

    @Override
    public void destroy() {
        child.destroy();
        closeStreams();
    }

    @Override
    public Process destroyForcibly() {
        child.destroyForcibly();
        closeStreams();
        return this;
    }

    /** As ProcessImpl.destroy: each stream closed, a failure to close ignored. */
    private void closeStreams() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // as the JDK: the child is being destroyed
        }
        try {
            stdout.close();
        } catch (IOException ignored) {
            // as the JDK
        }
        try {
            stderr.close();
        } catch (IOException ignored) {
            // as the JDK
        }
    }

    @Override
    public boolean supportsNormalTermination() {
        return child.supportsNormalTermination();
    }

    @Override
    public boolean isAlive() {
        return child.isAlive();
    }

    @Override
    public long pid() {
        return child.pid();
    }

    /** A new future for each call, completed with this Process (not the child inside it) on a pool thread. */
    @Override
    public CompletableFuture<Process> onExit() {
        return child.onExit().thenApply(exited -> this);
    }

    /** The same handle each time, as the JDK's Process returns. */
    @Override
    public ProcessHandle toHandle() {
        return handle;
    }

    @Override
    public ProcessHandle.Info info() {
        return handle.info();
    }

    @Override
    public Stream<ProcessHandle> children() {
        return handle.children();
    }

    @Override
    public Stream<ProcessHandle> descendants() {
        return handle.descendants();
    }

    /** The JDK's words exactly. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Process[pid=").append(pid()).append(", exitValue=");
        if (child.isAlive()) {
            sb.append("\"not exited\"");
        } else {
            sb.append(child.exitValue());
        }
        return sb.append(']').toString();
    }
}
