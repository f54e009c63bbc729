package dev.vfork4j.linux;

import java.io.IOException;

/**
 * A system call that failed, with the call and its arguments in the message:
 * {@code epoll_ctl(ADD, fd=12): EBADF (Bad file descriptor)}. Made by {@link Posix} only, the
 * one place an errno becomes an exception.
 */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    ErrnoException(String call, int errno) {
        super(call + ": " + Errno.name(errno) + " (" + Errno.description(errno) + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }
}
