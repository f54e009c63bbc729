package dev.vfork4j.linux;

import java.util.Locale;

/**
 * The processor architectures vfork4j knows, with the constants that differ between them.
 * Everything not here has the same value on every supported architecture (the asm-generic
 * numbering that aarch64 uses and that x86_64 shares for every syscall added after 2019).
 */
public enum Arch {
    X86_64(247, 14, 12, 4),
    AARCH64(95, 135, 16, 8);

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

    Arch(long sysWaitid, long sysRtSigprocmask, long epollEventSize, long epollDataOffset) {
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
