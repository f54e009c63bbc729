package dev.vfork4j.linux;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one file descriptor. Closing is idempotent, and a close that races with a call in
 * progress ({@link #acquire()} … {@link #release()}) is deferred until that call returns, so
 * the number is never closed, reused by another open and then read by a stale caller.
 */
public final class Fd implements AutoCloseable {
    private static final int CLOSED_BIT = 1 << 30;

    private final int fd;
    /** Count of calls in progress, plus {@link #CLOSED_BIT} once close was asked for. */
    private final AtomicInteger state = new AtomicInteger();

    public Fd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must be >= 0: " + fd);
        }
        this.fd = fd;
    }

    /** The number, for calls that only pass it on and need no protection against close. */
    public int number() {
        return fd;
    }

    /**
     * Marks a call in progress and returns the number, or -1 when this fd is already closed.
     * Every successful acquire must be paired with {@link #release()}.
     */
    public int acquire() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED_BIT) != 0) {
                return -1;
            }
            if (state.compareAndSet(s, s + 1)) {
                return fd;
            }
        }
    }

    public void release() {
        if (state.decrementAndGet() == CLOSED_BIT) {
            closeNow();
        }
    }

    public boolean isClosed() {
        return (state.get() & CLOSED_BIT) != 0;
    }

    /** Closes the descriptor now, or when the last call in progress returns. Harmless twice. */
    @Override
    public void close() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED_BIT) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED_BIT)) {
                if (s == 0) {
                    closeNow();
                }
                return;
            }
        }
    }

    private void closeNow() {
        Posix.close(fd);
    }

    @Override
    public String toString() {
        return "fd " + fd + (isClosed() ? " (closed)" : "");
    }
}
