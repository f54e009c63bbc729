package dev.vfork4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LibC's one downcall shape: functions with fewer arguments, int results and pointers passed as
 * addresses come back right, and fcntl, open and ioctl, made as raw system calls rather than
 * through glibc's variadic wrappers, answer as those wrappers answer (result and errno), each
 * called here through a handle of its own, declared variadic as C declares it.
 */
@SuppressWarnings("restricted") // handles of its own to glibc's functions, to compare with LibC's
class LibCTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle GLIBC_FCNTL = LINKER.downcallHandle(LINKER.defaultLookup().find("fcntl").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle GLIBC_OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle GLIBC_IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO, Linker.Option.firstVariadicArg(2));

    /** {result, errno} of one call; errno only when it failed. */
    private static int[] outcome(int result, MemorySegment state) {
        return new int[] {result, result < 0 ? CallState.errno(state) : 0};
    }

    @Test
    void fcntlAnswersAsGlibcsFcntl() throws Throwable {
        int[] p = Posix.pipe();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ours = CallState.allocate(arena), theirs = CallState.allocate(arena);
            for (int[] call : new int[][] {{p[0], Linux.F_GETFD, 0}, {p[1], Linux.F_GETFL, 0}, {p[0], Linux.F_DUPFD_CLOEXEC, 100},
                {-1, Linux.F_GETFD, 0}, {p[0], 0x7fff, 0} /* no such command: EINVAL */}) {
                int[] a = outcome(LibC.fcntl(ours, call[0], call[1], call[2]), ours);
                int[] b = outcome((int) GLIBC_FCNTL.invokeExact(theirs, call[0], call[1], call[2]), theirs);
                if (call[1] == Linux.F_DUPFD_CLOEXEC) {
                    assertThat(a[0]).isGreaterThanOrEqualTo(100);
                    assertThat(b[0]).isGreaterThanOrEqualTo(100);
                    Posix.close(a[0]);
                    Posix.close(b[0]);
                    continue;
                }
                assertThat(a).as("fcntl(%d, %d, %d)", call[0], call[1], call[2]).containsExactly(b);
            }
        } finally {
            Posix.close(p[0]);
            Posix.close(p[1]);
        }
    }

    @Test
    void openAnswersAsGlibcsOpen(@TempDir Path dir) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ours = CallState.allocate(arena), theirs = CallState.allocate(arena);
            // O_CREAT with a mode: the mode reaches the kernel (0600 survives any umask).
            int created = LibC.open(ours, arena.allocateFrom(dir.resolve("ours").toString()),
                Linux.O_WRONLY | Linux.O_CREAT | Linux.O_CLOEXEC, 0600);
            assertThat(created).isNotNegative();
            Posix.close(created);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ours")))).isEqualTo("rw-------");
            for (String path : new String[] {"/nonexistent/x", dir.toString(), "/etc/hostname-does-not-exist", "relative-x"}) {
                for (int flags : new int[] {Linux.O_RDONLY, Linux.O_WRONLY}) {
                    MemorySegment c = arena.allocateFrom(path);
                    int[] a = outcome(LibC.open(ours, c, flags | Linux.O_CLOEXEC, 0), ours);
                    int[] b = outcome((int) GLIBC_OPEN.invokeExact(theirs, c, flags | Linux.O_CLOEXEC, 0), theirs);
                    if (a[0] >= 0) {
                        Posix.close(a[0]);
                    }
                    if (b[0] >= 0) {
                        Posix.close(b[0]);
                    }
                    assertThat(a[0] >= 0).as("open(%s, %d) succeeded", path, flags).isEqualTo(b[0] >= 0);
                    assertThat(a[1]).as("open(%s, %d): errno", path, flags).isEqualTo(b[1]);
                }
            }
        }
    }

    @Test
    void ioctlAnswersAsGlibcsIoctl() throws Throwable {
        int[] p = Posix.pipe();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment three = arena.allocateFrom("abc");
            assertThat(LibC.write(st, p[1], three, 3)).isEqualTo(3);
            MemorySegment ours = arena.allocate(JAVA_INT), theirs = arena.allocate(JAVA_INT);
            assertThat(LibC.ioctl(st, p[0], Linux.FIONREAD, ours)).isZero();
            assertThat((int) GLIBC_IOCTL.invokeExact(st, p[0], Linux.FIONREAD, theirs)).isZero();
            assertThat(ours.get(JAVA_INT, 0)).isEqualTo(3).isEqualTo(theirs.get(JAVA_INT, 0));
            assertThat(LibC.ioctl(st, -1, Linux.FIONREAD, ours)).isEqualTo(-1);
            assertThat(CallState.errno(st)).isEqualTo(Linux.EBADF);
        } finally {
            Posix.close(p[0]);
            Posix.close(p[1]);
        }
    }

    @Test
    void intResultsLongResultsAndPointersComeBackWhole() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            assertThat(LibC.getpid()).isEqualTo((int) ProcessHandle.current().pid());
            assertThat(LibC.close(st, -1)).isEqualTo(-1); // an int -1, not 0xffffffff
            assertThat(CallState.errno(st)).isEqualTo(Linux.EBADF);
            MemorySegment m = LibC.mmap(st, MemorySegment.NULL, 4096, Linux.PROT_READ, Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS, -1, 0);
            assertThat(m.address()).isNotIn(0L, -1L);
            assertThat(LibC.munmap(st, m, 4096)).isZero();
            assertThat(LibC.gnu_get_libc_version()).matches("\\d+\\.\\d+.*");
        }
    }
}
