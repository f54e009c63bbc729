package dev.vfork4j.linux;

import static dev.vfork4j.linux.Linux.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The one place where {@code -1} plus errno becomes an {@link ErrnoException} naming the call
 * and its arguments ({@code LayeringTest} checks that no other class makes one). Two tiers:
 *
 * <ul>
 *   <li>Calls that throw: each allocates what it needs (its errno segment among it) and turns
 *       a failure into an ErrnoException. EINTR and EAGAIN are handled as each method says.</li>
 *   <li>The allocation-free tier, for the event loop's and the waits' hot paths: the caller
 *       passes the errno segment it owns ({@link CallState#allocate}), and the call returns its
 *       result, or {@code -errno} when it failed; the caller handles the errnos it expects
 *       (EAGAIN, EINTR) and, for any other, throws {@link #failure}. Calls that only fail for a
 *       reason the caller must report ({@link #epollCtl}, {@link #eventfd}…) throw at once.</li>
 * </ul>
 */
public final class Posix {
    private Posix() {}

    // ---- the allocation-free tier: the caller's errno segment; the result, or -errno ----

    /**
     * The exception for a call of the allocation-free tier that failed with {@code errno}.
     *
     * @param call   the call and its arguments, as the message names them: {@code "read(fd=12)"}
     * @param errno  the errno, positive
     * @return the exception, to throw or to complete a future with
     */
    public static ErrnoException failure(String call, int errno) {
        return new ErrnoException(call, errno);
    }

    /** {@code read(fd, buf, count)}: the bytes read (0 at the end), or -errno. */
    public static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
        long n = LibC.read(state, fd, buf, count);
        return n >= 0 ? n : -CallState.errno(state);
    }

    /** {@code write(fd, buf, count)}: the bytes written, or -errno. */
    public static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
        long n = LibC.write(state, fd, buf, count);
        return n >= 0 ? n : -CallState.errno(state);
    }

    /** {@code poll(fds, nfds, timeoutMs)}: how many fds are ready (0: the time ran out), or -errno. */
    public static int poll(MemorySegment state, MemorySegment fds, long nfds, int timeoutMs) {
        int n = LibC.poll(state, fds, nfds, timeoutMs);
        return n >= 0 ? n : -CallState.errno(state);
    }

    /** {@code epoll_wait(epfd, events, max, timeoutMs)}: how many events were written, or -errno. */
    public static int epollWait(MemorySegment state, int epfd, MemorySegment events, int max, int timeoutMs) {
        int n = LibC.epoll_wait(state, epfd, events, max, timeoutMs);
        return n >= 0 ? n : -CallState.errno(state);
    }

    /** {@code waitid(idtype, id, info, options)}: 0, or -errno. */
    public static int waitid(MemorySegment state, int idtype, int id, MemorySegment info, int options) {
        return LibC.waitid(state, idtype, id, info, options) == 0 ? 0 : -CallState.errno(state);
    }

    /**
     * The raw {@code waitid(idtype, id, info, options, rusage)} system call (glibc's wrapper
     * passes no rusage): {@code reap} is a {@link Siginfo#REAP_LAYOUT} block, the siginfo first
     * and the reaped child's {@link Rusage} at {@link Siginfo#REAP_USAGE}. 0, or -errno.
     */
    public static int waitidWithUsage(MemorySegment state, int idtype, int id, MemorySegment reap, int options) {
        if (reap.byteSize() < Siginfo.REAP_LAYOUT.byteSize()) {
            throw new IllegalArgumentException("a reap needs " + Siginfo.REAP_LAYOUT.byteSize() + " bytes: " + reap.byteSize());
        }
        long r = LibC.syscall(state, Arch.require().sysWaitid, idtype, id, reap.address(), options,
            reap.address() + Siginfo.REAP_USAGE);
        return r == 0 ? 0 : -CallState.errno(state);
    }

    /** {@code fcntl(fd, cmd, arg)}: its result, or -errno. */
    public static int fcntl(MemorySegment state, int fd, int cmd, int arg) {
        int r = LibC.fcntl(state, fd, cmd, arg);
        return r >= 0 ? r : -CallState.errno(state);
    }

    /** {@code pidfd_send_signal(pidfd, signal, NULL, flags)}: 0, or -errno (ESRCH: the process is gone). */
    public static int pidfdSendSignal(MemorySegment state, int pidfd, int signal, long flags) {
        return LibC.syscall(state, SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, flags) == 0 ? 0 : -CallState.errno(state);
    }

    /** {@code kill(pid, signal)} (a negative pid: the group -pid): 0, or -errno (ESRCH: nobody there). */
    public static int kill(MemorySegment state, int pid, int signal) {
        return LibC.kill(state, pid, signal) == 0 ? 0 : -CallState.errno(state);
    }

    /** {@code epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL)}: 0, or -errno (ENOENT: not in the set; EBADF: closed). */
    public static int epollDelete(MemorySegment state, int epfd, int fd) {
        return LibC.epoll_ctl(state, epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL) == 0 ? 0 : -CallState.errno(state);
    }

    /** {@code epoll_create1(EPOLL_CLOEXEC)}: the epoll fd. */
    public static int epollCreate(MemorySegment state) throws ErrnoException {
        int fd = LibC.epoll_create1(state, EPOLL_CLOEXEC);
        if (fd < 0) {
            throw new ErrnoException("epoll_create1(EPOLL_CLOEXEC)", CallState.errno(state));
        }
        return fd;
    }

    /**
     * {@code epoll_ctl(epfd, op, fd, event)}; for EPOLL_CTL_DEL, {@code event} may be NULL.
     * The message names the operation: {@code epoll_ctl(ADD, fd=12): EBADF (Bad file descriptor)}.
     */
    public static void epollCtl(MemorySegment state, int epfd, int op, int fd, MemorySegment event)
        throws ErrnoException {
        if (LibC.epoll_ctl(state, epfd, op, fd, event) < 0) {
            throw new ErrnoException("epoll_ctl(" + epollOp(op) + ", fd=" + fd + ")", CallState.errno(state));
        }
    }

    /** ADD, MOD or DEL, as epoll_ctl's errors name the operation. */
    public static String epollOp(int op) {
        return op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" : op == EPOLL_CTL_DEL ? "DEL" : String.valueOf(op);
    }

    /** {@code eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)}: the eventfd. */
    public static int eventfd(MemorySegment state) throws ErrnoException {
        int fd = LibC.eventfd(state, 0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0) {
            throw new ErrnoException("eventfd(EFD_CLOEXEC|EFD_NONBLOCK)", CallState.errno(state));
        }
        return fd;
    }

    /** {@code timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)}: the timerfd. */
    public static int timerfdCreate(MemorySegment state) throws ErrnoException {
        int fd = LibC.timerfd_create(state, CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (fd < 0) {
            throw new ErrnoException("timerfd_create(CLOCK_MONOTONIC)", CallState.errno(state));
        }
        return fd;
    }

    /** {@code timerfd_settime(fd, flags, spec, NULL)}. */
    public static void timerfdSettime(MemorySegment state, int fd, int flags, MemorySegment spec)
        throws ErrnoException {
        if (LibC.timerfd_settime(state, fd, flags, spec, MemorySegment.NULL) < 0) {
            throw new ErrnoException("timerfd_settime(fd=" + fd + ")", CallState.errno(state));
        }
    }

    // ---- calls that throw ----

    /** {@code pipe2(O_CLOEXEC)}: returns {read end, write end}. */
    public static int[] pipe() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            if (LibC.pipe2(st, fds, O_CLOEXEC) < 0) {
                throw new ErrnoException("pipe2(O_CLOEXEC)", CallState.errno(st));
            }
            return new int[] {fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1)};
        }
    }

    /** Sets O_NONBLOCK on {@code fd}, keeping its other status flags. */
    public static void setNonBlocking(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            int flags = LibC.fcntl(st, fd, F_GETFL, 0);
            if (flags < 0) {
                throw new ErrnoException("fcntl(fd=" + fd + ", F_GETFL)", CallState.errno(st));
            }
            if (LibC.fcntl(st, fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                throw new ErrnoException("fcntl(fd=" + fd + ", F_SETFL, O_NONBLOCK)", CallState.errno(st));
            }
        }
    }

    /**
     * Sets O_NONBLOCK as {@code fd}'s only status flag, in one fcntl: for an end of a pipe
     * {@link #pipe()} just made, whose status flags are known (none; F_SETFL keeps the access
     * mode), so the F_GETFL of {@link #setNonBlocking} would tell nothing.
     */
    public static void setNonBlockingFreshPipe(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            if (LibC.fcntl(st, fd, F_SETFL, O_NONBLOCK) < 0) {
                throw new ErrnoException("fcntl(fd=" + fd + ", F_SETFL, O_NONBLOCK)", CallState.errno(st));
            }
        }
    }

    /** {@code fcntl(F_DUPFD_CLOEXEC, min)}: a close-on-exec copy of {@code fd} numbered at least {@code min}. */
    public static int dupCloexec(int fd, int min) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            int r = LibC.fcntl(st, fd, F_DUPFD_CLOEXEC, min);
            if (r < 0) {
                throw new ErrnoException("fcntl(fd=" + fd + ", F_DUPFD_CLOEXEC, " + min + ")", CallState.errno(st));
            }
            return r;
        }
    }

    /**
     * {@code dup3(from, to, O_CLOEXEC)}: {@code to} becomes a close-on-exec copy of {@code from},
     * whatever it referred to before (released in the same step, so the number is never free).
     */
    public static void dup3Cloexec(int from, int to) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            if (LibC.syscall(st, Arch.require().sys.dup3(), from, to, O_CLOEXEC, 0) < 0) {
                throw new ErrnoException("dup3(" + from + ", " + to + ", O_CLOEXEC)", CallState.errno(st));
            }
        }
    }

    /** {@code memfd_create(name, MFD_CLOEXEC)}: an empty anonymous file, its own inode. */
    public static int memfdCreate(String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            long fd = LibC.syscall(st, Arch.require() == Arch.X86_64 ? 319 : 279,
                arena.allocateFrom(name).address(), 1 /* MFD_CLOEXEC */);
            if (fd < 0) {
                throw new ErrnoException("memfd_create(\"" + name + "\")", CallState.errno(st));
            }
            return (int) fd;
        }
    }

    /**
     * The file {@code fd} refers to, as {@code fstat} names it: {st_dev, st_ino} (the first two
     * fields of struct stat on x86_64 and aarch64 alike).
     */
    public static long[] fileIdentity(int fd) throws ErrnoException {
        boolean x86 = Arch.require() == Arch.X86_64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment stat = arena.allocate(256, 8);
            if (LibC.syscall(st, x86 ? 5 : 80, fd, stat.address()) < 0) {
                throw new ErrnoException("fstat(fd=" + fd + ")", CallState.errno(st));
            }
            return new long[] {stat.get(ValueLayout.JAVA_LONG, 0), stat.get(ValueLayout.JAVA_LONG, 8)};
        }
    }

    /** True when {@code fd} is open in this process (fcntl(F_GETFD) does not fail with EBADF). */
    public static boolean isOpen(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return LibC.fcntl(CallState.allocate(arena), fd, F_GETFD, 0) >= 0;
        }
    }

    /**
     * {@code open(path, flags | O_CLOEXEC, mode)}, retried on EINTR (a FIFO can block in open).
     * The path is encoded as the JDK encodes file names ({@link PlatformStrings}).
     */
    public static int open(String path, int flags, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment cpath = PlatformStrings.cString(arena, path);
            while (true) {
                int fd = LibC.open(st, cpath, flags | O_CLOEXEC, mode);
                if (fd >= 0) {
                    return fd;
                }
                int errno = CallState.errno(st);
                if (errno != EINTR) {
                    throw new ErrnoException("open(\"" + path + "\")", errno);
                }
            }
        }
    }

    /**
     * True when {@code fd} is a directory ({@code fstat}, S_IFDIR): an open of a directory for
     * reading succeeds, and FileInputStream checks this after its open, as vfork4j does.
     */
    public static boolean isDirectory(int fd) throws ErrnoException {
        boolean x86 = Arch.require() == Arch.X86_64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment stat = arena.allocate(256, 8); // struct stat: 144 bytes on x86_64, 128 on aarch64
            if (LibC.syscall(st, x86 ? 5 : 80, fd, stat.address()) < 0) {
                throw new ErrnoException("fstat(fd=" + fd + ")", CallState.errno(st));
            }
            int mode = stat.get(ValueLayout.JAVA_INT, x86 ? 24 : 16); // st_mode
            return (mode & 0170000) == 0040000;
        }
    }

    /** This process's soft limit on open fds (RLIMIT_NOFILE): every fd number is below it. */
    public static long openFilesLimit() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment limit = arena.allocate(ValueLayout.JAVA_LONG, 2); // struct rlimit64 {cur, max}
            if (LibC.syscall(st, Arch.require().sys.prlimit64(), 0, 7 /* RLIMIT_NOFILE */, 0, limit.address()) < 0) {
                throw new ErrnoException("prlimit64(RLIMIT_NOFILE)", CallState.errno(st));
            }
            return limit.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /**
     * {@code close(fd)}. Not retried on EINTR: on Linux the descriptor is released even then,
     * and a retry could close a number another thread has just been given. EBADF is a bug in
     * the caller's ownership and is reported as one.
     */
    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            if (LibC.close(st, fd) < 0 && CallState.errno(st) == EBADF) {
                throw new IllegalStateException("close(fd=" + fd + "): EBADF: closed twice");
            }
        }
    }

    /** {@code ioctl(fd, FIONREAD)}: bytes ready to read without blocking. */
    public static int available(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
            if (LibC.ioctl(st, fd, FIONREAD, n) < 0) {
                throw new ErrnoException("ioctl(fd=" + fd + ", FIONREAD)", CallState.errno(st));
            }
            return n.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** {@code pidfd_open(pid, 0)}. */
    public static int pidfdOpen(long pid) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            long r = LibC.syscall(st, SYS_PIDFD_OPEN, pid, 0);
            if (r < 0) {
                throw new ErrnoException("pidfd_open(pid=" + pid + ")", CallState.errno(st));
            }
            return (int) r;
        }
    }

    /**
     * {@code pidfd_send_signal(pidfd, signal, NULL, 0)}. Returns false when the process has
     * already exited (ESRCH), which is not an error for a caller that wants it gone.
     */
    public static boolean pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            if (LibC.syscall(st, SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) == 0) {
                return true;
            }
            int errno = CallState.errno(st);
            if (errno == ESRCH) {
                return false;
            }
            throw new ErrnoException("pidfd_send_signal(pidfd=" + pidfd + ", " + signal + ")", errno);
        }
    }

    /**
     * Kills and reaps a child that has no pidfd (used only when pidfd_open failed right after
     * the spawn): SIGKILL, then a blocking waitid(P_PID) retried on EINTR.
     */
    public static void killAndReap(int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            LibC.kill(st, pid, 9);
            MemorySegment info = arena.allocate(Siginfo.LAYOUT);
            while (LibC.waitid(st, P_PID, pid, info, WEXITED) < 0 && CallState.errno(st) == EINTR) {
                // retry
            }
        }
    }

    /** An anonymous mapping of {@code length} bytes: private, or shared with children that do not share memory. */
    @SuppressWarnings("restricted") // binding: the mapping is as long as mmap was asked for
    public static MemorySegment mapAnonymous(long length, int prot, boolean shared) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment m = LibC.mmap(st, MemorySegment.NULL, length, prot,
                (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
            if (m.address() == -1L) {
                throw new ErrnoException("mmap(" + length + ", " + (shared ? "MAP_SHARED" : "MAP_PRIVATE") + ")",
                    CallState.errno(st));
            }
            return m.reinterpret(length);
        }
    }

    public static void protect(MemorySegment mapping, int prot) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            if (LibC.mprotect(st, mapping, mapping.byteSize(), prot) < 0) {
                throw new ErrnoException("mprotect(" + mapping.byteSize() + ", " + prot + ")", CallState.errno(st));
            }
        }
    }

    public static void unmap(MemorySegment mapping) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.munmap(CallState.allocate(arena), mapping, mapping.byteSize());
        }
    }

    /**
     * Reaps a child that failed before its exec: a blocking {@code waitid(P_PIDFD, WEXITED)},
     * retried on EINTR. The child has already called exit_group, so this returns at once.
     */
    public static void reap(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment info = arena.allocate(Siginfo.LAYOUT);
            while (LibC.waitid(st, P_PIDFD, pidfd, info, WEXITED) < 0 && CallState.errno(st) == EINTR) {
                // retry
            }
        }
    }
}
