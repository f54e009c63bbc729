package dev.vfork4j.linux;

/**
 * Kernel and glibc constants whose values are the same on x86_64 and aarch64. The ones that
 * differ live in {@link Arch}.
 */
public final class Linux {
    private Linux() {}

    // errno values (asm-generic/errno-base.h, errno.h)
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, E2BIG = 7,
        ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14,
        ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, EPIPE = 32, ENOSYS = 38;

    // open(2), fcntl(2)
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100,
        O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    public static final int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4,
        F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031, FD_CLOEXEC = 1;
    public static final long FIONREAD = 0x541B;

    // epoll(7), eventfd(2)
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x001, EPOLLPRI = 0x002, EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010,
        EPOLLRDHUP = 0x2000, EPOLLONESHOT = 1 << 30, EPOLLET = 1 << 31;
    public static final int EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = O_NONBLOCK;
    public static final int CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7, TFD_CLOEXEC = O_CLOEXEC, TFD_NONBLOCK = O_NONBLOCK,
        TFD_TIMER_ABSTIME = 1;

    // sysconf(3): _SC_CLK_TCK, the clock ticks a second of /proc's times (USER_HZ)
    public static final int SC_CLK_TCK = 2;

    // waitid(2), pidfd_open(2)
    public static final int P_PID = 1, P_PIDFD = 3;
    public static final int WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x01000000;
    public static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;

    // syscall numbers that are the same on x86_64 and aarch64 (added after the tables merged)
    public static final long SYS_PIDFD_SEND_SIGNAL = 424, SYS_PIDFD_OPEN = 434, SYS_CLONE3 = 435,
        SYS_CLOSE_RANGE = 436;

    // mmap(2), prctl(2), clone3(2)
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
    public static final int PR_SET_PDEATHSIG = 1, PR_SET_NO_NEW_PRIVS = 38;
    public static final int CLOSE_RANGE_UNSHARE = 2;
    public static final long CLONE_VM = 0x100, CLONE_FILES = 0x400, CLONE_VFORK = 0x4000, CLONE_PIDFD = 0x1000,
        CLONE_CLEAR_SIGHAND = 0x1_0000_0000L, CLONE_INTO_CGROUP = 0x2_0000_0000L;
    public static final int SIGCHLD = 17;
    public static final long RLIM_INFINITY = -1L;

    // posix_spawn(3) attribute flags (glibc spawn.h)
    public static final short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04,
        POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
}
