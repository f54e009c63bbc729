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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
     * sooner and no platform thread waits for it ({@link PidFd}): the loop sweeps the new
     * pidfds into its epoll set this long after the first of them came, and not at all otherwise.
     */
    public static final long SWEEP_NANOS = 1_000_000;
    private final long sweepNanos;
    /**
     * The sweep's own timer, armed and disarmed by the threads that add to and take from
     * {@link #unswept} (under {@link #sweepLock}), so that neither wakes the loop thread: a
     * spawn arms it, and a waiter that takes the last pidfd (its child's) disarms it.
     */
    private final Fd sweepTimer;
    /** Guards {@link #unswept}, {@link #sweepArmed}, {@link #sweepSpec} and {@link #sweepState}. */
    private final Object sweepLock = new Object();
    /**
     * Pidfds and captured pipes not yet swept into the epoll set; a platform thread that waits
     * for its child takes the pidfd out ({@link #unsweep}), so most never reach a sweep.
     */
    private final Set<Sweepable> unswept = new LinkedHashSet<>();
    /** The sweep timer is armed: a sweep is due. */
    private boolean sweepArmed;
    private final MemorySegment sweepSpec = arena.allocate(32, 8); // struct itimerspec
    private final MemorySegment sweepState = CallState.allocate(arena);
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

    /** The loop's eventfd (wake-ups), timerfd (deadlines) or sweep timer is readable. */
    private final class OwnFd implements EpollPoller.Handler {
        private final int kind;

        OwnFd(int kind) {
            this.kind = kind;
        }

        @Override
        public void onEvents(int events) {
            switch (kind) {
                case DEADLINES -> runDueDeadlines();
                case SWEEP -> sweepTimerFired();
                default -> drainWakeups();
            }
        }
    }

    private static final int WAKE_UPS = 0;
    private static final int DEADLINES = 1;
    private static final int SWEEP = 2;

    /** The loop thread's body. */
    private final class Task implements Runnable {
        @Override
        public void run() {
            EventLoop.this.run();
        }
    }

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
        Fd sweeps = null;
        try {
            p = new EpollPoller(256);
            int fd = Posix.eventfd(wakeState);
            wake = new Fd(fd);
            p.add(fd, EPOLLIN, new OwnFd(WAKE_UPS));
            int tfd = Posix.timerfdCreate(wakeState);
            timer = new Fd(tfd);
            p.add(tfd, EPOLLIN, new OwnFd(DEADLINES));
            int sfd = Posix.timerfdCreate(wakeState);
            sweeps = new Fd(sfd);
            p.add(sfd, EPOLLIN, new OwnFd(SWEEP));
        } catch (ErrnoException | RuntimeException | Error e) {
            // Half a loop keeps nothing: with one fd left, the epoll fd must not stay open.
            if (sweeps != null) {
                sweeps.close();
            }
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
        this.sweepTimer = sweeps;
        Thread t = new Thread(new Task(), name); // not Thread.ofPlatform(): its builder classes are not in the JDK's CDS archive
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
     * {@link Sweepable#watch() watches} it or {@link #unsweep takes it} before. Wakes nobody:
     * the first one after a sweep arms the sweep timer, {@link #sweepNanos} from now. Any thread.
     */
    void watchSoon(Sweepable pidfd) {
        synchronized (sweepLock) {
            if (death == null) {
                unswept.add(pidfd);
                if (!sweepArmed) {
                    setSweepTimer(sweepNanos);
                }
                return;
            }
        }
        runGuarded(() -> pidfd.loopDied(death)); // died: nobody will sweep (its unswept were failed under the lock)
    }

    /**
     * Takes {@code pidfd} out of the next sweep, as a platform thread begins to poll it itself;
     * when it was the last, the sweep timer is disarmed, and the loop thread is not woken for
     * nothing. Returns whether it was there: the caller gives it back ({@link #watchSoon}) if
     * it leaves before the child's end. Any thread.
     */
    boolean unsweep(Sweepable pidfd) {
        synchronized (sweepLock) {
            if (!unswept.remove(pidfd)) {
                return false;
            }
            if (unswept.isEmpty() && sweepArmed) {
                setSweepTimer(0);
            }
            return true;
        }
    }

    /**
     * Arms the sweep timer {@code nanos} from now, or disarms it (0). Under {@link #sweepLock}.
     * Never throws: it runs inside a spawn, after the child exists. Should timerfd_settime fail
     * (it cannot, for a valid fd and time), an arming becomes a sweep on the loop at once (early
     * but correct), and a failed disarming leaves a sweep that finds nothing.
     */
    private void setSweepTimer(long nanos) {
        int fd = sweepTimer.acquire();
        if (fd < 0) {
            return; // released: the loop has died, and its unswept were failed
        }
        try {
            setItValue(sweepSpec, nanos);
            Posix.timerfdSettime(sweepState, fd, 0, sweepSpec);
            sweepArmed = nanos > 0;
        } catch (ErrnoException | RuntimeException e) {
            if (nanos > 0) {
                execute(sweepNow);
            }
        } finally {
            sweepTimer.release();
        }
    }

    /** Fills the struct itimerspec {@code spec}: no interval, it_value {@code nanos} (0 disarms). */
    private static void setItValue(MemorySegment spec, long nanos) {
        spec.fill((byte) 0);
        spec.set(ValueLayout.JAVA_LONG, 16, nanos / 1_000_000_000L); // it_value.tv_sec
        spec.set(ValueLayout.JAVA_LONG, 24, nanos % 1_000_000_000L); // it_value.tv_nsec
    }

    /** The sweep timer fired (loop thread). */
    private void sweepTimerFired() {
        synchronized (sweepLock) {
            // Under the lock, as arming and disarming are: EAGAIN means the timer was set again
            // after it fired (disarmed by the last unsweep, or armed anew), and that setting stands.
            if (Posix.read(wakeState, sweepTimer.number(), wakeBuf, 8) < 0) {
                return;
            }
            sweepArmed = false;
        }
        sweep();
    }

    /** What is still unswept goes into the epoll set (loop thread). */
    private void sweep() {
        List<Sweepable> batch;
        synchronized (sweepLock) {
            if (unswept.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(unswept);
            unswept.clear();
        }
        for (Sweepable p : batch) {
            p.watch();
        }
    }

    private final Runnable sweepNow = new Runnable() {
        @Override
        public void run() {
            sweep();
        }
    };

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
        setItValue(timerSpec, at);
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
        List<Sweepable> batch;
        synchronized (sweepLock) {
            batch = new ArrayList<>(unswept);
            unswept.clear();
        }
        for (Sweepable dead : batch) {
            runGuarded(() -> dead.loopDied(cause));
        }
    }

    /** Closes the fds and memory of a loop that never ran or has died; fds in use are closed when released. */
    private void release() {
        sweepTimer.close();
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
