package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A child's stdout or stderr as a blocking {@link InputStream} over a non-blocking pipe.
 * Reading to end of stream releases the fd at once. When the child exits, what is already in
 * the pipe is kept in memory and the fd released (as the JDK's process streams do), so a
 * program that never reads or closes the stream leaks no fd.
 */
public final class PipeInputStream extends InputStream {
    private final PipeEnd end;
    private boolean closed, eof; // guarded by end.lock
    private byte[] kept; // what was left in the pipe at exit; guarded by end.lock
    private int keptPos;

    /** Takes ownership of {@code fd}, which must be O_NONBLOCK. */
    public PipeInputStream(int fd, EventLoop loop) {
        this.end = new PipeEnd(fd, loop, EPOLLIN | EPOLLRDHUP);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        end.lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new IOException("Stream closed");
                }
                if (len == 0) {
                    return 0;
                }
                if (kept != null) {
                    int n = Math.min(len, kept.length - keptPos);
                    System.arraycopy(kept, keptPos, b, off, n);
                    keptPos += n;
                    if (keptPos == kept.length) {
                        kept = null;
                    }
                    return n;
                }
                if (eof) {
                    return -1;
                }
                long seen = end.seq();
                int fd = end.fd.acquire();
                if (fd < 0) {
                    eof = true;
                    return -1;
                }
                long n;
                MemorySegment st = end.state();
                try {
                    n = LibC.read(st, fd, end.buffer(), Math.min(len, PipeEnd.BUFFER_SIZE));
                } finally {
                    end.fd.release();
                }
                if (n > 0) {
                    MemorySegment.copy(end.buffer(), ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                    return (int) n;
                }
                if (n == 0) {
                    eof = true;
                    end.release();
                    return -1;
                }
                int errno = CallState.errno(st);
                if (errno == EAGAIN) {
                    end.awaitReady(seen);
                } else if (errno != EINTR) {
                    throw new ErrnoException("read(fd=" + fd + ")", errno);
                }
            }
        } finally {
            end.lock.unlock();
        }
    }

    @Override
    public int available() throws IOException {
        end.lock.lock();
        try {
            if (closed) {
                throw new IOException("Stream closed");
            }
            if (kept != null) {
                return kept.length - keptPos;
            }
            int fd = end.fd.acquire();
            if (fd < 0) {
                return 0;
            }
            try {
                return Posix.available(fd);
            } finally {
                end.fd.release();
            }
        } finally {
            end.lock.unlock();
        }
    }

    @Override
    public void close() {
        end.lock.lock();
        try {
            closed = true;
            kept = null;
            end.release();
        } finally {
            end.lock.unlock();
        }
    }

    /**
     * Called on the loop thread when the child has exited: keeps what the pipe holds now and
     * releases the fd. Skipped when a reader is inside a read call right now; that reader will
     * reach end of stream and release the fd itself.
     */
    public void processExited() {
        if (!end.lock.tryLock()) {
            return;
        }
        try {
            if (closed || eof || end.isReleased()) {
                return;
            }
            int fd = end.fd.number();
            byte[] data = new byte[0];
            int want = Posix.available(fd);
            while (want > 0) {
                long n = LibC.read(end.state(), fd, end.buffer(), Math.min(want, PipeEnd.BUFFER_SIZE));
                if (n <= 0) {
                    break;
                }
                int old = data.length;
                data = Arrays.copyOf(data, old + (int) n);
                MemorySegment.copy(end.buffer(), ValueLayout.JAVA_BYTE, 0, data, old, (int) n);
                want -= (int) n;
            }
            kept = data.length > 0 ? data : null;
            eof = true;
            end.release();
        } catch (ErrnoException e) {
            // FIONREAD on our own pipe cannot fail; if it did, leave the fd to the reader.
        } finally {
            end.lock.unlock();
        }
    }
}
