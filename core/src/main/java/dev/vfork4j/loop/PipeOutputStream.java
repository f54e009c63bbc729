package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A child's stdin as a blocking {@link OutputStream} over a non-blocking pipe. Writes are not
 * buffered in Java: every byte is in the pipe when {@code write} returns. Writing after the
 * child closed its end throws {@code IOException("Broken pipe")}; after the child exited the
 * stream is closed, as the JDK's is.
 */
public final class PipeOutputStream extends OutputStream {
    private final PipeEnd end;
    private boolean closed; // guarded by end.lock
    /** The child has exited; a write in progress then closes the stream when it returns. */
    private volatile boolean exited;

    /** Takes ownership of {@code fd}, which must be O_NONBLOCK. */
    public PipeOutputStream(int fd, EventLoop loop) {
        this.end = new PipeEnd(fd, loop, EPOLLOUT);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        end.lock.lock();
        try {
            while (len > 0) {
                if (closed || end.isReleased()) {
                    throw new IOException("Stream closed");
                }
                long seen = end.seq();
                int fd = end.fd.acquire();
                if (fd < 0) {
                    throw new IOException("Stream closed");
                }
                int chunk = Math.min(len, PipeEnd.BUFFER_SIZE);
                MemorySegment st = end.state();
                long n;
                try {
                    MemorySegment.copy(b, off, end.buffer(), ValueLayout.JAVA_BYTE, 0, chunk);
                    n = Posix.write(st, fd, end.buffer(), chunk);
                } finally {
                    end.fd.release();
                }
                if (n >= 0) {
                    off += (int) n;
                    len -= (int) n;
                    continue;
                }
                int errno = (int) -n;
                if (errno == EAGAIN) {
                    end.awaitReady(seen);
                } else if (errno == EPIPE) {
                    throw new IOException("Broken pipe");
                } else if (errno != EINTR) {
                    throw Posix.failure("write(fd=" + fd + ")", errno);
                }
            }
        } finally {
            end.lock.unlock();
            closeIfExited(); // processExited may have found the lock taken by this write
        }
    }

    @Override
    public void close() {
        end.lock.lock();
        try {
            closed = true;
            end.release();
        } finally {
            end.lock.unlock();
        }
    }

    /**
     * Called when the child has exited (any thread): closes the pipe, or, when a write is in
     * progress, leaves it to that write, which closes it as it returns. Never blocks.
     */
    public void processExited() {
        exited = true;
        closeIfExited();
    }

    /**
     * Every holder of the lock checks {@link #exited} after unlocking, and processExited sets
     * it before trying the lock, so whichever comes last closes the pipe.
     */
    private void closeIfExited() {
        if (exited && end.lock.tryLock()) {
            try {
                closed = true;
                end.release();
            } finally {
                end.lock.unlock();
            }
        }
    }
}
