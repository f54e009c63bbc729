package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a buffer into a child's stdin from the loop, as fast as the child reads it, then
 * closes the pipe so the child sees end of file. Nothing blocks: each EPOLLOUT edge writes
 * what fits. A child that closes its stdin early (EPIPE) simply ends the writing; that is not
 * an error (think of {@code head}), and neither is {@link #cancel()} when the child exits.
 *
 * <p>The buffer may be the view of a shared Arena's segment, which its owner can close at any
 * time: a copy out of it then throws, and {@link #done()} fails with that exception before the
 * pipe is closed (so the failure is recorded before the child sees end of file). The loop is
 * never left with a half-done write nobody finishes.
 */
public final class PipeWriter {
    private final Fd fd;
    private final EventLoop loop;
    private final MemorySegment data;
    private long offset;
    private boolean finished;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private PipeWriter(int fd, EventLoop loop, ByteBuffer data) {
        this.fd = new Fd(fd);
        this.loop = loop;
        this.data = MemorySegment.ofBuffer(data); // [position, limit) of the caller's snapshot
    }

    /** Takes ownership of {@code fd} (O_NONBLOCK) and writes {@code data}'s remaining bytes into it. */
    public static PipeWriter start(int fd, EventLoop loop, ByteBuffer data) throws ErrnoException {
        PipeWriter w = new PipeWriter(fd, loop, data);
        try {
            loop.poller().add(fd, EPOLLOUT | EPOLLET, new EpollPoller.Handler() {
                @Override
                public void onEvents(int events) {
                    w.writeSome();
                }

                @Override
                public void loopDied(IOException cause) {
                    w.done.completeExceptionally(cause); // before finish(), whose complete(null) is then a no-op
                    w.finish();
                }
            });
        } catch (ErrnoException e) {
            w.fd.close();
            throw e;
        }
        loop.execute(w::writeSome);
        return w;
    }

    /**
     * Completes when everything was written (or the child closed its end, or {@link #cancel()})
     * and the pipe is closed; fails when the buffer could not be read or write(2) failed otherwise.
     */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Stops writing and closes the pipe (the child has exited: the rest is not wanted). Any thread. */
    public void cancel() {
        loop.execute(this::finish);
    }

    private void writeSome() {
        MemorySegment buf = loop.scratch();
        MemorySegment st = loop.scratchState;
        while (!finished && offset < data.byteSize()) {
            long chunk = Math.min(buf.byteSize(), data.byteSize() - offset);
            try {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset, buf, ValueLayout.JAVA_BYTE, 0, chunk);
            } catch (RuntimeException e) {
                // IllegalStateException: the Arena behind the buffer was closed meanwhile.
                done.completeExceptionally(e);
                finish();
                return;
            }
            long n = Posix.write(st, fd.number(), buf, chunk);
            if (n >= 0) {
                offset += n;
                continue;
            }
            int errno = (int) -n;
            if (errno == EAGAIN) {
                return; // the next EPOLLOUT edge resumes
            }
            if (errno != EINTR) {
                if (errno != EPIPE) {
                    done.completeExceptionally(Posix.failure("write(fd=" + fd.number() + ")", errno));
                }
                finish();
                return;
            }
        }
        finish();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        loop.poller().remove(fd.number());
        fd.close();
        done.complete(null);
    }
}
