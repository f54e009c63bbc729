package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A child's stdout or stderr as a blocking {@link InputStream} over a non-blocking pipe.
 * Reading to end of stream releases the fd at once. When the child exits, what is already in
 * the pipe is kept in memory and the fd released (as the JDK's process streams do), so a
 * program that never reads or closes the stream leaks no fd.
 *
 * <p>A read that finds the pipe empty waits: a virtual thread parks until the loop sees the
 * pipe readable; a platform thread waits in poll(2) on the pipe itself ({@link KernelWait}),
 * so the child's write wakes it directly, as a blocking read(2) would. While the loop does not
 * watch the child's pidfd yet (a child less than a sweep old, see {@link PidFd}), that thread
 * polls the pidfd too and reaps the child itself when it exits: reading to end of stream and
 * then waiting for the exit, the common pattern, then involves no other thread.
 */
public final class PipeInputStream extends InputStream {
    private final PipeEnd end;
    /** The child writing the pipe, whose exit ends a wait here; null when unknown. */
    private final PidFd child;
    private boolean closed, eof; // guarded by end.lock
    private byte[] kept; // what was left in the pipe at exit; guarded by end.lock
    private int keptPos;
    /** Platform threads' waits in read (usually none or one), to wake when the fd is released or the child exits. */
    private final Queue<KernelWait> waiting = new ConcurrentLinkedQueue<>();

    /** Takes ownership of {@code fd}, which must be O_NONBLOCK. */
    public PipeInputStream(int fd, EventLoop loop) {
        this(fd, loop, null);
    }

    /** Takes ownership of {@code fd}, which must be O_NONBLOCK, written by {@code child} (may be null). */
    public PipeInputStream(int fd, EventLoop loop, PidFd child) {
        this.end = new PipeEnd(fd, loop, EPOLLIN | EPOLLRDHUP);
        this.child = child;
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
                    n = Posix.read(st, fd, end.buffer(), Math.min(len, PipeEnd.BUFFER_SIZE));
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
                int errno = (int) -n;
                if (errno == EAGAIN) {
                    if (Thread.currentThread().isVirtual()) {
                        end.awaitReady(seen);
                    } else {
                        awaitInKernel();
                    }
                } else if (errno != EINTR) {
                    throw Posix.failure("read(fd=" + fd + ")", errno);
                }
            }
        } finally {
            end.lock.unlock();
        }
    }

    /**
     * A platform thread's wait for the pipe (called with the lock held once, which it lets go
     * meanwhile, so that close() and processExited() never wait for the child's next write):
     * poll(2) on the pipe, and on the pidfd while the loop does not watch it, reaping the child
     * when it exits. Returns when the pipe is readable or at its end, or the fd was released
     * (closed, or kept at the exit); the caller looks at which, lock held. The pidfd's lock is
     * taken only while this lock is let go: its reap takes this one (processExited).
     */
    private void awaitInKernel() throws IOException {
        KernelWait w = new KernelWait(end.loop());
        waiting.add(w); // before the fd is looked at: whoever releases it wakes the waiters after
        end.lock.unlock();
        boolean pollsChild = false;
        try {
            pollsChild = child != null && child.enterKernelWaitIfUnwatched();
            while (true) {
                IOException dead = w.loopDeath();
                if (dead != null) {
                    // This wait needs no loop, but fails with it as a read waiting on the loop would.
                    throw new IOException("no more events for this pipe: " + dead.getMessage(), dead);
                }
                int pipe = w.add(end.fd);
                if (pipe < 0) {
                    return; // released meanwhile
                }
                int pid = pollsChild && !child.exit().isDone() ? w.add(child.fd()) : -1;
                w.poll(-1);
                if (w.ready(pipe)) {
                    return;
                }
                if (w.ready(pid)) {
                    child.reap(w.state, w.siginfo()); // processExited runs on the thread that reaps
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on the child's pipe");
        } finally {
            if (pollsChild) {
                child.leaveKernelWait();
            }
            waiting.remove(w);
            w.close();
            end.lock.lock();
        }
    }

    /** Ends the polls of platform threads waiting in read: the fd was released, or the child exited. */
    private void wakeWaiters() {
        for (KernelWait w : waiting) {
            w.wake();
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
            wakeWaiters();
        } finally {
            end.lock.unlock();
        }
    }

    /**
     * Called on the thread that reaped the child when it has exited: keeps what the pipe holds
     * now and releases the fd, so a read ends there even while a grandchild holds the pipe
     * open. A reader holds the lock only between its waits (both kinds let it go while they
     * wait), so this waits a read(2) at most. It used to skip the stream when the lock was
     * taken: a reader woken by the child's last write then read it, found the pipe empty and
     * waited again, for the grandchild.
     */
    public void processExited() {
        end.lock.lock();
        try {
            if (closed || eof || end.isReleased()) {
                return;
            }
            int fd = end.fd.number();
            byte[] data = new byte[0];
            int want = Posix.available(fd);
            while (want > 0) {
                long n = Posix.read(end.state(), fd, end.buffer(), Math.min(want, PipeEnd.BUFFER_SIZE));
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
            wakeWaiters(); // a platform thread polling the released fd would not see the release
        }
    }
}
