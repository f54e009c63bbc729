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
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The library's one event-loop thread ("vfork4j-loop"): it waits on every pidfd and pipe with
 * epoll and runs the tasks other threads hand it. An eventfd wakes it from other threads.
 * Deadlines use one timerfd (CLOCK_MONOTONIC, absolute, armed for the earliest deadline), so
 * {@link System#nanoTime()} values can be used as deadlines directly: HotSpot's nanoTime is
 * CLOCK_MONOTONIC on Linux. There is no thread per child and no polling: the thread sleeps in
 * epoll_wait until the kernel has something to say.
 *
 * <p>The thread survives whatever a task or handler throws, and whatever the uncaught-exception
 * handler it reports to throws in turn. Should it end all the same (epoll_wait failing, an
 * Error in its own bookkeeping), nothing waits on it silently: every registered handler hears
 * of the death ({@link EpollPoller.Handler#loopDied}), so exits, pipe reads and writes fail
 * with the cause, a handler registered later hears of it at once, and {@link #shared()}
 * starts a new loop for new children. Deadlines not yet due never run; the exits they were
 * for fail instead.
 */
public final class EventLoop {
    /**
     * The loop new children are given. Started at first use, not in a static initialiser, and
     * started again when it could not be (no fd free, no thread) or has died: a failure is
     * never kept for the JVM's life. Written under the class lock.
     */
    private static volatile EventLoop shared;

    /**
     * The shared loop, started on first use, and replaced by a new one if it died.
     *
     * @throws ErrnoException the loop's epoll fd, eventfd or timerfd could not be made (EMFILE…);
     *     the next call tries again
     * @throws IOException the loop's thread could not be started; the next call tries again
     */
    public static EventLoop shared() throws IOException {
        EventLoop l = shared;
        if (l != null && l.death == null) {
            return l;
        }
        synchronized (EventLoop.class) {
            l = shared;
            if (l == null || l.death != null) {
                l = create("vfork4j-loop", SWEEP_NANOS);
                shared = l;
            }
            return l;
        }
    }

    private final EpollPoller poller;
    private final Fd wakeFd;
    /** Why the loop thread ended, or null while it runs. */
    private volatile IOException death;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment wakeState = CallState.allocate(arena);
    private final MemorySegment wakeBuf = arena.allocate(ValueLayout.JAVA_LONG);
    /** An errno segment for handlers, which all run on the loop thread. */
    final MemorySegment scratchState = CallState.allocate(arena);
    /** See {@link #scratch()}; loop thread only. */
    private MemorySegment scratch;
    final MemorySegment scratchSiginfo = arena.allocate(dev.vfork4j.linux.Siginfo.REAP_LAYOUT);
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
    /** Pidfds and captured pipes not yet swept into the epoll set; most are done with by a waiting thread before. */
    private final Queue<Sweepable> unswept = new ConcurrentLinkedQueue<>();
    /** A sweep is scheduled (or running and about to reschedule itself). */
    private final AtomicBoolean sweepScheduled = new AtomicBoolean();
    /**
     * Platform threads waiting in poll(2) for this loop's children ({@link KernelWait}): they
     * need no loop, but are woken at its death to fail as every wait on the loop fails then
     * (a timeout's deadline, for one, died with it).
     */
    final Set<KernelWait> kernelWaits = ConcurrentHashMap.newKeySet();

    /*
     * The loop's own tasks and handlers on a first spawn's path are small classes rather than
     * lambdas: each lambda's first run spins a class, which a fresh JVM's first spawn paid for
     * (docs/startup.md).
     */

    /** Puts a deadline in the queue and arms the timer for it (loop thread), unless it was cancelled meanwhile. */
    private final class Enqueue implements Runnable {
        private final Deadline deadline;

        Enqueue(Deadline deadline) {
            this.deadline = deadline;
        }

        @Override
        public void run() {
            if (!deadline.cancelled) {
                deadlines.add(deadline);
                arm();
            }
        }
    }

    /** The loop's eventfd (wake-ups) or timerfd (deadlines) is readable. */
    private final class OwnFd implements EpollPoller.Handler {
        private final boolean timer;

        OwnFd(boolean timer) {
            this.timer = timer;
        }

        @Override
        public void onEvents(int events) {
            if (timer) {
                runDueDeadlines();
            } else {
                drainWakeups();
            }
        }
    }

    /** The loop thread's body; a sweep of new pidfds. */
    private final class Task implements Runnable {
        private final boolean sweep;

        Task(boolean sweep) {
            this.sweep = sweep;
        }

        @Override
        public void run() {
            if (sweep) {
                sweep();
            } else {
                EventLoop.this.run();
            }
        }
    }

    private final Runnable sweepTask = new Task(true);

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
        EpollPoller p = null;
        Fd wake = null;
        Fd timer = null;
        try {
            p = new EpollPoller(256);
            int fd = Posix.eventfd(wakeState);
            wake = new Fd(fd);
            p.add(fd, EPOLLIN, new OwnFd(false));
            int tfd = Posix.timerfdCreate(wakeState);
            timer = new Fd(tfd);
            p.add(tfd, EPOLLIN, new OwnFd(true));
        } catch (ErrnoException | RuntimeException | Error e) {
            // Half a loop keeps nothing: with one fd left, the epoll fd must not stay open.
            if (timer != null) {
                timer.close();
            }
            if (wake != null) {
                wake.close();
            }
            if (p != null) {
                p.close();
            }
            arena.close();
            throw e;
        }
        this.poller = p;
        this.wakeFd = wake;
        this.timerFd = timer;
        Thread t = new Thread(new Task(false), name); // not Thread.ofPlatform(): its builder classes are not in the JDK's CDS archive
        t.setDaemon(true);
        this.thread = t;
    }

    /** Makes a loop and starts its thread; on failure nothing is left open. */
    static EventLoop create(String name, long sweepNanos) throws IOException {
        EventLoop loop = new EventLoop(name, sweepNanos);
        try {
            loop.thread.start();
        } catch (OutOfMemoryError e) {
            // "unable to create native thread": a thread or process limit reached, for the moment.
            loop.release();
            throw new IOException("cannot start the thread " + name + ": " + e.getMessage(), e);
        }
        return loop;
    }

    static EventLoop start(String name) {
        return start(name, SWEEP_NANOS);
    }

    /** A loop of its own that sweeps new pidfds into its epoll set every {@code sweepNanos}: for tests. */
    public static EventLoop start(String name, long sweepNanos) {
        try {
            return create(name, sweepNanos);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the vfork4j event loop: " + e.getMessage(), e);
        }
    }

    /**
     * A read and write buffer for handlers (loop thread only), made at the first handler that
     * needs one: 1 MiB, zeroed, which cost the first spawn of a JVM some milliseconds of page
     * faults when the loop was made, though a child whose output nobody pipes never uses it.
     */
    MemorySegment scratch() {
        MemorySegment s = scratch;
        if (s == null) {
            s = arena.allocate(PipeReader.STREAMING_BUFFER);
            scratch = s;
        }
        return s;
    }

    public EpollPoller poller() {
        return poller;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the loop thread, soon. A loop that has died runs nothing more: at its
     * death it failed everything that was waiting on it (see {@link #death()}).
     */
    public void execute(Runnable task) {
        if (death != null) {
            return;
        }
        tasks.add(task);
        if (exiting) {
            LockSupport.unpark(thread); // parked between polls rather than in epoll_wait (ExitWake)
        }
        if (!inLoop() && wakePending.compareAndSet(false, true)) {
            // One 8-byte write per batch of tasks; the loop resets wakePending before draining.
            signal(wakeFd); // nothing once the loop died and closed it: nobody to wake
        }
    }

    /**
     * Adds one to the counter of the eventfd {@code eventFd}, waking whoever polls it; does
     * nothing once the fd is closed (it is held meanwhile, so its number is never another
     * file's). Any thread.
     */
    static void signal(Fd eventFd) {
        int fd = eventFd.acquire();
        if (fd < 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(a);
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            Posix.write(st, fd, one, 8); // EAGAIN only if the counter is full: awake already
        } finally {
            eventFd.release();
        }
    }

    /** Why this loop died, or null while it runs. */
    public IOException death() {
        return death;
    }

    /**
     * Runs {@code task} on the loop thread at {@code nanoTime} (a {@link System#nanoTime()}
     * value), or soon after. Any thread.
     */
    public Deadline schedule(long nanoTime, Runnable task) {
        Deadline d = new Deadline(nanoTime, task);
        execute(new Enqueue(d));
        return d;
    }

    /**
     * Has {@code pidfd} (or a captured pipe) watched at the next sweep unless someone
     * {@link Sweepable#watch() watches} it before. Only the first spawn after a quiet spell wakes the loop (to schedule the
     * sweep); while spawns go on, each sweep schedules the next from the loop thread itself.
     */
    void watchSoon(Sweepable pidfd) {
        unswept.add(pidfd);
        if (death != null) {
            failUnswept(death); // died meanwhile: nobody will sweep
            return;
        }
        scheduleSweep();
    }

    /** Schedules a sweep unless one is; from the loop thread this wakes nobody (execute only queues). */
    private void scheduleSweep() {
        if (sweepScheduled.compareAndSet(false, true)) {
            schedule(System.nanoTime() + sweepNanos, sweepTask);
        }
    }

    private void sweep() {
        // Cleared before draining: a pidfd added after the drain finds it clear and schedules a sweep.
        sweepScheduled.set(false);
        boolean any = false;
        Sweepable p;
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
        Posix.read(wakeState, timerFd.number(), wakeBuf, 8); // the expiration count; EAGAIN if already read
        armedFor = Long.MAX_VALUE;
        long now = System.nanoTime();
        Deadline d;
        while ((d = deadlines.peek()) != null && d.at - now <= 0) {
            deadlines.poll();
            if (!d.cancelled) {
                runGuarded(d.task);
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
        try {
            Posix.timerfdSettime(wakeState, timerFd.number(), head == null ? 0 : TFD_TIMER_ABSTIME, timerSpec);
        } catch (ErrnoException e) {
            throw new IllegalStateException(e);
        }
    }

    private void drainWakeups() {
        Posix.read(wakeState, wakeFd.number(), wakeBuf, 8); // EAGAIN: nothing to drain
    }

    /**
     * The loop. Nothing a task or handler throws reaches this level (see {@link #runGuarded}):
     * only epoll_wait failing (its fd gone: a bug) or an Error in the loop's own bookkeeping
     * can end it, and then {@link #die} fails everything that waits on it.
     */
    private void run() {
        try {
            poller.ownedBy(Thread.currentThread());
            ExitWake.register();
            while (true) {
                // Once the JVM is exiting, never wait in epoll_wait (see ExitWake): poll, and park.
                poller.poll(tasks.isEmpty() && !exiting ? -1 : 0);
                wakePending.set(false);
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    runGuarded(task);
                }
                if (exiting && tasks.isEmpty()) {
                    LockSupport.parkNanos(EXIT_POLL_NANOS);
                }
            }
        } catch (Throwable t) {
            die(t);
        }
    }

    /**
     * Set by {@link ExitWake} when the JVM begins to shut down: from then on loop threads poll
     * their epoll set and park in between instead of waiting in epoll_wait.
     */
    private static volatile boolean exiting;

    /** Whether the JVM has begun to shut down (see {@link ExitWake}): waits then stay out of native code. */
    static boolean exiting() {
        return exiting;
    }

    /** How long an exiting loop parks between two polls: the latency of the children's events during shutdown hooks. */
    static final long EXIT_POLL_NANOS = 1_000_000;

    /**
     * Takes the shared loop's thread out of epoll_wait when the JVM shuts down. HotSpot's exit
     * waits for every Java thread that is in native code, up to
     * {@code UserThreadWaitAttemptsAtExit} × 10 ms, 300 ms by default
     * ({@code VM_Exit::wait_for_threads_in_native_to_block}), and a loop thread blocked in
     * epoll_wait through a downcall is in native: every JVM that had spawned a child took
     * 300 ms longer to exit (docs/startup.md). The hook runs before that wait; the loop keeps
     * serving children meanwhile (other shutdown hooks may start and wait for some), polling
     * every {@link #EXIT_POLL_NANOS} and parked in between, which is not native. Registered
     * once per JVM, by the first loop thread, so the spawning thread does not pay for it.
     */
    private static final class ExitWake implements Runnable {
        private static final AtomicBoolean REGISTERED = new AtomicBoolean();

        static void register() {
            if (REGISTERED.compareAndSet(false, true)) {
                try {
                    Runtime.getRuntime().addShutdownHook(new Thread(new ExitWake(), "vfork4j-exit"));
                } catch (IllegalStateException e) {
                    exiting = true; // the JVM is shutting down already: this loop never waits in epoll_wait
                }
            }
        }

        @Override
        public void run() {
            exiting = true;
            EventLoop l = shared;
            if (l != null) {
                l.execute(NOTHING); // wakes it out of epoll_wait; it sees exiting from then on
                // Platform threads waiting for a child in poll(2) are in native code too: woken,
                // they see exiting and poll without blocking from then on (KernelWait.poll).
                l.kernelWaits.forEach(KernelWait::wake);
            }
        }
    }

    private static final Runnable NOTHING = new Runnable() {
        @Override
        public void run() {
        }
    };

    /**
     * Runs {@code task}, and reports what it throws to this thread's uncaught-exception handler.
     * Whatever the task or the handler throws (a default handler may rethrow), the loop goes on:
     * every child in the JVM depends on it.
     */
    static void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            reportUncaught(t);
        }
    }

    /** Hands {@code t} to this thread's uncaught-exception handler; never throws. */
    static void reportUncaught(Throwable t) {
        Thread self = Thread.currentThread();
        try {
            self.getUncaughtExceptionHandler().uncaughtException(self, t);
        } catch (Throwable handlerFailure) {
            try {
                System.err.println(self.getName() + ": the uncaught-exception handler threw " + handlerFailure
                    + " while reporting " + t);
            } catch (Throwable ignored) {
                // nothing left to report with
            }
        }
    }

    /**
     * The loop thread is ending: everything that waits on this loop fails with the cause, from
     * now on too (a handler registered later hears of the death at once), and
     * {@link #shared()} starts a new loop for new children. Each step is on its own, so one that
     * fails (no memory, say) does not keep the others from running.
     */
    private void die(Throwable cause) {
        IOException failure = new IOException("the vfork4j event loop thread " + thread.getName() + " died: " + cause,
            cause);
        death = failure;
        runGuarded(() -> reportUncaught(cause));
        runGuarded(() -> poller.die(failure));
        runGuarded(() -> failUnswept(failure));
        runGuarded(() -> kernelWaits.forEach(KernelWait::wake)); // after death is set: each looks at it when woken
        runGuarded(() -> {
            tasks.clear();
            deadlines.clear();
        });
        runGuarded(this::release);
    }

    private void failUnswept(IOException cause) {
        Sweepable p;
        while ((p = unswept.poll()) != null) {
            Sweepable dead = p;
            runGuarded(() -> dead.loopDied(cause));
        }
    }

    /** Closes the fds and memory of a loop that never ran or has died; fds in use are closed when released. */
    private void release() {
        timerFd.close();
        wakeFd.close();
        poller.close();
        arena.close();
    }

    /** For tests: makes epoll_wait fail as if the epoll fd had gone, which the loop cannot survive. */
    void breakEpollForTest() {
        poller.breakForTest();
        execute(() -> { });
    }
}
