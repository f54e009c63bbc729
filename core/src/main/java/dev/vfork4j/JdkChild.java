package dev.vfork4j;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.NativeAccess;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

/**
 * A child started by {@link ProcessBuilder}: the JDK creates, reaps and streams it; this class
 * adds vfork4j's API on top. The JDK reports a signal death as exit value 128 + n, which
 * cannot be told apart from an exit with that code, so {@link #exitStatus()} reports it as an
 * exit code.
 */
final class JdkChild extends Child {
    private final Process process;
    private final CompletableFuture<ExitStatus> exit;

    JdkChild(Process process) {
        this.process = process;
        this.exit = process.onExit().thenApply(p -> ExitStatus.exited(p.exitValue()));
    }

    Process process() {
        return process;
    }

    @Override
    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    @Override
    public OutputStream getOutputStream() {
        return process.getOutputStream();
    }

    @Override
    public InputStream getInputStream() {
        return process.getInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return process.getErrorStream();
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

    /** Reads a stream to its end on a virtual thread. */
    static CompletableFuture<byte[]> readAll(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual().name("vfork4j-jdk-reader").start(() -> {
            try (in) {
                f.complete(in.readAllBytes());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
