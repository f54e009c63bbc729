package dev.vfork4j.agent;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The Process an application gets from ProcessBuilder under the agent: vfork4j's child, with
 * what the JDK's java.lang.ProcessImpl shows where vfork4j's {@code Child} shows more or
 * otherwise: {@code toString()} is {@code Process[pid=N, exitValue="not exited"]} or
 * {@code Process[pid=N, exitValue=V]} (no mechanism); a stream that is not a pipe is the JDK's own
 * null stream; a pipe is buffered as the JDK buffers it, stdin in a BufferedOutputStream (nothing
 * reaches the child before a flush, a close or 8 KiB) and stdout and stderr in
 * BufferedInputStreams (mark and reset, the JDK's bounds checks), over the pipe as a blocking
 * read(2) or write(2) sees it ({@link JdkPipeInput}, {@link JdkPipeOutput}: interrupts do not
 * end them); {@code destroy()}/{@code destroyForcibly()} close the three
 * streams after signalling, as the JDK's do; and {@code toHandle()} is the JDK's own handle of
 * the child (a java.lang.ProcessHandleImpl, made at the start with the start time the JDK would
 * read from /proc, {@link JdkHandles}, as ProcessImpl makes its own),
 * so it equals {@code ProcessHandle.of(pid)} and the child in
 * {@code ProcessHandle.current().children()}, and {@code info()}, {@code children()} and
 * {@code descendants()} are that handle's, as they are the JDK's Process's. Everything else
 * (waiting, exit value, signals, {@code onExit()}) is the child's.
 */
final class JdkShapedProcess extends Process {
    /** How long after the start {@link #info()} may find the child's exec unfinished. */
    private static final long EXEC_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long {@link #info()} waits at most for it to finish. */
    private static final long EXEC_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private final Process child;
    private final ProcessHandle handle;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final long startNanos = System.nanoTime();

    /** {@code handle}: what toHandle() returns. Null for a stream that is the child's pipe; else the JDK's null stream to give instead. */
    JdkShapedProcess(Process child, ProcessHandle handle, OutputStream nullStdin, InputStream nullStdout, InputStream nullStderr) {
        this.child = child;
        this.handle = handle;
        this.stdin = nullStdin != null ? nullStdin : new BufferedOutputStream(new JdkPipeOutput(child));
        this.stdout = nullStdout != null ? nullStdout : new BufferedInputStream(new JdkPipeInput(child.getInputStream()));
        this.stderr = nullStderr != null ? nullStderr : new BufferedInputStream(new JdkPipeInput(child.getErrorStream()));
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

    /**
     * The handle's info, once the child's exec has got as far as the JDK's child has when its
     * start returns. A VFORK parent resumes inside the child's execve, at exec_mmap, before the
     * kernel sets the new image's argument area (create_elf_tables, fs/binfmt_elf.c): until
     * then /proc/PID/cmdline reads empty and {@code arguments()} and {@code commandLine()} are
     * empty. Seen in 71 of 200 starts of {@code sleep 30} on a loaded machine, for up to 72 ms;
     * never with the JDK, whose start returns later. So when the arguments are missing, shortly
     * after the start, while the child lives, this looks again until its cmdline is there or
     * {@link #EXEC_WAIT_NANOS} have passed. Starts pay nothing for it.
     */
    @Override
    public ProcessHandle.Info info() {
        ProcessHandle.Info info = handle.info();
        if (info.arguments().isPresent() || System.nanoTime() - startNanos > EXEC_WINDOW_NANOS) {
            return info;
        }
        Path cmdline = Path.of("/proc", Long.toString(pid()), "cmdline");
        long deadline = System.nanoTime() + EXEC_WAIT_NANOS;
        while (cmdlineEmpty(cmdline) && child.isAlive()) {
            if (System.nanoTime() - deadline >= 0) {
                return info;
            }
            LockSupport.parkNanos(100_000);
        }
        return handle.info();
    }

    /** Whether the process has no argument area yet (or no longer: it has exited). */
    private static boolean cmdlineEmpty(Path cmdline) {
        try (InputStream in = Files.newInputStream(cmdline)) {
            return in.read() < 0;
        } catch (IOException e) {
            return false; // gone: nothing to wait for
        }
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
