package dev.vfork4j.cli.lab;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The glibc functions only the lab's probes call: C stdio, exit handlers, POSIX semaphores,
 * pseudo-terminals and thread ids. Each method passes its arguments through and returns the
 * raw result, as the library's {@code LibC} does; a {@code Throwable} from {@code invokeExact}
 * is a linkage bug and is rethrown as {@link AssertionError}. Probes run in disposable JVMs,
 * never in the lab's own.
 */
@SuppressWarnings("restricted") // the lab's bindings: restricted calls are what it is for
final class LabLibC {
    private LabLibC() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    /** The address of a glibc function or variable. */
    static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("glibc has no symbol " + name));
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    private static AssertionError linkage(Throwable t) {
        return new AssertionError("native call failed to link: " + t, t);
    }

    // ---- stdio ----

    private static final MethodHandle fputs$mh = handle("fputs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle fflush$mh = handle("fflush", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** glibc's {@code FILE *stdout}, read from the variable (it can in principle be reassigned). */
    static MemorySegment stdout() {
        return symbol("stdout").reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);
    }

    static int fputs(MemorySegment s, MemorySegment stream) {
        try {
            return (int) fputs$mh.invokeExact(s, stream);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int fflush(MemorySegment stream) {
        try {
            return (int) fflush$mh.invokeExact(stream);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- exit handlers and semaphores ----

    private static final MethodHandle cxa_atexit$mh =
        handle("__cxa_atexit", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle sem_init$mh =
        handle("sem_init", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle sem_getvalue$mh =
        handle("sem_getvalue", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    /** {@code sizeof(sem_t)} on 64-bit Linux. */
    static final long SEM_T_SIZE = 32;

    /**
     * {@code __cxa_atexit(function, argument, NULL)}: what {@code atexit} compiles to (glibc keeps
     * {@code atexit} itself in libc_nonshared.a, so it is no dynamic symbol).
     */
    static int cxaAtexit(MemorySegment function, MemorySegment argument) {
        try {
            return (int) cxa_atexit$mh.invokeExact(function, argument, MemorySegment.NULL);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int semInit(MemorySegment sem, int shared, int value) {
        try {
            return (int) sem_init$mh.invokeExact(sem, shared, value);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int semGetvalue(MemorySegment sem, MemorySegment value) {
        try {
            return (int) sem_getvalue$mh.invokeExact(sem, value);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- posix_spawn, fifos, kcmp ----

    private static final MethodHandle posix_spawn$mh = handle("posix_spawn",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle file_actions_init$mh =
        handle("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle file_actions_addopen$mh = handle("posix_spawn_file_actions_addopen",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle file_actions_destroy$mh =
        handle("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle mkfifo$mh = handle("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle syscall5$mh = handle("syscall",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
        Linker.Option.firstVariadicArg(1));

    /** {@code sizeof(posix_spawn_file_actions_t)} on 64-bit Linux. */
    static final long FILE_ACTIONS_SIZE = 80;
    static final int O_RDONLY = 0;

    static int posixSpawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions, MemorySegment attr,
                          MemorySegment argv, MemorySegment envp) {
        try {
            return (int) posix_spawn$mh.invokeExact(pid, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int fileActionsInit(MemorySegment fa) {
        try {
            return (int) file_actions_init$mh.invokeExact(fa);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int fileActionsAddopen(MemorySegment fa, int fd, MemorySegment path, int flags, int mode) {
        try {
            return (int) file_actions_addopen$mh.invokeExact(fa, fd, path, flags, mode);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int fileActionsDestroy(MemorySegment fa) {
        try {
            return (int) file_actions_destroy$mh.invokeExact(fa);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int mkfifo(MemorySegment path, int mode) {
        try {
            return (int) mkfifo$mh.invokeExact(path, mode);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** {@code kcmp(2)} types. */
    static final int KCMP_VM = 1;
    private static final long SYS_KCMP = System.getProperty("os.arch").equals("aarch64") ? 272 : 312;

    /**
     * {@code kcmp(pid1, pid2, type, 0, 0)}: 0 when the two processes share the resource, 1..3
     * when they do not, -1 when the kernel cannot say (no CONFIG_KCMP, or no permission).
     */
    static long kcmp(long pid1, long pid2, int type) {
        try {
            return (long) syscall5$mh.invokeExact(SYS_KCMP, pid1, pid2, (long) type, 0L, 0L);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    private static final MethodHandle gnu_get_libc_version$mh =
        handle("gnu_get_libc_version", FunctionDescriptor.of(ADDRESS));

    /** glibc's version, such as "2.36". */
    static String glibcVersion() {
        try {
            return ((MemorySegment) gnu_get_libc_version$mh.invokeExact()).reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    // ---- terminals, process groups, threads ----

    private static final MethodHandle posix_openpt$mh = handle("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle grantpt$mh = handle("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle unlockpt$mh = handle("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle ptsname$mh = handle("ptsname", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle open$mh = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
        Linker.Option.firstVariadicArg(2));
    private static final MethodHandle tcgetpgrp$mh = handle("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle getpgrp$mh = handle("getpgrp", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle getsid$mh = handle("getsid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle gettid$mh = handle("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle tgkill$mh =
        handle("tgkill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    static final int O_RDWR = 2, O_NOCTTY = 0400;

    static int posixOpenpt(int flags) {
        try {
            return (int) posix_openpt$mh.invokeExact(flags);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int grantpt(int fd) {
        try {
            return (int) grantpt$mh.invokeExact(fd);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int unlockpt(int fd) {
        try {
            return (int) unlockpt$mh.invokeExact(fd);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** The slave's path, or null. */
    static String ptsname(int fd) {
        try {
            MemorySegment name = (MemorySegment) ptsname$mh.invokeExact(fd);
            return name.equals(MemorySegment.NULL) ? null : name.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** open(path, flags) without O_CREAT (so without a mode). */
    static int open(MemorySegment path, int flags) {
        try {
            return (int) open$mh.invokeExact(path, flags);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int tcgetpgrp(int fd) {
        try {
            return (int) tcgetpgrp$mh.invokeExact(fd);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int getpgrp() {
        try {
            return (int) getpgrp$mh.invokeExact();
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int getsid(int pid) {
        try {
            return (int) getsid$mh.invokeExact(pid);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int gettid() {
        try {
            return (int) gettid$mh.invokeExact();
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    static int tgkill(int tgid, int tid, int signal) {
        try {
            return (int) tgkill$mh.invokeExact(tgid, tid, signal);
        } catch (Throwable t) {
            throw linkage(t);
        }
    }
}
