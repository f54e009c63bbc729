package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The library's one event-loop thread ("vfork4j-loop"): it waits on every pidfd and pipe with
 * epoll and runs the tasks other threads hand it. An eventfd wakes it from other threads.
 * Deadlines use one timerfd (CLOCK_MONOTONIC, absolute, armed for the earliest deadline), so
 * {@link System#nanoTime()} values can be used as deadlines directly: HotSpot's nanoTime is
 * CLOCK_MONOTONIC on Linux. There is no thread per child and no polling: the thread sleeps in
 * epoll_wait until the kernel has something to say.
 */
public final class EventLoop {
    private static final class Holder {
        static final EventLoop SHARED = start("vfork4j-loop");
    }

    /** The shared loop, started on first use. */
    public static EventLoop shared() {
        return Holder.SHARED;
    }

    private final EpollPoller poller;
    private final Fd wakeFd;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment wakeState = CallState.allocate(arena);
    private final MemorySegment wakeBuf = arena.allocate(ValueLayout.JAVA_LONG);
    /** A read buffer and errno segment for handlers, which all run on the loop thread. */
    final MemorySegment scratch = arena.allocate(PipeReader.STREAMING_BUFFER);
    final MemorySegment scratchState = CallState.allocate(arena);
    final MemorySegment scratchSiginfo = arena.allocate(dev.vfork4j.linux.Siginfo.LAYOUT);
    private final Thread thread;
    private final Fd timerFd;
    private final MemorySegment timerSpec = arena.allocate(32, 8); // struct itimerspec
    /** Pending deadlines, earliest first; touched on the loop thread only. */
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>();
    private long armedFor = Long.MAX_VALUE;

    /**
     * How long after its spawn a child's pidfd is watched at the latest, when nobody asked
     * sooner ({@link PidFd}): the loop sweeps the new pidfds into its epoll set this often
     * while children are being started, and not at all otherwise.
     */
    public static final long SWEEP_NANOS = 1_000_000;
    private final long sweepNanos;
    /** Pidfds not yet swept into the epoll set; most are reaped by a waiting thread before. */
    private final Queue<PidFd> unswept = new ConcurrentLinkedQueue<>();
    /** A sweep is scheduled (or running and about to reschedule itself). */
    private final AtomicBoolean sweepScheduled = new AtomicBoolean();

    /** A task scheduled for a deadline; {@link #cancel()} it when it is no longer needed. */
    public final class Deadline implements Comparable<Deadline> {
        private final long at;
        private final Runnable task;
        private volatile boolean cancelled;

        private Deadline(long at, Runnable task) {
            this.at = at;
            this.task = task;
        }

        /** Stops the task from running, if it has not run yet. Any thread. */
        public void cancel() {
            cancelled = true;
            execute(() -> {
                if (deadlines.remove(this)) {
                    arm();
                }
            });
        }

        @Override
        public int compareTo(Deadline o) {
            return Long.compare(at, o.at);
        }
    }

    EventLoop(String name, long sweepNanos) throws ErrnoException {
        this.sweepNanos = sweepNanos;
        this.poller = new EpollPoller(256);
        int fd = LibC.eventfd(wakeState, 0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0) {
            throw new ErrnoException("eventfd(EFD_CLOEXEC|EFD_NONBLOCK)", CallState.errno(wakeState));
        }
        this.wakeFd = new Fd(fd);
        poller.add(fd, EPOLLIN, events -> drainWakeups());
        int tfd = LibC.timerfd_create(wakeState, CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (tfd < 0) {
            throw new ErrnoException("timerfd_create(CLOCK_MONOTONIC)", CallState.errno(wakeState));
        }
        this.timerFd = new Fd(tfd);
        poller.add(tfd, EPOLLIN, events -> runDueDeadlines());
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
    }

    static EventLoop start(String name) {
        return start(name, SWEEP_NANOS);
    }

    /** A loop of its own that sweeps new pidfds into its epoll set every {@code sweepNanos}: for tests. */
    public static EventLoop start(String name, long sweepNanos) {
        try {
            EventLoop loop = new EventLoop(name, sweepNanos);
            loop.thread.start();
            return loop;
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot start the vfork4j event loop: " + e.getMessage(), e);
        }
    }

    public EpollPoller poller() {
        return poller;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread, soon. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakePending.compareAndSet(false, true)) {
            // One 8-byte write per batch of tasks; the loop resets wakePending before draining.
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = CallState.allocate(a);
                MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
                one.set(ValueLayout.JAVA_LONG, 0, 1L);
                LibC.write(st, wakeFd.number(), one, 8); // EAGAIN only if the counter is full: already awake
            }
        }
    }

    /**
     * Runs {@code task} on the loop thread at {@code nanoTime} (a {@link System#nanoTime()}
     * value), or soon after. Any thread.
     */
    public Deadline schedule(long nanoTime, Runnable task) {
        Deadline d = new Deadline(nanoTime, task);
        execute(() -> {
            if (!d.cancelled) {
                deadlines.add(d);
                arm();
            }
        });
        return d;
    }

    /**
     * Has {@code pidfd} watched at the next sweep unless someone {@link PidFd#watch() watches}
     * it before. Only the first spawn after a quiet spell wakes the loop (to schedule the
     * sweep); while spawns go on, each sweep schedules the next from the loop thread itself.
     */
    void watchSoon(PidFd pidfd) {
        unswept.add(pidfd);
        scheduleSweep();
    }

    /** Schedules a sweep unless one is; from the loop thread this wakes nobody (execute only queues). */
    private void scheduleSweep() {
        if (sweepScheduled.compareAndSet(false, true)) {
            schedule(System.nanoTime() + sweepNanos, this::sweep);
        }
    }

    private void sweep() {
        // Cleared before draining: a pidfd added after the drain finds it clear and schedules a sweep.
        sweepScheduled.set(false);
        boolean any = false;
        PidFd p;
        while ((p = unswept.poll()) != null) {
            p.watch();
            any = true;
        }
        if (any) {
            scheduleSweep(); // spawns are going on: expect more
        }
    }

    /** Pending deadlines (loop thread): for tests and diagnostics. */
    int pendingDeadlines() {
        return deadlines.size();
    }

    private void runDueDeadlines() {
        LibC.read(wakeState, timerFd.number(), wakeBuf, 8); // the expiration count; EAGAIN if already read
        armedFor = Long.MAX_VALUE;
        long now = System.nanoTime();
        Deadline d;
        while ((d = deadlines.peek()) != null && d.at - now <= 0) {
            deadlines.poll();
            if (!d.cancelled) {
                try {
                    d.task.run();
                } catch (RuntimeException | Error e) {
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
                }
            }
        }
        arm();
    }

    /** Arms the timerfd for the earliest deadline (loop thread); disarms it when there is none. */
    private void arm() {
        Deadline head = deadlines.peek();
        long at = head == null ? 0 : Math.max(1, head.at);
        if (head != null && at == armedFor) {
            return;
        }
        armedFor = head == null ? Long.MAX_VALUE : at;
        timerSpec.fill((byte) 0);
        timerSpec.set(ValueLayout.JAVA_LONG, 16, at / 1_000_000_000L); // it_value.tv_sec
        timerSpec.set(ValueLayout.JAVA_LONG, 24, at % 1_000_000_000L); // it_value.tv_nsec
        if (LibC.timerfd_settime(wakeState, timerFd.number(), head == null ? 0 : TFD_TIMER_ABSTIME, timerSpec,
            MemorySegment.NULL) < 0) {
            throw new IllegalStateException(new ErrnoException("timerfd_settime", CallState.errno(wakeState)));
        }
    }

    private void drainWakeups() {
        LibC.read(wakeState, wakeFd.number(), wakeBuf, 8); // EAGAIN: nothing to drain
    }

    private void run() {
        poller.ownedBy(Thread.currentThread());
        while (true) {
            try {
                poller.poll(tasks.isEmpty() ? -1 : 0);
            } catch (ErrnoException e) {
                // epoll_wait failing for any reason but EINTR means the epoll fd is gone: a bug.
                throw new IllegalStateException(e);
            }
            wakePending.set(false);
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    Thread.currentThread().getUncaughtExceptionHandler()
                        .uncaughtException(Thread.currentThread(), e);
                }
            }
        }
    }
}
