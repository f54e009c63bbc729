package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.EpollEvent;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One epoll instance and the handler of each fd registered with it. {@link #add},
 * {@link #modify} and {@link #remove} may be called from any thread (epoll_ctl is safe while
 * another thread is in epoll_wait); {@link #poll} is called by the loop thread only, and runs
 * the handlers there. An event for an fd with no handler is removed and ignored.
 */
public final class EpollPoller implements AutoCloseable {

    /** Called on the loop thread with the epoll event bits. Must not block. */
    @FunctionalInterface
    public interface Handler {
        void onEvents(int events);
    }

    private final Fd epfd;
    private final Map<Integer, Handler> handlers = new ConcurrentHashMap<>();
    private final Arena arena = Arena.ofShared();
    private final int maxEvents;
    private final MemorySegment events;
    private final MemorySegment pollState;
    /** For epoll_ctl calls made on the loop thread itself (from handlers): no allocation per call. */
    private final MemorySegment loopCtlState, loopEvent;
    private volatile Thread owner;

    EpollPoller(int maxEvents) throws ErrnoException {
        this.maxEvents = maxEvents;
        this.events = arena.allocate(EpollEvent.LAYOUT, maxEvents);
        this.pollState = CallState.allocate(arena);
        this.loopCtlState = CallState.allocate(arena);
        this.loopEvent = arena.allocate(EpollEvent.LAYOUT);
        int fd = LibC.epoll_create1(pollState, EPOLL_CLOEXEC);
        if (fd < 0) {
            arena.close();
            throw new ErrnoException("epoll_create1(EPOLL_CLOEXEC)", CallState.errno(pollState));
        }
        this.epfd = new Fd(fd);
    }

    /** Registers {@code fd} for {@code events}; the handler runs on the loop thread. */
    public void add(int fd, int events, Handler handler) throws ErrnoException {
        handlers.put(fd, handler);
        try {
            ctl(EPOLL_CTL_ADD, "ADD", fd, events);
        } catch (ErrnoException e) {
            handlers.remove(fd, handler);
            throw e;
        }
    }

    public void modify(int fd, int events) throws ErrnoException {
        ctl(EPOLL_CTL_MOD, "MOD", fd, events);
    }

    /**
     * Forgets {@code fd}. Call before closing it: a closed fd leaves the epoll set by itself
     * only when no duplicate of it is open anywhere.
     */
    public void remove(int fd) {
        handlers.remove(fd);
        if (Thread.currentThread() == owner) {
            LibC.epoll_ctl(loopCtlState, epfd.number(), EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(a);
            LibC.epoll_ctl(st, epfd.number(), EPOLL_CTL_DEL, fd, MemorySegment.NULL);
            // ENOENT (never added) and EBADF (already closed) both mean: not registered.
        }
    }

    public int registered() {
        return handlers.size();
    }

    private void ctl(int op, String opName, int fd, int events) throws ErrnoException {
        if (Thread.currentThread() == owner) {
            EpollEvent.set(loopEvent, events, fd);
            if (LibC.epoll_ctl(loopCtlState, epfd.number(), op, fd, loopEvent) < 0) {
                throw new ErrnoException("epoll_ctl(" + opName + ", fd=" + fd + ")", CallState.errno(loopCtlState));
            }
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(a);
            MemorySegment ev = a.allocate(EpollEvent.LAYOUT);
            EpollEvent.set(ev, events, fd);
            if (LibC.epoll_ctl(st, epfd.number(), op, fd, ev) < 0) {
                throw new ErrnoException("epoll_ctl(" + opName + ", fd=" + fd + ")", CallState.errno(st));
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} (-1: no limit) and runs the handler of every ready fd.
     * Returns the number of events; 0 when interrupted by a signal (EINTR), which is not an
     * error here: the caller simply polls again.
     */
    /** Called by the loop thread before it first polls. */
    void ownedBy(Thread loopThread) {
        this.owner = loopThread;
    }

    int poll(int timeoutMs) throws ErrnoException {
        int n = LibC.epoll_wait(pollState, epfd.number(), events, maxEvents, timeoutMs);
        if (n < 0) {
            int errno = CallState.errno(pollState);
            if (errno == EINTR) {
                return 0;
            }
            throw new ErrnoException("epoll_wait(epfd=" + epfd.number() + ")", errno);
        }
        for (int i = 0; i < n; i++) {
            int fd = (int) EpollEvent.data(events, i);
            int ev = EpollEvent.events(events, i);
            Handler h = handlers.get(fd);
            if (h == null) {
                remove(fd);
                continue;
            }
            try {
                h.onEvents(ev);
            } catch (RuntimeException | Error e) {
                // A handler's bug must not stop the loop every other child depends on.
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }
        return n;
    }

    @Override
    public void close() {
        epfd.close();
        arena.close();
    }
}
