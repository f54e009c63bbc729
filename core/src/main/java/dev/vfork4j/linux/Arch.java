package dev.vfork4j.linux;

import java.util.Locale;

/**
 * The processor architectures vfork4j knows, with the constants that differ between them.
 * Everything not here has the same value on every supported architecture (the asm-generic
 * numbering that aarch64 uses and that x86_64 shares for every syscall added after 2019).
 */
public enum Arch {
    X86_64(247, 14, 12, 4, new Sys(112, 109, 116, 119, 117, 80, 157, 110, 292, 302, 95, 59, 231, 35), 72, 257, 16),
    AARCH64(95, 135, 16, 8, new Sys(157, 154, 159, 149, 147, 49, 167, 173, 24, 261, 166, 221, 94, 101), 25, 56, 29);

    /** System call numbers the child routine's steps use, for one architecture. */
    public record Sys(long setsid, long setpgid, long setgroups, long setresgid, long setresuid, long chdir,
                      long prctl, long getppid, long dup3, long prlimit64, long umask, long execve,
                      long exitGroup, long nanosleep) {}

    /** The architecture of this JVM, or null when it is one vfork4j has no constants for. */
    public static final Arch CURRENT = detect(System.getProperty("os.arch", ""));

    /** {@code waitid(2)}. */
    public final long sysWaitid;
    /** {@code rt_sigprocmask(2)}. */
    public final long sysRtSigprocmask;
    /** {@code sizeof(struct epoll_event)}: packed on x86_64, naturally aligned elsewhere. */
    public final long epollEventSize;
    /** Offset of {@code epoll_event.data}. */
    public final long epollDataOffset;
    /** The other system call numbers that differ. */
    public final Sys sys;
    /**
     * {@code fcntl(2)}, {@code openat(2)}, {@code ioctl(2)}: LibC makes these as raw system
     * calls rather than through glibc's variadic wrappers (see LibC's class comment).
     */
    public final long sysFcntl, sysOpenat, sysIoctl;

    Arch(long sysWaitid, long sysRtSigprocmask, long epollEventSize, long epollDataOffset, Sys sys, long sysFcntl,
         long sysOpenat, long sysIoctl) {
        this.sys = sys;
        this.sysFcntl = sysFcntl;
        this.sysOpenat = sysOpenat;
        this.sysIoctl = sysIoctl;
        this.sysWaitid = sysWaitid;
        this.sysRtSigprocmask = sysRtSigprocmask;
        this.epollEventSize = epollEventSize;
        this.epollDataOffset = epollDataOffset;
    }

    static Arch detect(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> null;
        };
    }

    /** The current architecture, or an exception naming the one that is not supported. */
    public static Arch require() {
        if (CURRENT == null) {
            throw new UnsupportedOperationException(
                "vfork4j supports x86_64 and aarch64 Linux; this JVM runs on os.arch="
                    + System.getProperty("os.arch"));
        }
        return CURRENT;
    }
}
