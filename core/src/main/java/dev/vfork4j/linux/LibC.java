package dev.vfork4j.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The glibc functions vfork4j uses. Each method is a thin call: it passes its arguments on and
 * returns the raw result. Calls that can fail take a {@link CallState} segment first, into which
 * errno is captured. A JVM that refuses native access gets an {@link UnsupportedOperationException}
 * naming the flag to pass, at the first call; a symbol this glibc lacks, an
 * {@link UnsatisfiedLinkError}. Any other {@code Throwable} out of the call means the handle and
 * the call disagree: a linkage bug, rethrown as {@link AssertionError}.
 *
 * <p><b>One downcall shape for every function.</b> Every function goes through one downcall
 * handle, {@code long f(long a0, …, long a5)} with errno captured, whose first argument is the
 * function's address: each distinct shape costs a fresh JVM 5-30 ms the first time it is linked
 * (the JDK spins a class for its bindings and the JVM generates a stub), and vfork4j used over
 * twenty shapes, half of them on a first spawn's path. This is sound on the two ABIs vfork4j
 * supports (System V x86_64, AAPCS64 on Linux), for functions whose parameters and result are
 * integers or pointers, as all of these are:
 * <ul>
 *   <li>an {@code int} or {@code short} parameter passed as a {@code long} sign-extended from it
 *       arrives in the same register, and the callee reads only its low bits;</li>
 *   <li>arguments beyond the ones a function declares sit in argument registers the callee
 *       never reads (six are passed in registers on both ABIs, and no function here takes more);</li>
 *   <li>an {@code int} result comes back in the low half of the return register: each method
 *       casts it back to {@code int}, dropping the undefined upper half;</li>
 *   <li>the one variadic function called, {@code syscall(2)}, receives its arguments as named
 *       ones: on AAPCS64 Linux variadic arguments are passed as named ones, and on x86_64 the
 *       only difference, {@code %al} (an upper bound of the vector registers used), is never
 *       read by glibc's {@code syscall}, which is written in assembly and puts the system call
 *       number in {@code %rax}. The handle is not declared variadic because linking a variadic
 *       shape costs a fresh JVM some 5 ms more; for the same reason {@code fcntl},
 *       {@code open} and {@code ioctl}, variadic C functions, are made as the raw system calls
 *       they wrap ({@code fcntl}, {@code openat(AT_FDCWD, …)}, {@code ioctl}: glibc adds nothing
 *       to them on 64-bit Linux, where the kernel sets O_LARGEFILE itself).</li>
 * </ul>
 * Pointers are passed as their addresses: every segment given here is native memory its
 * caller keeps alive for the call.
 *
 * <p>Nothing here can fail while the class is initialised, and no failure is kept: the handle
 * is made by {@link Downcall}'s initialiser, which cannot fail transiently (no file, fd or
 * thread: {@code Linker.downcallHandle} for an address given at each call looks nothing up),
 * and a refusal of native access is definitive for the JVM's life; glibc's symbols are looked
 * up at each function's first call, and a lookup that fails is tried again at the next.
 *
 * <p>Turning {@code -1} into exceptions is {@link Posix}'s job, not this class's.
 */
public final class LibC {
    private LibC() {}

    /** The one downcall handle: see the class comment. Its own class, so it is made at the first call. */
    @SuppressWarnings("restricted") // the binding itself: a restricted call is what it is for
    private static final class Downcall {
        /** {@code (MemorySegment function, MemorySegment errnoState, long a0, …, long a5)long}; null when native access is refused. */
        static final MethodHandle CALL;
        /** Why native access was refused, or null. */
        static final IllegalCallerException REFUSED;

        static {
            MethodHandle call = null;
            IllegalCallerException refused = null;
            try {
                call = Linker.nativeLinker().downcallHandle(
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                    Linker.Option.captureCallState("errno"));
            } catch (IllegalCallerException e) {
                refused = e;
            }
            CALL = call;
            REFUSED = refused;
        }
    }

    /**
     * Whether this JVM lets vfork4j make native calls: null when it does (the JDK may warn, once,
     * when it was not enabled explicitly), else the JVM's refusal. Makes the handle every call
     * uses, so asking costs nothing more than the first call would.
     */
    static IllegalCallerException refusal() {
        return Downcall.REFUSED;
    }

    /**
     * glibc's symbols, looked up when the first function is called. Not
     * {@link Linker#defaultLookup()}: the JDK builds that once per JVM by loading
     * libsyslookup.so, and when that load fails (no fd free at that moment) it keeps an empty
     * lookup for the JVM's life (jdk.internal.foreign.SystemLookup.makeSystemLookup returns
     * FALLBACK_LOOKUP on any Throwable), so every symbol would be missing forever: "glibc has
     * no symbol read" at a first use with the fd table full. glibc is loaded
     * already, and dlopen of a loaded library by its soname matches it without opening a file.
     */
    private static volatile SymbolLookup libc;

    @SuppressWarnings("restricted") // binding: glibc's symbols
    private static SymbolLookup libc() {
        SymbolLookup l = libc;
        if (l == null) {
            try {
                l = SymbolLookup.libraryLookup("libc.so.6", Arena.global());
            } catch (IllegalCallerException e) {
                throw NativeAccess.refused(e);
            }
            libc = l;
        }
        return l;
    }

    /** True when this glibc has {@code name} (some functions are newer than the oldest glibc vfork4j runs on). */
    public static boolean hasSymbol(String name) {
        return libc().find(name).isPresent();
    }

    /** A glibc symbol (a function, or {@code environ}): its address, found at its first use (a failed lookup is retried). */
    private static final class Function {
        private final String name;
        private volatile MemorySegment address;

        Function(String name) {
            this.name = name;
        }

        MemorySegment address() {
            MemorySegment a = address;
            if (a == null) {
                java.util.Optional<MemorySegment> found = libc().find(name);
                if (found.isEmpty()) { // not orElseThrow(lambda): a lambda costs a first call a spun class
                    throw new UnsatisfiedLinkError("glibc " + gnu_get_libc_version() + " has no symbol " + name);
                }
                a = found.get();
                address = a;
            }
            return a;
        }
    }

    private static MethodHandle handle() {
        MethodHandle h = Downcall.CALL;
        if (h == null) {
            throw NativeAccess.refused(Downcall.REFUSED);
        }
        return h;
    }

    /**
     * Where the errno of functions that report failures in their result (posix_spawn's family)
     * or cannot fail (getpid) goes: the handle captures errno on every call, and nobody reads
     * this one, so threads writing it at once mix up nothing anyone uses. Made at the first such
     * call; an allocation that fails is tried again at the next.
     */
    private static volatile MemorySegment unreadErrno;

    private static MemorySegment unreadErrno() {
        MemorySegment s = unreadErrno;
        if (s == null) {
            s = CallState.allocate(Arena.global());
            unreadErrno = s;
        }
        return s;
    }

    /** The one call site: {@code f(a0, …, a5)}, errno into {@code state}. */
    private static long call(Function f, MemorySegment state, long a0, long a1, long a2, long a3, long a4, long a5) {
        MethodHandle h = handle();
        MemorySegment address = f.address();
        try {
            return (long) h.invokeExact(address, state, a0, a1, a2, a3, a4, a5);
        } catch (Throwable t) {
            throw new AssertionError("native call to " + f.name + " failed: " + t, t);
        }
    }

    private static long call(Function f, MemorySegment state) {
        return call(f, state, 0, 0, 0, 0, 0, 0);
    }

    private static long call(Function f, MemorySegment state, long a0) {
        return call(f, state, a0, 0, 0, 0, 0, 0);
    }

    private static long call(Function f, MemorySegment state, long a0, long a1) {
        return call(f, state, a0, a1, 0, 0, 0, 0);
    }

    private static long call(Function f, MemorySegment state, long a0, long a1, long a2) {
        return call(f, state, a0, a1, a2, 0, 0, 0);
    }

    private static long call(Function f, MemorySegment state, long a0, long a1, long a2, long a3) {
        return call(f, state, a0, a1, a2, a3, 0, 0);
    }

    private static long call(Function f, MemorySegment state, long a0, long a1, long a2, long a3, long a4) {
        return call(f, state, a0, a1, a2, a3, a4, 0);
    }

    /**
     * Calls the native function at {@code function} with one integer or pointer argument and
     * returns its {@code long} result; errno is not captured. For vfork4j's own generated code
     * (the child routine), which follows the platform's C calling convention. The calling thread
     * is "in native" meanwhile, as in any downcall, so safepoints do not wait for it.
     */
    public static long callAddress(MemorySegment function, long argument) {
        MethodHandle h = handle();
        try {
            return (long) h.invokeExact(function, unreadErrno(), argument, 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new AssertionError("native call to " + function + " failed: " + t, t);
        }
    }

    private static long address(MemorySegment segment) {
        return segment.address();
    }

    // ---- file descriptors ----

    private static final Function READ = new Function("read"), WRITE = new Function("write"),
        CLOSE = new Function("close"), PIPE2 = new Function("pipe2");

    /** openat(2)'s "relative to the working directory", as open(2) is. */
    private static final long AT_FDCWD = -100;

    public static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
        return call(READ, state, fd, address(buf), count);
    }

    public static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
        return call(WRITE, state, fd, address(buf), count);
    }

    public static int close(MemorySegment state, int fd) {
        return (int) call(CLOSE, state, fd);
    }

    public static int pipe2(MemorySegment state, MemorySegment fds, int flags) {
        return (int) call(PIPE2, state, address(fds), flags);
    }

    /** fcntl(2), as a raw system call (see the class comment). */
    public static int fcntl(MemorySegment state, int fd, int cmd, int arg) {
        return (int) call(SYSCALL, state, Arch.require().sysFcntl, fd, cmd, arg);
    }

    /** open(2), as the raw system call openat(AT_FDCWD, …) (see the class comment). */
    public static int open(MemorySegment state, MemorySegment path, int flags, int mode) {
        return (int) call(SYSCALL, state, Arch.require().sysOpenat, AT_FDCWD, address(path), flags, mode);
    }

    /** ioctl(2), as a raw system call (see the class comment). */
    public static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
        return (int) call(SYSCALL, state, Arch.require().sysIoctl, fd, request, address(arg));
    }

    // ---- memory ----

    private static final Function MMAP = new Function("mmap"), MPROTECT = new Function("mprotect"),
        MUNMAP = new Function("munmap");

    public static MemorySegment mmap(MemorySegment state, MemorySegment addr, long length, int prot, int flags,
                                     int fd, long offset) {
        return MemorySegment.ofAddress(call(MMAP, state, address(addr), length, prot, flags, fd, offset));
    }

    public static int mprotect(MemorySegment state, MemorySegment addr, long length, int prot) {
        return (int) call(MPROTECT, state, address(addr), length, prot);
    }

    public static int munmap(MemorySegment state, MemorySegment addr, long length) {
        return (int) call(MUNMAP, state, address(addr), length);
    }

    // ---- clocks ----

    private static final Function CLOCK_GETTIME = new Function("clock_gettime"), SYSCONF = new Function("sysconf");

    public static int clock_gettime(MemorySegment state, int clockid, MemorySegment timespec) {
        return (int) call(CLOCK_GETTIME, state, clockid, address(timespec));
    }

    public static long sysconf(MemorySegment state, int name) {
        return call(SYSCONF, state, name);
    }

    // ---- epoll, eventfd, timerfd, poll ----

    private static final Function EPOLL_CREATE1 = new Function("epoll_create1"),
        EPOLL_CTL = new Function("epoll_ctl"), EPOLL_WAIT = new Function("epoll_wait"),
        EVENTFD = new Function("eventfd"), TIMERFD_CREATE = new Function("timerfd_create"),
        TIMERFD_SETTIME = new Function("timerfd_settime"), POLL = new Function("poll");

    public static int timerfd_create(MemorySegment state, int clockid, int flags) {
        return (int) call(TIMERFD_CREATE, state, clockid, flags);
    }

    public static int timerfd_settime(MemorySegment state, int fd, int flags, MemorySegment newValue, MemorySegment oldValue) {
        return (int) call(TIMERFD_SETTIME, state, fd, flags, address(newValue), address(oldValue));
    }

    public static int poll(MemorySegment state, MemorySegment fds, long nfds, int timeoutMs) {
        return (int) call(POLL, state, address(fds), nfds, timeoutMs);
    }

    public static int epoll_create1(MemorySegment state, int flags) {
        return (int) call(EPOLL_CREATE1, state, flags);
    }

    public static int epoll_ctl(MemorySegment state, int epfd, int op, int fd, MemorySegment event) {
        return (int) call(EPOLL_CTL, state, epfd, op, fd, address(event));
    }

    public static int epoll_wait(MemorySegment state, int epfd, MemorySegment events, int max, int timeoutMs) {
        return (int) call(EPOLL_WAIT, state, epfd, address(events), max, timeoutMs);
    }

    public static int eventfd(MemorySegment state, int initval, int flags) {
        return (int) call(EVENTFD, state, initval, flags);
    }

    // ---- processes ----

    private static final Function WAITID = new Function("waitid"), GETPID = new Function("getpid"),
        KILL = new Function("kill");

    public static int waitid(MemorySegment state, int idtype, int id, MemorySegment info, int options) {
        return (int) call(WAITID, state, idtype, id, address(info), options);
    }

    public static int getpid() {
        return (int) call(GETPID, unreadErrno());
    }

    public static int kill(MemorySegment state, int pid, int signal) {
        return (int) call(KILL, state, pid, signal);
    }

    // ---- raw system calls: every argument is passed as a C long, so the kernel never sees the
    // undefined upper half of an int register ----

    private static final Function SYSCALL = new Function("syscall");

    public static long syscall(MemorySegment state, long nr, long a1) {
        return call(SYSCALL, state, nr, a1);
    }

    public static long syscall(MemorySegment state, long nr, long a1, long a2) {
        return call(SYSCALL, state, nr, a1, a2);
    }

    public static long syscall(MemorySegment state, long nr, long a1, long a2, long a3, long a4) {
        return call(SYSCALL, state, nr, a1, a2, a3, a4);
    }

    public static long syscall(MemorySegment state, long nr, long a1, long a2, long a3, long a4, long a5) {
        return call(SYSCALL, state, nr, a1, a2, a3, a4, a5);
    }

    // ---- posix_spawn: these return an error number rather than setting errno ----

    private static final Function POSIX_SPAWN = new Function("posix_spawn"),
        POSIX_SPAWNP = new Function("posix_spawnp"),
        FA_INIT = new Function("posix_spawn_file_actions_init"),
        FA_DESTROY = new Function("posix_spawn_file_actions_destroy"),
        FA_ADDDUP2 = new Function("posix_spawn_file_actions_adddup2"),
        FA_ADDCLOSE = new Function("posix_spawn_file_actions_addclose"),
        /* glibc 2.29+: ask {@link #hasSymbol} first. */
        FA_ADDCHDIR_NP = new Function("posix_spawn_file_actions_addchdir_np"),
        /* glibc 2.34+: ask {@link #hasSymbol} first. */
        FA_ADDCLOSEFROM_NP = new Function("posix_spawn_file_actions_addclosefrom_np"),
        ATTR_INIT = new Function("posix_spawnattr_init"),
        ATTR_DESTROY = new Function("posix_spawnattr_destroy"),
        ATTR_SETFLAGS = new Function("posix_spawnattr_setflags"),
        ATTR_SETSIGMASK = new Function("posix_spawnattr_setsigmask"),
        ATTR_SETSIGDEFAULT = new Function("posix_spawnattr_setsigdefault"),
        ATTR_SETPGROUP = new Function("posix_spawnattr_setpgroup"),
        SIGEMPTYSET = new Function("sigemptyset");

    public static int posix_spawn(boolean searchPath, MemorySegment pid, MemorySegment path,
                                  MemorySegment fileActions, MemorySegment attr,
                                  MemorySegment argv, MemorySegment envp) {
        return (int) call(searchPath ? POSIX_SPAWNP : POSIX_SPAWN, unreadErrno(), address(pid), address(path),
            address(fileActions), address(attr), address(argv), address(envp));
    }

    public static int posix_spawn_file_actions_init(MemorySegment fa) {
        return (int) call(FA_INIT, unreadErrno(), address(fa));
    }

    public static int posix_spawn_file_actions_destroy(MemorySegment fa) {
        return (int) call(FA_DESTROY, unreadErrno(), address(fa));
    }

    public static int posix_spawn_file_actions_adddup2(MemorySegment fa, int fd, int newfd) {
        return (int) call(FA_ADDDUP2, unreadErrno(), address(fa), fd, newfd);
    }

    public static int posix_spawn_file_actions_addclose(MemorySegment fa, int fd) {
        return (int) call(FA_ADDCLOSE, unreadErrno(), address(fa), fd);
    }

    public static int posix_spawn_file_actions_addchdir_np(MemorySegment fa, MemorySegment path) {
        return (int) call(FA_ADDCHDIR_NP, unreadErrno(), address(fa), address(path));
    }

    public static int posix_spawn_file_actions_addclosefrom_np(MemorySegment fa, int from) {
        return (int) call(FA_ADDCLOSEFROM_NP, unreadErrno(), address(fa), from);
    }

    public static int posix_spawnattr_init(MemorySegment attr) {
        return (int) call(ATTR_INIT, unreadErrno(), address(attr));
    }

    public static int posix_spawnattr_destroy(MemorySegment attr) {
        return (int) call(ATTR_DESTROY, unreadErrno(), address(attr));
    }

    public static int posix_spawnattr_setflags(MemorySegment attr, short flags) {
        return (int) call(ATTR_SETFLAGS, unreadErrno(), address(attr), flags);
    }

    public static int posix_spawnattr_setsigmask(MemorySegment attr, MemorySegment set) {
        return (int) call(ATTR_SETSIGMASK, unreadErrno(), address(attr), address(set));
    }

    public static int posix_spawnattr_setsigdefault(MemorySegment attr, MemorySegment set) {
        return (int) call(ATTR_SETSIGDEFAULT, unreadErrno(), address(attr), address(set));
    }

    public static int posix_spawnattr_setpgroup(MemorySegment attr, int pgroup) {
        return (int) call(ATTR_SETPGROUP, unreadErrno(), address(attr), pgroup);
    }

    public static int sigemptyset(MemorySegment set) {
        return (int) call(SIGEMPTYSET, unreadErrno(), address(set));
    }

    // ---- strings ----

    private static final Function STRERRORNAME_NP = new Function("strerrorname_np"),
        STRERRORDESC_NP = new Function("strerrordesc_np"),
        GNU_GET_LIBC_VERSION = new Function("gnu_get_libc_version");

    public static MemorySegment strerrorname_np(int errno) {
        return pointer(call(STRERRORNAME_NP, unreadErrno(), errno));
    }

    public static MemorySegment strerrordesc_np(int errno) {
        return pointer(call(STRERRORDESC_NP, unreadErrno(), errno));
    }

    public static String gnu_get_libc_version() {
        return string(pointer(call(GNU_GET_LIBC_VERSION, unreadErrno())));
    }

    // ---- the process's environment ----

    /** glibc's {@code char **environ}: a variable, not a function, found as a function is. */
    private static final Function ENVIRON = new Function("environ");

    /**
     * The value of {@code environ} now: the process's environment, a NULL-terminated array of
     * {@code NAME=value} C strings, as setenv(3), putenv(3) and unsetenv(3) leave it. This is what
     * the JDK's children get when ProcessBuilder's environment was not touched (its child code
     * runs execve with {@code environ}), where {@link System#getenv()} is a copy made when the JVM
     * started: the two differ once native code has changed the environment, and in order.
     */
    @SuppressWarnings("restricted") // binding: the variable is one pointer wide
    public static MemorySegment environ() {
        return pointer(ENVIRON.address().reinterpret(JAVA_LONG.byteSize()).get(JAVA_LONG, 0));
    }

    private static MemorySegment pointer(long address) {
        return address == 0 ? MemorySegment.NULL : MemorySegment.ofAddress(address);
    }

    /** Reads the NUL-terminated string a C function returned a pointer to. */
    @SuppressWarnings("restricted") // binding: a C string's size is known only by its NUL
    static String string(MemorySegment pointer) {
        return pointer.reinterpret(4096).getString(0);
    }
}
