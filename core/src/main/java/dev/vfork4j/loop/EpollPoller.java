package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.EpollEvent;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One epoll instance and the handler of each fd registered with it. {@link #add},
 * {@link #modify} and {@link #remove} may be called from any thread (epoll_ctl is safe while
 * another thread is in epoll_wait); {@link #poll} is called by the loop thread only, and runs
 * the handlers there.
 *
 * <p>Each registration's events carry a token (the fd in the low 32 bits, a registration count
 * above), not the bare fd number. An event epoll_wait collected just before its fd was
 * removed by another thread can be handled after that number was closed and registered again
 * for something else; its token then no longer matches, and it is dropped. Found by the long
 * soak: with the bare number, such a stale event either ran the new registration's handler
 * or, arriving while no handler was registered, removed the new registration from the epoll
 * set, and that child's exit was never seen.
 */
public final class EpollPoller implements AutoCloseable {

    /** Called on the loop thread with the epoll event bits. Must not block. */
    @FunctionalInterface
    public interface Handler {
        void onEvents(int events);

        /**
         * The loop died while this handler was registered, or it was registered with a loop
         * that had died: no event will ever come, so whatever waits for one must fail with
         * {@code cause}. Called once, on the dying loop thread or on the registering thread.
         */
        default void loopDied(IOException cause) {}
    }

    private final Fd epfd;
    private record Registration(long token, Handler handler) {}

    private final Map<Integer, Registration> registrations = new ConcurrentHashMap<>();
    private final AtomicInteger registrationCount = new AtomicInteger();
    private final Arena arena = Arena.ofShared();
    private final int maxEvents;
    private final MemorySegment events;
    private final MemorySegment pollState;
    /** For epoll_ctl calls made on the loop thread itself (from handlers): no allocation per call. */
    private final MemorySegment loopCtlState, loopEvent;
    private volatile Thread owner;
    /** Why the loop polling this set died, or null. */
    private volatile IOException death;
    /** Set by {@link #breakForTest()}. */
    private volatile boolean broken;
    private final AtomicBoolean closed = new AtomicBoolean();

    EpollPoller(int maxEvents) throws ErrnoException {
        this.maxEvents = maxEvents;
        this.events = arena.allocate(EpollEvent.LAYOUT, maxEvents);
        this.pollState = CallState.allocate(arena);
        this.loopCtlState = CallState.allocate(arena);
        this.loopEvent = arena.allocate(EpollEvent.LAYOUT);
        int fd;
        try {
            fd = Posix.epollCreate(pollState);
        } catch (ErrnoException e) {
            arena.close();
            throw e;
        }
        this.epfd = new Fd(fd);
    }

    /**
     * Registers {@code fd} for {@code events}; the handler runs on the loop thread. With a loop
     * that has died, nothing is registered and the handler's {@link Handler#loopDied} is called
     * at once, on this thread.
     */
    public void add(int fd, int events, Handler handler) throws ErrnoException {
        Registration r = new Registration(((long) registrationCount.incrementAndGet() << 32) | (fd & 0xFFFF_FFFFL), handler);
        registrations.put(fd, r);
        try {
            if (death == null) {
                ctl(EPOLL_CTL_ADD, fd, events, r.token());
            }
        } catch (ErrnoException e) {
            if (death == null) {
                registrations.remove(fd, r);
                throw e;
            }
        }
        // Read after the put: either the dying thread's pass sees this registration, or this
        // thread sees the death, and whichever takes it out of the map tells the handler.
        IOException dead = death;
        if (dead != null && registrations.remove(fd, r)) {
            handler.loopDied(dead);
        }
    }

    /** Changes what {@code fd}, registered by the caller and still open, is watched for. ENOENT when it is not registered. */
    public void modify(int fd, int events) throws ErrnoException {
        Registration r = registrations.get(fd);
        if (r == null) {
            throw Posix.failure("epoll_ctl(MOD, fd=" + fd + ")", ENOENT);
        }
        ctl(EPOLL_CTL_MOD, fd, events, r.token());
    }

    /**
     * Forgets {@code fd}. Call before closing it: a closed fd leaves the epoll set by itself
     * only when no duplicate of it is open anywhere.
     */
    public void remove(int fd) {
        if (registrations.remove(fd) == null) {
            return; // not registered (add puts it in the map before epoll_ctl): nothing to delete
        }
        int ep = epfd.acquire(); // -1 once the loop died and closed it: nothing to delete from
        if (ep < 0) {
            return;
        }
        try {
            // ENOENT (never added) and EBADF (already closed) both mean: not registered.
            if (Thread.currentThread() == owner) {
                Posix.epollDelete(loopCtlState, ep, fd);
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                Posix.epollDelete(CallState.allocate(a), ep, fd);
            }
        } finally {
            epfd.release();
        }
    }

    public int registered() {
        return registrations.size();
    }

    /**
     * One epoll_ctl. The epoll fd is held for the call, so a loop that dies meanwhile cannot
     * close its number and have it reused (by the next loop's epoll set, say) under this call.
     */
    private void ctl(int op, int fd, int events, long token) throws ErrnoException {
        int ep = epfd.acquire();
        if (ep < 0) {
            throw Posix.failure("epoll_ctl(" + Posix.epollOp(op) + ", fd=" + fd + "): the epoll fd is closed", EBADF);
        }
        try {
            if (Thread.currentThread() == owner) {
                EpollEvent.set(loopEvent, events, token);
                Posix.epollCtl(loopCtlState, ep, op, fd, loopEvent);
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment ev = a.allocate(EpollEvent.LAYOUT);
                EpollEvent.set(ev, events, token);
                Posix.epollCtl(CallState.allocate(a), ep, op, fd, ev);
            }
        } finally {
            epfd.release();
        }
    }

    /** Called by the loop thread before it first polls. */
    void ownedBy(Thread loopThread) {
        this.owner = loopThread;
    }

    /**
     * Waits up to {@code timeoutMs} (-1: no limit) and runs the handler of every ready fd.
     * Returns the number of events; 0 when interrupted by a signal (EINTR), which is not an
     * error here: the caller simply polls again. What a handler throws is reported and the
     * other handlers run.
     */
    int poll(int timeoutMs) throws ErrnoException {
        if (broken) {
            throw Posix.failure("epoll_wait(epfd=" + epfd.number() + ")", EBADF);
        }
        int n = Posix.epollWait(pollState, epfd.number(), events, maxEvents, timeoutMs);
        if (n < 0) {
            if (n == -EINTR) {
                return 0;
            }
            throw Posix.failure("epoll_wait(epfd=" + epfd.number() + ")", -n);
        }
        for (int i = 0; i < n; i++) {
            long token = EpollEvent.data(events, i);
            Registration r = registrations.get((int) token);
            if (r == null || r.token() != token) {
                continue; // stale: its registration was removed after epoll_wait collected it
            }
            try {
                r.handler().onEvents(EpollEvent.events(events, i));
            } catch (Throwable t) {
                // A handler's bug must not stop the loop every other child depends on.
                EventLoop.reportUncaught(t);
            }
        }
        return n;
    }

    /**
     * The loop polling this set died: from now on nothing is registered (see {@link #add}),
     * and every handler registered now hears of it. On the dying loop thread.
     */
    void die(IOException cause) {
        death = cause;
        for (Map.Entry<Integer, Registration> e : registrations.entrySet()) {
            if (registrations.remove(e.getKey(), e.getValue())) {
                Handler h = e.getValue().handler();
                EventLoop.runGuarded(() -> h.loopDied(cause));
            }
        }
    }

    /** For tests: the next epoll_wait fails with EBADF, as if the epoll fd had been closed by mistake. */
    void breakForTest() {
        broken = true;
    }

    /** Closes the epoll fd (when no epoll_ctl holds it) and the event memory. Harmless twice. */
    @Override
    public void close() {
        epfd.close();
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

}
