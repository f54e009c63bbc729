package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.Fd;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's non-blocking end of a pipe, shared by the blocking streams built on it. A
 * caller that gets EAGAIN waits on a condition instead of in the kernel, so a virtual thread
 * unmounts from its carrier; the loop bumps {@link #seq()} and signals on every epoll edge.
 * The fd is registered edge-triggered on the first EAGAIN and never again.
 */
final class PipeEnd {
    static final int BUFFER_SIZE = 64 * 1024;

    final Fd fd;
    final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final AtomicLong seq = new AtomicLong();
    private final EventLoop loop;
    private final int interest;
    private boolean registered; // guarded by lock
    private boolean released; // guarded by lock
    private IOException loopDeath; // guarded by lock
    private Arena arena; // guarded by lock; lazily created
    private MemorySegment buffer, state;

    PipeEnd(int fd, EventLoop loop, int interest) {
        this.fd = new Fd(fd);
        this.loop = loop;
        this.interest = interest | EPOLLET;
    }

    /** The number of readiness edges seen so far. Read it before the call that may get EAGAIN. */
    long seq() {
        return seq.get();
    }

    /** The native buffer calls copy through (lock held). */
    MemorySegment buffer() {
        ensureNative();
        return buffer;
    }

    /** The errno capture segment of this end (lock held). */
    MemorySegment state() {
        ensureNative();
        return state;
    }

    private void ensureNative() {
        if (arena == null) {
            arena = Arena.ofShared();
            buffer = arena.allocate(BUFFER_SIZE);
            state = CallState.allocate(arena);
        }
    }

    EventLoop loop() {
        return loop;
    }

    boolean isReleased() {
        return released;
    }

    /**
     * Waits (lock held) until an edge newer than {@code seen} arrives or the end is released.
     * The registration happens here, after the EAGAIN, and epoll reports a level that is
     * already up at EPOLL_CTL_ADD even in edge-triggered mode, so no wake-up can be lost.
     */
    void awaitReady(long seen) throws IOException {
        if (!registered) {
            loop.poller().add(fd.number(), interest, new EpollPoller.Handler() {
                @Override
                public void onEvents(int events) {
                    PipeEnd.this.onEvents(events);
                }

                @Override
                public void loopDied(IOException cause) {
                    PipeEnd.this.loopDied(cause);
                }
            });
            registered = true;
        }
        try {
            while (seq.get() == seen && !released) {
                if (loopDeath != null) {
                    throw new IOException("no more events for this pipe: " + loopDeath.getMessage(), loopDeath);
                }
                ready.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on the child's pipe");
        }
    }

    private void onEvents(int events) {
        seq.incrementAndGet();
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The loop died: a waiter would wait forever, so each fails now and every later wait too. */
    private void loopDied(IOException cause) {
        lock.lock();
        try {
            loopDeath = cause;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Deregisters and closes the fd and frees the buffer (lock held). Harmless twice. */
    void release() {
        if (released) {
            return;
        }
        released = true;
        if (registered) {
            loop.poller().remove(fd.number());
        }
        fd.close();
        if (arena != null) {
            arena.close();
            arena = null;
        }
        ready.signalAll();
    }
}
