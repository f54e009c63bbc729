package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads a pipe to its end, driven by the loop, and hands each chunk to a consumer: how
 * {@code output()} captures and how {@code onStdout} delivers, with no thread per stream.
 *
 * <ul>
 *   <li>Inline ({@code deliverOn == null}): the consumer runs on the loop thread, with a view of
 *       the loop's scratch buffer. For vfork4j's own short consumers (capture, discard).</li>
 *   <li>Handed over: each chunk is read into this reader's own buffer and the consumer runs on
 *       {@code deliverOn}; the pipe is not read again until it returns. A slow consumer so
 *       pauses its child's output (back-pressure: the child blocks on a full pipe) instead of
 *       growing the heap, and never stalls the loop or other children. The delivering thread
 *       goes on reading the pipe itself while data comes, and waits for the loop's next edge
 *       (up to 20 ms) before it gives the fd back, so a steady stream does not pay a new
 *       thread and a loop round trip per chunk; when a carrier can be spared it waits in
 *       poll(2) itself, so the child's next write wakes it directly. A stream that fills a
 *       64 KiB read gets a 1 MiB pipe and buffer.</li>
 * </ul>
 *
 * The buffer handed to the consumer is read-only and valid only during the call. The fd is
 * registered one-shot (see {@link #INTEREST}); a handler reads at most
 * {@link #READS_PER_TURN} buffers before yielding the loop to other fds. {@link #done()} completes after end of stream and the last delivery; a
 * consumer that throws stops the deliveries (the rest is read and dropped, so the child is not
 * stalled) and {@code done()} fails with what it threw (an IOException included).
 *
 * <p>An inline reader made with {@link #deferred} is not in the loop's epoll set at first: a
 * platform thread that waits for the child ({@link KernelWait}) {@link #claim claims} it and
 * reads the pipe itself, so the child's output wakes that thread alone, as a read(2) in C
 * would. The loop takes it when someone asks ({@link #watch()}: every wait that parks, every
 * subscription), when the claiming thread leaves before the end, or at its next sweep.
 */
public final class PipeReader implements Sweepable {
    static final int READS_PER_TURN = 16;
    /**
     * One-shot, level-triggered: after an event the fd is disabled until re-armed, so while a
     * delivery thread reads the pipe itself the loop is not woken by every write the child
     * makes (that stole a core from the child). Re-armed when the loop has read the pipe dry,
     * and by a delivery thread that waits for the next event; a level-triggered re-arm reports
     * data that is already there, so nothing is missed.
     */
    static final int INTEREST = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    /**
     * A stream that fills a 64 KiB read is streaming: its pipe is grown to this (F_SETPIPE_SZ,
     * the default /proc/sys/fs/pipe-max-size) and so is this reader's buffer, so the writer can
     * get a megabyte ahead and each wake-up moves up to a megabyte instead of 64 KiB. Quiet
     * streams keep 64 KiB: ten thousand children cost no ten gigabytes.
     */
    static final int STREAMING_BUFFER = 1 << 20;

    private final Fd fd;
    private final EventLoop loop;
    private final ChunkSink consumer;
    private final Executor deliverOn;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    // Loop-thread state:
    private boolean delivering;
    private Throwable consumerFailure;
    // Owned by whichever thread reads the fd: the loop while no delivery runs, the delivering
    // thread while one does (the hand-offs through the executor and loop.execute order them).
    private Arena arena;
    private MemorySegment buffer, deliverState, pollFd;
    private boolean streaming, bufferTooSmall;
    // Shared:
    private volatile boolean finished;
    /** Epoll edges seen; a streaming delivery thread parks until this moves. */
    private final AtomicLong edges = new AtomicLong();
    private volatile Thread waiter;
    // Guarded by this (an inline reader's fd is read under it, by the loop or the claiming thread):
    /** In the loop's epoll set. */
    private boolean registered;
    /** The platform thread's wait that reads this pipe itself, or null. */
    private KernelWait holder;
    private final EpollPoller.Handler handler = new EpollPoller.Handler() {
        @Override
        public void onEvents(int events) {
            readable();
        }

        @Override
        public void loopDied(IOException cause) {
            PipeReader.this.loopDied(cause); // no more events: done() fails rather than never completing
        }
    };

    private PipeReader(int fd, EventLoop loop, ChunkSink consumer, Executor deliverOn) {
        this.fd = new Fd(fd);
        this.loop = loop;
        this.consumer = consumer;
        this.deliverOn = deliverOn;
    }

    /**
     * Takes ownership of {@code fd} (O_NONBLOCK) and starts reading it.
     *
     * @param deliverOn where the consumer runs; null to run it inline on the loop thread
     */
    public static PipeReader start(int fd, EventLoop loop, ChunkSink consumer, Executor deliverOn)
        throws ErrnoException {
        PipeReader r = new PipeReader(fd, loop, consumer, deliverOn);
        synchronized (r) {
            try {
                r.register();
            } catch (ErrnoException e) {
                r.fd.close();
                throw e;
            }
        }
        return r;
    }

    /**
     * Takes ownership of {@code fd} (O_NONBLOCK) for a consumer that runs inline (a capture, a
     * drain), leaving it out of the loop's epoll set for now: a {@link KernelWait} may
     * {@link #claim} it, else the loop reads it from {@link #watch()} on, or from its next sweep
     * on when {@code sweep} (without, the caller must make sure one of the two comes: run()
     * and output() wait for the child at once, and a wait that leaves early hands it over).
     */
    public static PipeReader deferred(int fd, EventLoop loop, ChunkSink consumer, boolean sweep) {
        PipeReader r = new PipeReader(fd, loop, consumer, null);
        if (sweep) {
            loop.watchSoon(r);
        }
        return r;
    }

    /** Into the epoll set (lock held). A dead loop's add reports the death at once, through {@link #loopDied}. */
    private void register() throws ErrnoException {
        registered = true; // before the add: a dead loop's add calls loopDied, which must see it
        try {
            loop.poller().add(fd.number(), INTEREST, handler);
        } catch (ErrnoException e) {
            registered = false;
            throw e;
        }
    }

    /**
     * Has the loop read the pipe from now on, unless a {@link KernelWait} holds it (it hands
     * the pipe over when it leaves) or it has ended. Any thread; cheap once watched. Should
     * the fd not go into the epoll set, {@link #done()} fails with that.
     */
    @Override
    public synchronized void watch() {
        if (registered || holder != null || finished) {
            return;
        }
        try {
            register();
        } catch (ErrnoException e) {
            finish();
            done.completeExceptionally(e);
        }
    }

    @Override
    public void loopDied(IOException cause) {
        stop(cause);
    }

    /**
     * For a {@link KernelWait} about to poll this pipe: takes the pipe out of the loop's epoll
     * set and reserves its reading for {@code wait}, until {@link #unclaim()}. False (nothing
     * changes) for a reader that delivers to a handler on other threads, one at its end, or
     * one another wait holds.
     */
    synchronized boolean claim(KernelWait wait) {
        if (deliverOn != null || finished || holder != null) {
            return false;
        }
        if (registered) {
            loop.poller().remove(fd.number()); // an event collected before is stale now and dropped
            registered = false;
        }
        holder = wait;
        return true;
    }

    /** The claiming wait has left: the loop reads the pipe from now on, unless it has ended. */
    synchronized void unclaim() {
        holder = null;
        watch();
    }

    /** The fd, for a {@link KernelWait} to poll (held while it does). */
    Fd fd() {
        return fd;
    }

    /** At its end (or cancelled); {@link #done()} may complete a moment later. */
    boolean isFinished() {
        return finished;
    }

    /**
     * On the thread of the {@link KernelWait} that claimed this reader, once poll says the pipe
     * is readable: reads it until it is empty, at its end, or {@link #READS_PER_TURN} buffers
     * were read (the wait polls again then), into that thread's own buffer.
     */
    synchronized void readDirect(KernelWait wait) {
        if (finished || holder != wait) {
            return;
        }
        MemorySegment st = wait.state;
        MemorySegment buf = wait.buffer();
        for (int i = 0; i < READS_PER_TURN; i++) {
            long n = Posix.read(st, fd.number(), buf, buf.byteSize());
            if (n == PipeEnd.BUFFER_SIZE && !streaming) {
                growPipe(st);
            }
            if (n > 0) {
                acceptInline(buf.asSlice(0, n).asByteBuffer().asReadOnlyBuffer());
                continue;
            }
            if (n == 0) {
                ended();
                return;
            }
            int errno = (int) -n;
            if (errno == EAGAIN) {
                return;
            }
            if (errno != EINTR) {
                failed(errno);
                return;
            }
        }
    }

    /** An inline consumer takes a chunk; the first failure stops it, and the rest is read and dropped. */
    private void acceptInline(ByteBuffer view) {
        if (consumerFailure == null) {
            try {
                consumer.accept(view);
            } catch (Throwable e) {
                consumerFailure = e;
            }
        }
    }

    /** End of stream (lock held): released, and done() completes, or fails with the consumer's failure. */
    private void ended() {
        finish();
        if (consumerFailure != null) {
            done.completeExceptionally(consumerFailure);
        } else {
            done.complete(null);
        }
    }

    private void failed(int errno) {
        finish();
        done.completeExceptionally(Posix.failure("read(fd=" + fd.number() + ")", errno));
    }

    /** Completes after end of stream and the last delivery. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /**
     * Stops reading and releases the fd; {@link #done()} fails with {@code reason}. Any thread:
     * an inline reader stops at once (a {@link KernelWait} reading it is woken to see that), one
     * that delivers to a handler on the loop thread, which owns its state.
     */
    public void cancel(IOException reason) {
        if (deliverOn == null) {
            stop(reason);
        } else {
            loop.execute(() -> stop(reason));
        }
    }

    /**
     * The wait for the end of the stream is over (a Command's waitDelay after the child's exit):
     * an inline reader first takes what the pipe holds now, so nothing the writers wrote before
     * this moment is lost, and ends normally if that reaches the end; otherwise, and for a reader
     * that hands chunks to a handler, as {@link #cancel}. Any thread.
     *
     * @return true when the stream was cut short, false when it had ended (or ended now)
     */
    public boolean cutShort(IOException reason) {
        if (deliverOn != null) {
            if (finished) {
                return false;
            }
            cancel(reason);
            return true;
        }
        synchronized (this) {
            if (finished) {
                return false;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = CallState.allocate(a);
                MemorySegment buf = a.allocate(PipeEnd.BUFFER_SIZE);
                while (true) {
                    long n = Posix.read(st, fd.number(), buf, buf.byteSize());
                    if (n > 0) {
                        acceptInline(buf.asSlice(0, n).asByteBuffer().asReadOnlyBuffer());
                    } else if (n == 0) {
                        ended();
                        return false;
                    } else if (n != -EINTR) {
                        break; // EAGAIN: a writer still holds the pipe
                    }
                }
            }
            stop(reason);
            return true;
        }
    }

    /** Releases the fd and fails {@link #done()}: on the loop thread (or the dying one), or any thread for an inline reader. */
    private synchronized void stop(IOException reason) {
        if (!finished) {
            finish();
            done.completeExceptionally(reason);
            if (holder != null) {
                holder.wake(); // it polls a closed pipe's fd (held open until its poll returns) and would not see the end
            }
        }
    }

    private void readable() {
        edges.incrementAndGet();
        if (delivering) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w); // a streaming delivery waits for this edge
            }
            return; // otherwise the delivery reads again when the consumer returns
        }
        readSome();
    }

    private synchronized void readSome() {
        if (finished || holder != null) {
            return; // a KernelWait took the pipe after this call was queued or its event collected
        }
        MemorySegment st = loop.scratchState;
        for (int i = 0; i < READS_PER_TURN; i++) {
            boolean handOver = deliverOn != null && consumerFailure == null;
            if (bufferTooSmall) {
                growBuffer(); // no delivery runs now, so no view of the old buffer is alive
            }
            MemorySegment buf = handOver ? ownBuffer() : loop.scratch().asSlice(0, streaming ? STREAMING_BUFFER : PipeEnd.BUFFER_SIZE);
            long n = Posix.read(st, fd.number(), buf, buf.byteSize());
            if (n == PipeEnd.BUFFER_SIZE && !streaming) {
                growPipe(st);
            }
            if (n > 0) {
                ByteBuffer view = buf.asSlice(0, n).asByteBuffer().asReadOnlyBuffer();
                if (handOver) {
                    delivering = true;
                    deliverOn.execute(() -> deliver(view));
                    return; // resumed by the delivery
                }
                acceptInline(view);
                continue;
            }
            if (n == 0) {
                ended();
                return;
            }
            int errno = (int) -n;
            if (errno == EAGAIN) {
                rearm(); // the next event calls us again
                return;
            }
            if (errno != EINTR) {
                failed(errno);
                return;
            }
        }
        loop.execute(this::readSome);
    }

    /**
     * On the delivering thread (which owns the buffer and the streaming state until it hands
     * back): hands {@code view} over, then keeps reading the pipe itself
     * while data is there, so a steady stream costs no round trip through the loop per chunk.
     * Only when the pipe is empty (EAGAIN), at its end, or after a failure does the loop take
     * the fd back. The loop never reads while {@code delivering} is set, so the reads here are
     * exclusive; {@link Fd#acquire()} guards against a cancel closing the fd meanwhile.
     */
    private void deliver(ByteBuffer view) {
        MemorySegment st = deliverState;
        while (true) {
            try {
                if (view.hasRemaining()) {
                    consumer.accept(view);
                }
            } catch (Throwable e) {
                handBack(e);
                return;
            }
            if (bufferTooSmall) {
                growBuffer(); // the consumer has returned: no view of the old buffer is alive
                st = deliverState;
            }
            long seen = edges.get();
            int n = fd.acquire();
            if (n < 0) {
                handBack(null); // cancelled meanwhile
                return;
            }
            long got;
            try {
                got = Posix.read(st, n, buffer, buffer.byteSize());
                if (got == PipeEnd.BUFFER_SIZE && !streaming) {
                    streaming = true;
                    Posix.fcntl(st, n, F_SETPIPE_SZ, STREAMING_BUFFER);
                    bufferTooSmall = true;
                }
            } finally {
                fd.release();
            }
            if (got > 0) {
                view = buffer.asSlice(0, got).asByteBuffer().asReadOnlyBuffer();
                continue;
            }
            if (got == -EAGAIN && streaming && (pollDirectly(st) || awaitEdge(seen))) {
                view = EMPTY;
                continue; // more is coming: read again on this thread
            }
            handBack(null); // empty for a while, at its end, or failing: the loop's own read will see which
            return;
        }
    }

    /** Carriers a streaming delivery may hold in poll(2) at once: all but one, so virtual threads always have one. */
    private static final Semaphore POLLERS = new Semaphore(Math.max(0,
        Integer.getInteger("jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors()) - 1));

    /**
     * Waits for the pipe in poll(2) on this thread, when a carrier can be spared: the writer's
     * next write then wakes this thread directly, as it wakes a blocked reader, instead of the
     * loop and then this thread's carrier. Returns true when data (or the end) is there.
     */
    private boolean pollDirectly(MemorySegment st) {
        if (!POLLERS.tryAcquire()) {
            return false;
        }
        int n = fd.acquire();
        try {
            if (n < 0) {
                return false;
            }
            pollFd.set(ValueLayout.JAVA_INT, 0, n);
            pollFd.set(ValueLayout.JAVA_SHORT, 4, (short) (EPOLLIN | EPOLLHUP));
            return Posix.poll(st, pollFd, 1, 20) > 0;
        } finally {
            if (n >= 0) {
                fd.release();
            }
            POLLERS.release();
        }
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    /**
     * A streaming child refills its pipe within microseconds; handing the fd back to the loop
     * and starting a new delivery thread on the next edge costs several thread wake-ups each
     * time. So a streaming delivery thread parks until the loop sees the next edge, for at
     * most {@link #STREAM_IDLE_NANOS}; then it gives the fd back (a quiet stream holds no thread).
     * Returns true when an edge came.
     */
    private boolean awaitEdge(long seen) {
        waiter = Thread.currentThread();
        rearm(); // one event, for this wait
        try {
            long until = System.nanoTime() + STREAM_IDLE_NANOS;
            while (edges.get() == seen && !finished) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, left);
            }
            return !finished;
        } finally {
            waiter = null;
        }
    }

    static final long STREAM_IDLE_NANOS = 20_000_000;

    /** Back on the loop: the delivery is over; read on (which sees EAGAIN, end of stream or an error itself). */
    private void handBack(Throwable failure) {
        loop.execute(() -> {
            delivering = false;
            if (failure != null && consumerFailure == null) {
                consumerFailure = failure;
            }
            if (finished) {
                releaseBuffer(); // cancelled during the delivery
                return;
            }
            readSome();
        });
    }

    private MemorySegment ownBuffer() {
        if (arena == null) {
            arena = Arena.ofShared();
            buffer = arena.allocate(PipeEnd.BUFFER_SIZE);
            deliverState = CallState.allocate(arena);
            pollFd = arena.allocate(8, 4);
        }
        return buffer;
    }

    /**
     * The reading thread (the loop, or a claiming wait's): a full 64 KiB read means the child
     * streams. Grow the pipe now (best effort: an unprivileged user past pipe-user-pages-soft
     * keeps 64 KiB) and this reader's own buffer before its next read, when no delivery holds
     * a view of it.
     */
    private void growPipe(MemorySegment st) {
        streaming = true;
        Posix.fcntl(st, fd.number(), F_SETPIPE_SZ, STREAMING_BUFFER);
        bufferTooSmall = arena != null;
    }

    private void growBuffer() {
        bufferTooSmall = false;
        Arena old = arena;
        arena = Arena.ofShared();
        buffer = arena.allocate(STREAMING_BUFFER);
        deliverState = CallState.allocate(arena);
        pollFd = arena.allocate(8, 4);
        old.close();
    }

    /** Re-enables the one-shot registration. Any thread; harmless once the fd is gone. */
    private void rearm() {
        int n = fd.acquire(); // held so the number cannot be closed and reused by another fd meanwhile
        if (n < 0) {
            return;
        }
        try {
            if (!finished) {
                loop.poller().modify(n, INTEREST);
            }
        } catch (ErrnoException e) {
            // ENOENT: finished meanwhile (removed from the epoll set before the fd is closed).
        } finally {
            fd.release();
        }
    }

    /** Out of the epoll set, and the fd closed (when no call holds it); lock held. */
    private void finish() {
        finished = true;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
        if (registered) {
            loop.poller().remove(fd.number());
            registered = false;
        }
        fd.close();
        if (!delivering) {
            releaseBuffer();
        }
    }

    private void releaseBuffer() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
