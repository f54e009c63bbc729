package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.Siginfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A platform thread's wait in poll(2) for its own child, as C's waitpid blocks the caller in
 * the kernel: on the child's pidfd, which this thread reaps, and on the pipes it reads itself
 * (output()'s captures, a Process stream), with no help from the loop thread. While it waits,
 * the pidfd and those pipes are out of the loop's epoll set, so their events wake this thread
 * alone (see {@link PidFd}); when it leaves before the end (an interrupt, its deadline), it
 * hands them back to the loop, which goes on serving everyone else who waits for the child.
 *
 * <p>Interrupts. {@link Thread#interrupt()} does not wake a platform thread blocked in a native
 * poll(2), so a wait that lasts polls one more fd, an eventfd, and registers with the thread as
 * an interruptible channel does ({@link AbstractInterruptibleChannel#begin()}): the JDK calls
 * that channel's close from {@code interrupt()}, on the interrupting thread, and the close
 * writes the eventfd. The wait then ends with {@link InterruptedException} at once. The first
 * {@link #QUICK_NANOS} of a wait go without it: most children end within them (spawn + wait of
 * /bin/true takes well under a millisecond), and the eventfd costs two system calls; an
 * interrupt then ends the wait when that first poll returns, at most {@link #QUICK_NANOS} late.
 * If no eventfd can be made (the fd table is full), the wait polls in slices of
 * {@link #SLICE_MS} and looks at the interrupt flag between them.
 *
 * <p>Anything else that must end the wait from another thread (a pipe cancelled after a
 * timeout, the child's exit seen by someone else) calls {@link #wake()} after changing the
 * state the waiter looks at; the waiter looks at it after publishing its eventfd, so one of
 * the two sees the other.
 *
 * <p>Once the JVM shuts down, a wait polls without blocking and parks between polls, as the
 * loop does then ({@code EventLoop.ExitWake}): HotSpot's exit waits up to 300 ms for threads
 * in native code, and a thread blocked in poll(2) is one.
 *
 * <p>Never used on a virtual thread: poll(2) would hold its carrier. Virtual threads park on
 * the child's futures, which the loop (or a waiting platform thread) completes.
 */
public final class KernelWait implements AutoCloseable {
    /** How long a wait polls before it makes its eventfd and becomes interruptible at once. */
    static final long QUICK_NANOS = 2_000_000;
    /** Without an eventfd, the interrupt flag is checked this often. */
    static final int SLICE_MS = 10;
    /** The most fds one wait polls: the pidfd, stdout, stderr and the eventfd. */
    private static final int MAX_FDS = 4;
    private static final int POLLFD_SIZE = 8; // struct pollfd: int fd; short events; short revents
    private static final short POLLIN = 0x001;

    private final EventLoop loop;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment pollfds;
    /** The errno segment of this thread's calls. */
    final MemorySegment state;
    private MemorySegment siginfo, buffer;
    private final long start;
    /** Polled fds of the current round, to release after the poll. */
    private final Fd[] polled = new Fd[MAX_FDS];
    private int count;
    /** The eventfd and interrupt hook, once the wait has outlasted {@link #QUICK_NANOS}; null before, or when none could be made. */
    private volatile Waker waker;
    private boolean wakerTried;

    /** A wait for a child of {@code loop} that starts now, on the current (platform) thread. */
    KernelWait(EventLoop loop) {
        this.loop = loop;
        MemorySegment block = arena.allocate(MAX_FDS * POLLFD_SIZE + CallState.allocate(arena).byteSize(), 8);
        this.pollfds = block.asSlice(0, MAX_FDS * POLLFD_SIZE);
        this.state = block.asSlice(MAX_FDS * POLLFD_SIZE);
        this.start = System.nanoTime();
        loop.kernelWaits.add(this); // before the first look at loopDeath(): the dying loop wakes what it finds here
    }

    /**
     * Why the loop of this wait's child died, or null. A wait that needs no loop still fails
     * then, as every wait on the loop does (see {@link EventLoop}): the deadlines of a
     * timeout died with it, and no wait may outlast its timeout silently.
     */
    IOException loopDeath() {
        return loop.death();
    }

    /** The siginfo and rusage a reap on this thread fills. */
    MemorySegment siginfo() {
        if (siginfo == null) {
            siginfo = arena.allocate(Siginfo.REAP_LAYOUT);
        }
        return siginfo;
    }

    /** A read buffer of this thread's own, for the pipes it reads. */
    MemorySegment buffer() {
        if (buffer == null) {
            buffer = arena.allocate(PipeEnd.BUFFER_SIZE);
        }
        return buffer;
    }

    /**
     * Adds {@code fd} to the next {@link #poll}, for reading, and returns its index; -1 (nothing
     * added) when it is closed already. The fd is held until the poll returns, so its number
     * cannot be closed and given to another file meanwhile.
     */
    int add(Fd fd) {
        int n = fd.acquire();
        if (n < 0) {
            return -1;
        }
        int i = count++;
        polled[i] = fd;
        pollfds.set(ValueLayout.JAVA_INT, (long) i * POLLFD_SIZE, n);
        pollfds.set(ValueLayout.JAVA_SHORT, (long) i * POLLFD_SIZE + 4, POLLIN);
        pollfds.set(ValueLayout.JAVA_SHORT, (long) i * POLLFD_SIZE + 6, (short) 0);
        return i;
    }

    /** Whether the fd at {@code index} of the last poll is readable, at its end or failed. */
    boolean ready(int index) {
        return index >= 0 && pollfds.get(ValueLayout.JAVA_SHORT, (long) index * POLLFD_SIZE + 6) != 0;
    }

    /**
     * Polls the fds {@link #add added} since the last poll, releases them, and returns true when
     * one is ready or this wait was {@link #wake woken}; false when {@code timeoutNanos} (counted
     * from this wait's start; negative: none) has passed.
     *
     * @throws InterruptedException the thread was interrupted (its flag is cleared, as
     *     {@link Object#wait()} clears it)
     */
    boolean poll(long timeoutNanos) throws InterruptedException {
        try {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long elapsed = System.nanoTime() - start;
            if (timeoutNanos >= 0 && elapsed >= timeoutNanos) {
                return false;
            }
            Waker w = waker;
            if (w == null && !wakerTried && elapsed >= QUICK_NANOS) {
                w = startWaker();
                if (w != null) {
                    return true; // look at the state once more before sleeping: a wake() may have come before the eventfd
                }
            }
            int wakerIndex = -1;
            if (w != null) {
                wakerIndex = count;
                pollfds.set(ValueLayout.JAVA_INT, (long) wakerIndex * POLLFD_SIZE, w.fd.number());
                pollfds.set(ValueLayout.JAVA_SHORT, (long) wakerIndex * POLLFD_SIZE + 4, POLLIN);
                pollfds.set(ValueLayout.JAVA_SHORT, (long) wakerIndex * POLLFD_SIZE + 6, (short) 0);
            }
            boolean exiting = EventLoop.exiting();
            int n = Posix.poll(state, pollfds, w != null ? count + 1 : count,
                exiting ? 0 : timeoutMs(elapsed, timeoutNanos, w));
            if (exiting && n == 0) {
                // The JVM is shutting down: HotSpot's exit waits up to 300 ms for threads in
                // native code, so look again after a park (not native) instead of blocking in poll.
                long left = timeoutNanos < 0 ? EventLoop.EXIT_POLL_NANOS : timeoutNanos - (System.nanoTime() - start);
                LockSupport.parkNanos(Math.min(EventLoop.EXIT_POLL_NANOS, left));
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                return timeoutNanos < 0 || System.nanoTime() - start < timeoutNanos;
            }
            if (n < 0) {
                if (n != -EINTR) {
                    throw new IllegalStateException(Posix.failure("poll(" + count + " fds)", -n));
                }
                return true; // a signal: look again
            }
            if (wakerIndex >= 0 && ready(wakerIndex)) {
                w.drain(state);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            if (n == 0 && Thread.interrupted()) {
                throw new InterruptedException(); // came during the quick poll, or between slices
            }
            return n > 0 || timeoutNanos < 0 || System.nanoTime() - start < timeoutNanos;
        } finally {
            for (int i = 0; i < count; i++) {
                polled[i].release();
                polled[i] = null;
            }
            count = 0;
        }
    }

    /** The poll's timeout: the quick phase's end, the next slice without an eventfd, or the deadline. */
    private static int timeoutMs(long elapsed, long timeoutNanos, Waker w) {
        long limit;
        if (w != null) {
            limit = timeoutNanos < 0 ? -1 : timeoutNanos - elapsed;
        } else {
            long phase = elapsed < QUICK_NANOS ? QUICK_NANOS - elapsed : TimeUnit.MILLISECONDS.toNanos(SLICE_MS);
            limit = timeoutNanos < 0 ? phase : Math.min(phase, timeoutNanos - elapsed);
        }
        if (limit < 0) {
            return -1;
        }
        // Rounded up: poll(2) takes milliseconds, and waking before the deadline would only poll again.
        return (int) Math.min(Integer.MAX_VALUE, (limit + 999_999) / 1_000_000);
    }

    /** Makes the eventfd and hooks it to this thread's interrupt; null (slices from now on) when there is no fd for it. */
    private Waker startWaker() {
        wakerTried = true;
        int fd;
        try {
            fd = Posix.eventfd(state);
        } catch (ErrnoException e) {
            return null; // EMFILE, ENFILE, ENOMEM: this wait goes on in slices; the next one tries again
        }
        Waker w = new Waker(new Fd(fd));
        waker = w; // published before the caller looks at the state again (see the class comment)
        w.enter();
        return w;
    }

    /** Ends the current or next {@link #poll} of this wait early. Any thread; harmless after the wait. */
    void wake() {
        Waker w = waker;
        if (w != null) {
            w.wake();
        }
    }

    /** Unhooks the interrupt and closes the eventfd. The interrupt flag is left as it is. */
    @Override
    public void close() {
        loop.kernelWaits.remove(this);
        Waker w = waker;
        if (w != null) {
            w.leave();
        }
        arena.close();
    }

    /**
     * An eventfd that {@link Thread#interrupt()} reaches: registered as the thread's blocking
     * channel, its close (which the interrupting thread calls) writes the eventfd. The writes go
     * through {@link Fd#acquire()}, so one that comes after the wait (the JDK may call close
     * after the waiting thread has moved on) finds the fd closed and writes nothing.
     */
    private static final class Waker extends AbstractInterruptibleChannel {
        final Fd fd;

        Waker(Fd fd) {
            this.fd = fd;
        }

        void enter() {
            begin(); // an interrupt that came before is delivered at once: the eventfd is written now
        }

        void leave() {
            try {
                end(true);
            } catch (java.nio.channels.AsynchronousCloseException e) {
                // ClosedByInterruptException: the interrupt flag says so, and the caller has seen it
            }
            fd.close();
        }

        void wake() {
            EventLoop.signal(fd);
        }

        /** Resets the counter, so the next poll sleeps again. On the waiting thread. */
        void drain(MemorySegment st) {
            try (Arena a = Arena.ofConfined()) {
                Posix.read(st, fd.number(), a.allocate(ValueLayout.JAVA_LONG), 8); // EAGAIN: drained already
            }
        }

        @Override
        protected void implCloseChannel() {
            wake();
        }
    }

    /**
     * Waits on this platform thread until {@code child} has been reaped and every reader in
     * {@code readers} that this wait could take (see {@link PipeReader#claim}) has reached its
     * end, reaping the child and reading those pipes itself.
     *
     * @param readers pipes whose reading ends with the child's output (captures, drains); those
     *     another thread holds or the loop delivers to a handler are left to them
     * @param timeoutNanos how long to wait at most; negative: no limit
     * @return true when all of it is done; false when the time ran out first
     * @throws InterruptedException the thread was interrupted (its flag cleared); the child
     *     and its pipes are the loop's again
     */
    public static boolean awaitExit(PidFd child, List<PipeReader> readers, long timeoutNanos)
        throws InterruptedException {
        if (child.exit().isDone() && readers.stream().allMatch(r -> r.done().isDone())) {
            return true;
        }
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("a virtual thread must not wait in poll(2): it would hold its carrier");
        }
        try (KernelWait w = new KernelWait(child.loop())) {
            List<PipeReader> held = new ArrayList<>(readers.size());
            child.enterKernelWait();
            try {
                for (PipeReader r : readers) {
                    if (r.claim(w)) {
                        held.add(r);
                    }
                }
                return w.untilDone(child, held, timeoutNanos);
            } finally {
                for (PipeReader r : held) {
                    r.unclaim(); // to the loop, when not at its end
                }
                child.leaveKernelWait();
            }
        }
    }

    private boolean untilDone(PidFd child, List<PipeReader> held, long timeoutNanos) throws InterruptedException {
        int[] readerIndex = new int[held.size()];
        while (true) {
            IOException dead = loopDeath();
            if (dead != null) {
                child.loopDied(dead); // the exit and the pipes fail with the death, as the loop's own would have
                for (PipeReader r : held) {
                    r.loopDied(dead);
                }
                return true;
            }
            int pidIndex = child.exit().isDone() ? -1 : add(child.fd());
            int open = pidIndex >= 0 ? 1 : 0;
            for (int i = 0; i < held.size(); i++) {
                readerIndex[i] = held.get(i).isFinished() ? -1 : add(held.get(i).fd());
                open += readerIndex[i] >= 0 ? 1 : 0;
            }
            if (open == 0) {
                count = 0; // nothing was acquired
                return true;
            }
            if (!poll(timeoutNanos)) {
                return false;
            }
            for (int i = 0; i < held.size(); i++) {
                if (ready(readerIndex[i])) {
                    held.get(i).readDirect(this);
                }
            }
            if (ready(pidIndex)) {
                child.reap(state, siginfo());
            }
        }
    }
}
