package dev.vfork4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;

/**
 * Downcall handles for the glibc functions vfork4j uses. Each method is a thin call: it
 * passes its arguments through {@code invokeExact} and returns the raw result. Calls that can
 * fail take a {@link CallState} segment first, into which errno is captured. Each handle is
 * linked at its first call (see {@code LazyDowncall}), so nothing here can fail while the class
 * is initialised. A JVM that refuses native access gets an {@link UnsupportedOperationException}
 * naming the flag to pass, at the first call; a symbol this glibc lacks, an
 * {@link UnsatisfiedLinkError}. Any other {@code Throwable} out of {@code invokeExact} means the
 * handle and the call disagree: a linkage bug, rethrown as {@link AssertionError}.
 *
 * <p>Turning {@code -1} into exceptions is {@link Posix}'s job, not this class's.
 */
public final class LibC {
    private LibC() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    /**
     * glibc's symbols, looked up when the first handle is linked. Not
     * {@link Linker#defaultLookup()}: the JDK builds that once per JVM by loading
     * libsyslookup.so, and when that load fails (no fd free at that moment) it keeps an empty
     * lookup for the JVM's life (jdk.internal.foreign.SystemLookup.makeSystemLookup returns
     * FALLBACK_LOOKUP on any Throwable), so every symbol would be missing forever: "glibc has
     * no symbol read" at a first use with the fd table full. glibc is loaded
     * already, and dlopen of a loaded library by its soname matches it without opening a file.
     */
    private static volatile SymbolLookup libc;

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

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return new LazyDowncall(name, fd, false).invoker();
    }

    private static MethodHandle errno(String name, FunctionDescriptor fd) {
        return new LazyDowncall(name, fd, true, ERRNO).invoker();
    }

    private static MethodHandle errnoVariadic(String name, int firstVariadic, FunctionDescriptor fd) {
        return new LazyDowncall(name, fd, true, ERRNO, Linker.Option.firstVariadicArg(firstVariadic)).invoker();
    }

    /**
     * A downcall handle linked at its first call rather than when LibC is initialised: a
     * failure to link (native access refused, a symbol missing, no memory) then fails that call
     * with its own exception and the next call tries again, where a failed static initialiser
     * would leave LibC unusable for the JVM's life (NoClassDefFoundError). Once linked, the
     * handle is the target of a {@link MutableCallSite}, which the JIT inlines as it would a
     * {@code static final} handle. It also spares the JVM the handles it never uses.
     */
    private static final class LazyDowncall {
        private static final MethodHandle LINK_AND_INVOKE;

        static {
            try {
                LINK_AND_INVOKE = MethodHandles.lookup().findVirtual(LazyDowncall.class, "linkAndInvoke",
                    MethodType.methodType(Object.class, Object[].class));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }

        private final String name;
        private final FunctionDescriptor descriptor;
        private final Linker.Option[] options;
        private final MutableCallSite site;
        /** The real handle once linked; the call site's target from then on. Guarded by this. */
        private MethodHandle linked;

        LazyDowncall(String name, FunctionDescriptor descriptor, boolean capturesErrno, Linker.Option... options) {
            this.name = name;
            this.descriptor = descriptor;
            this.options = options;
            MethodType type = descriptor.toMethodType();
            if (capturesErrno) {
                type = type.insertParameterTypes(0, MemorySegment.class); // the errno capture segment
            }
            this.site = new MutableCallSite(LINK_AND_INVOKE.bindTo(this)
                .asCollector(Object[].class, type.parameterCount()).asType(type));
        }

        MethodHandle invoker() {
            return site.dynamicInvoker();
        }

        private Object linkAndInvoke(Object[] args) throws Throwable {
            return link().invokeWithArguments(args);
        }

        /** A thread that still saw the stub after another linked the handle gets the same handle. */
        private synchronized MethodHandle link() {
            if (linked != null) {
                return linked;
            }
            MemorySegment symbol = libc().find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("glibc " + gnu_get_libc_version() + " has no symbol " + name));
            MethodHandle target;
            try {
                target = LINKER.downcallHandle(symbol, descriptor, options);
            } catch (IllegalCallerException e) {
                throw NativeAccess.refused(e);
            }
            site.setTarget(target);
            linked = target;
            return target;
        }
    }

    /** Passes on what linking a handle threw; anything else out of {@code invokeExact} is a linkage bug. */
    private static AssertionError linkage(Throwable t) {
        if (t instanceof UnsupportedOperationException refused) {
            throw refused; // native access refused: NativeAccess.refused says which flag to pass
        }
        if (t instanceof UnsatisfiedLinkError | t instanceof VirtualMachineError) {
            throw (Error) t; // a symbol this glibc lacks; no memory to link (the next call tries again)
        }
        return new AssertionError("native call failed to link: " + t, t);
    }

    // ---- file descriptors ----

    private static final MethodHandle read$mh =
        errno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle write$mh =
        errno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle close$mh =
        errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle pipe2$mh =
        errno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle fcntl$mh =
        errnoVariadic("fcntl", 2, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle open$mh =
        errnoVariadic("open", 2, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ioctl$mh =
        errnoVariadic("ioctl", 2, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    public static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            return (long) read$mh.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            return (long) write$mh.invokeExact(state, fd, buf, count);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int close(MemorySegment state, int fd) {
        try {
            return (int) close$mh.invokeExact(state, fd);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int pipe2(MemorySegment state, MemorySegment fds, int flags) {
        try {
            return (int) pipe2$mh.invokeExact(state, fds, flags);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int fcntl(MemorySegment state, int fd, int cmd, int arg) {
        try {
            return (int) fcntl$mh.invokeExact(state, fd, cmd, arg);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int open(MemorySegment state, MemorySegment path, int flags, int mode) {
        try {
            return (int) open$mh.invokeExact(state, path, flags, mode);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
        try {
            return (int) ioctl$mh.invokeExact(state, fd, request, arg);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- memory ----

    private static final MethodHandle mmap$mh = errno("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle mprotect$mh =
        errno("mprotect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle munmap$mh =
        errno("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    public static MemorySegment mmap(MemorySegment state, MemorySegment addr, long length, int prot, int flags,
                                     int fd, long offset) {
        try {
            return (MemorySegment) mmap$mh.invokeExact(state, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int mprotect(MemorySegment state, MemorySegment addr, long length, int prot) {
        try {
            return (int) mprotect$mh.invokeExact(state, addr, length, prot);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int munmap(MemorySegment state, MemorySegment addr, long length) {
        try {
            return (int) munmap$mh.invokeExact(state, addr, length);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- epoll, eventfd ----

    private static final MethodHandle epoll_create1$mh =
        errno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle epoll_ctl$mh =
        errno("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle epoll_wait$mh =
        errno("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle eventfd$mh =
        errno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private static final MethodHandle timerfd_create$mh =
        errno("timerfd_create", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle timerfd_settime$mh =
        errno("timerfd_settime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    public static int timerfd_create(MemorySegment state, int clockid, int flags) {
        try {
            return (int) timerfd_create$mh.invokeExact(state, clockid, flags);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int timerfd_settime(MemorySegment state, int fd, int flags, MemorySegment newValue, MemorySegment oldValue) {
        try {
            return (int) timerfd_settime$mh.invokeExact(state, fd, flags, newValue, oldValue);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    private static final MethodHandle poll$mh =
        errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    public static int poll(MemorySegment state, MemorySegment fds, long nfds, int timeoutMs) {
        try {
            return (int) poll$mh.invokeExact(state, fds, nfds, timeoutMs);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int epoll_create1(MemorySegment state, int flags) {
        try {
            return (int) epoll_create1$mh.invokeExact(state, flags);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int epoll_ctl(MemorySegment state, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) epoll_ctl$mh.invokeExact(state, epfd, op, fd, event);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int epoll_wait(MemorySegment state, int epfd, MemorySegment events, int max, int timeoutMs) {
        try {
            return (int) epoll_wait$mh.invokeExact(state, epfd, events, max, timeoutMs);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int eventfd(MemorySegment state, int initval, int flags) {
        try {
            return (int) eventfd$mh.invokeExact(state, initval, flags);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- processes ----

    private static final MethodHandle waitid$mh =
        errno("waitid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle getpid$mh = plain("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle kill$mh = errno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    public static int waitid(MemorySegment state, int idtype, int id, MemorySegment info, int options) {
        try {
            return (int) waitid$mh.invokeExact(state, idtype, id, info, options);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int getpid() {
        try {
            return (int) getpid$mh.invokeExact();
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int kill(MemorySegment state, int pid, int signal) {
        try {
            return (int) kill$mh.invokeExact(state, pid, signal);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- raw system calls: syscall(2) is variadic; every argument is passed as a C long so
    // the kernel never sees the undefined upper half of an int register ----

    private static MethodHandle syscall(int args) {
        var layouts = new java.lang.foreign.MemoryLayout[args + 1];
        java.util.Arrays.fill(layouts, JAVA_LONG);
        return errnoVariadic("syscall", 1, FunctionDescriptor.of(JAVA_LONG, layouts));
    }

    private static final MethodHandle syscall1$mh = syscall(1);
    private static final MethodHandle syscall2$mh = syscall(2);
    private static final MethodHandle syscall4$mh = syscall(4);

    public static long syscall(MemorySegment state, long nr, long a1) {
        try {
            return (long) syscall1$mh.invokeExact(state, nr, a1);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long syscall(MemorySegment state, long nr, long a1, long a2) {
        try {
            return (long) syscall2$mh.invokeExact(state, nr, a1, a2);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static long syscall(MemorySegment state, long nr, long a1, long a2, long a3, long a4) {
        try {
            return (long) syscall4$mh.invokeExact(state, nr, a1, a2, a3, a4);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- posix_spawn: these return an error number rather than setting errno ----

    private static final FunctionDescriptor SPAWN =
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle posix_spawn$mh = plain("posix_spawn", SPAWN);
    private static final MethodHandle posix_spawnp$mh = plain("posix_spawnp", SPAWN);
    private static final MethodHandle fa_init$mh =
        plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle fa_destroy$mh =
        plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle fa_adddup2$mh =
        plain("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle fa_addclose$mh =
        plain("posix_spawn_file_actions_addclose", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    /** glibc 2.29+: ask {@link #hasSymbol} first. */
    private static final MethodHandle fa_addchdir_np$mh =
        plain("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    /** glibc 2.34+: ask {@link #hasSymbol} first. */
    private static final MethodHandle fa_addclosefrom_np$mh =
        plain("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle attr_init$mh =
        plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle attr_destroy$mh =
        plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle attr_setflags$mh =
        plain("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle attr_setsigmask$mh =
        plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle attr_setsigdefault$mh =
        plain("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle attr_setpgroup$mh =
        plain("posix_spawnattr_setpgroup", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle sigemptyset$mh =
        plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    public static int posix_spawn(boolean searchPath, MemorySegment pid, MemorySegment path,
                                  MemorySegment fileActions, MemorySegment attr,
                                  MemorySegment argv, MemorySegment envp) {
        try {
            return searchPath
                ? (int) posix_spawnp$mh.invokeExact(pid, path, fileActions, attr, argv, envp)
                : (int) posix_spawn$mh.invokeExact(pid, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawn_file_actions_init(MemorySegment fa) {
        try {
            return (int) fa_init$mh.invokeExact(fa);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawn_file_actions_destroy(MemorySegment fa) {
        try {
            return (int) fa_destroy$mh.invokeExact(fa);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawn_file_actions_adddup2(MemorySegment fa, int fd, int newfd) {
        try {
            return (int) fa_adddup2$mh.invokeExact(fa, fd, newfd);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawn_file_actions_addclose(MemorySegment fa, int fd) {
        try {
            return (int) fa_addclose$mh.invokeExact(fa, fd);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawn_file_actions_addchdir_np(MemorySegment fa, MemorySegment path) {
        try {
            return (int) fa_addchdir_np$mh.invokeExact(fa, path);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawn_file_actions_addclosefrom_np(MemorySegment fa, int from) {
        try {
            return (int) fa_addclosefrom_np$mh.invokeExact(fa, from);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawnattr_init(MemorySegment attr) {
        try {
            return (int) attr_init$mh.invokeExact(attr);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawnattr_destroy(MemorySegment attr) {
        try {
            return (int) attr_destroy$mh.invokeExact(attr);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawnattr_setflags(MemorySegment attr, short flags) {
        try {
            return (int) attr_setflags$mh.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawnattr_setsigmask(MemorySegment attr, MemorySegment set) {
        try {
            return (int) attr_setsigmask$mh.invokeExact(attr, set);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawnattr_setsigdefault(MemorySegment attr, MemorySegment set) {
        try {
            return (int) attr_setsigdefault$mh.invokeExact(attr, set);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int posix_spawnattr_setpgroup(MemorySegment attr, int pgroup) {
        try {
            return (int) attr_setpgroup$mh.invokeExact(attr, pgroup);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static int sigemptyset(MemorySegment set) {
        try {
            return (int) sigemptyset$mh.invokeExact(set);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- strings ----

    private static final MethodHandle strerrorname_np$mh =
        plain("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle strerrordesc_np$mh =
        plain("strerrordesc_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle gnu_get_libc_version$mh =
        plain("gnu_get_libc_version", FunctionDescriptor.of(ADDRESS));

    public static MemorySegment strerrorname_np(int errno) {
        try {
            return (MemorySegment) strerrorname_np$mh.invokeExact(errno);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static MemorySegment strerrordesc_np(int errno) {
        try {
            return (MemorySegment) strerrordesc_np$mh.invokeExact(errno);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static String gnu_get_libc_version() {
        try {
            return string((MemorySegment) gnu_get_libc_version$mh.invokeExact());
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** Reads the NUL-terminated string a C function returned a pointer to. */
    static String string(MemorySegment pointer) {
        return pointer.reinterpret(4096).getString(0);
    }
}
