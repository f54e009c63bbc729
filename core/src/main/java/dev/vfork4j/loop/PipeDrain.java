package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.LibC;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a pipe to its end on the loop thread, keeping every byte: how {@code output()}
 * captures stdout and stderr at once with no thread of its own and no deadlock. The fd is
 * edge-triggered; a handler reads at most {@link #READS_PER_TURN} buffers before yielding the
 * loop to other fds, then continues from a task.
 */
public final class PipeDrain {
    static final int READS_PER_TURN = 16;

    private final Fd fd;
    private final EventLoop loop;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();

    private PipeDrain(int fd, EventLoop loop) {
        this.fd = new Fd(fd);
        this.loop = loop;
    }

    /** Takes ownership of {@code fd} (O_NONBLOCK) and starts reading it. */
    public static PipeDrain start(int fd, EventLoop loop) throws ErrnoException {
        PipeDrain drain = new PipeDrain(fd, loop);
        try {
            loop.poller().add(fd, EPOLLIN | EPOLLRDHUP | EPOLLET, events -> drain.readAvailable());
        } catch (ErrnoException e) {
            drain.fd.close();
            throw e;
        }
        return drain;
    }

    /** Every byte up to end of stream; completes on the loop thread. */
    public CompletableFuture<byte[]> result() {
        return result;
    }

    /** Stops reading and releases the fd; the result fails with {@code reason}. */
    public void cancel(IOException reason) {
        loop.execute(() -> {
            if (!result.isDone()) {
                finish();
                result.completeExceptionally(reason);
            }
        });
    }

    private void readAvailable() {
        if (result.isDone()) {
            return;
        }
        MemorySegment buf = loop.scratch;
        MemorySegment st = loop.scratchState;
        for (int i = 0; i < READS_PER_TURN; i++) {
            long n = LibC.read(st, fd.number(), buf, buf.byteSize());
            if (n > 0) {
                bytes.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
                continue;
            }
            if (n == 0) {
                finish();
                result.complete(bytes.toByteArray());
                return;
            }
            int errno = CallState.errno(st);
            if (errno == EAGAIN) {
                return; // the next edge calls us again
            }
            if (errno != EINTR) {
                finish();
                result.completeExceptionally(new ErrnoException("read(fd=" + fd.number() + ")", errno));
                return;
            }
        }
        loop.execute(this::readAvailable);
    }

    private void finish() {
        loop.poller().remove(fd.number());
        fd.close();
    }
}
