package dev.vfork4j;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.loop.EventLoop;
import dev.vfork4j.loop.PidFd;
import dev.vfork4j.loop.PipeDrain;
import dev.vfork4j.loop.PipeInputStream;
import dev.vfork4j.loop.PipeOutputStream;
import dev.vfork4j.loop.WaitStatus;
import dev.vfork4j.spawn.Spawned;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

/** A child created by one of vfork4j's own launchers, tracked through its pidfd. */
final class NativeChild extends Child {
    private static final CompletableFuture<byte[]> EMPTY = CompletableFuture.completedFuture(new byte[0]);

    private final long pid;
    private final Mechanism mechanism;
    private final PidFd pidfd;
    private final CompletableFuture<ExitStatus> exit;
    private final OutputStream stdin;
    private final InputStream stdout, stderr;
    private final CompletableFuture<byte[]> capturedStdout, capturedStderr;

    /**
     * Takes ownership of everything in {@code s}. With {@code capture}, stdout and stderr
     * pipes are read to their end by the loop and a stdin pipe is closed at once; otherwise
     * they become this Process's streams.
     */
    NativeChild(Spawned s, Mechanism mechanism, boolean capture, EventLoop loop) throws IOException {
        this.pid = s.pid();
        this.mechanism = mechanism;
        try {
            this.pidfd = new PidFd(s.pid(), s.pidfd(), loop);
        } catch (ErrnoException e) {
            Posix.killAndReap((int) s.pid());
            for (int fd : new int[] {s.stdin(), s.stdout(), s.stderr()}) {
                if (fd >= 0) {
                    Posix.close(fd);
                }
            }
            throw e;
        }
        if (s.stdin() >= 0 && capture) {
            Posix.close(s.stdin());
        }
        this.stdin = s.stdin() >= 0 && !capture ? new PipeOutputStream(s.stdin(), loop) : OutputStream.nullOutputStream();
        if (capture) {
            this.stdout = InputStream.nullInputStream();
            this.stderr = InputStream.nullInputStream();
            try {
                this.capturedStdout = s.stdout() >= 0 ? PipeDrain.start(s.stdout(), loop).result() : EMPTY;
            } catch (ErrnoException e) {
                if (s.stderr() >= 0) {
                    Posix.close(s.stderr());
                }
                pidfd.signal(Signal.SIGKILL.number());
                throw e;
            }
            try {
                this.capturedStderr = s.stderr() >= 0 ? PipeDrain.start(s.stderr(), loop).result() : EMPTY;
            } catch (ErrnoException e) {
                pidfd.signal(Signal.SIGKILL.number());
                throw e;
            }
        } else {
            this.stdout = s.stdout() >= 0 ? new PipeInputStream(s.stdout(), loop) : InputStream.nullInputStream();
            this.stderr = s.stderr() >= 0 ? new PipeInputStream(s.stderr(), loop) : InputStream.nullInputStream();
            this.capturedStdout = EMPTY;
            this.capturedStderr = EMPTY;
        }
        this.exit = pidfd.exit().thenApply(NativeChild::status);
        exit.whenComplete((status, failure) -> processExited());
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

    @Override
    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    CompletableFuture<byte[]> capturedStdout() {
        return capturedStdout;
    }

    CompletableFuture<byte[]> capturedStderr() {
        return capturedStderr;
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
        signal(Signal.SIGKILL);
        exit.exceptionally(t -> null).join();
    }
}
