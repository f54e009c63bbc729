package dev.vfork4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class PosixTest {

    @Test
    void errnoExceptionNamesTheCallTheErrnoAndItsMeaning() {
        assertThatThrownBy(() -> Posix.open("/nonexistent/x", Linux.O_RDONLY, 0))
            .isInstanceOf(ErrnoException.class)
            .hasMessage("open(\"/nonexistent/x\"): ENOENT (No such file or directory)")
            .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Linux.ENOENT))
            .satisfies(e -> assertThat(((ErrnoException) e).errnoName()).isEqualTo("ENOENT"));
    }

    @Test
    void errnoIsCapturedPerCall() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = CallState.allocate(arena);
            MemorySegment b = CallState.allocate(arena);
            assertThat(LibC.close(a, -1)).isEqualTo(-1);
            assertThat(LibC.kill(b, Integer.MAX_VALUE, 0)).isEqualTo(-1);
            assertThat(CallState.errno(a)).isEqualTo(Linux.EBADF);
            assertThat(CallState.errno(b)).isEqualTo(Linux.ESRCH);
        }
    }

    @Test
    void errnoNamesComeFromGlibc() {
        assertThat(Errno.name(Linux.EACCES)).isEqualTo("EACCES");
        assertThat(Errno.description(Linux.EACCES)).isEqualTo("Permission denied");
        assertThat(Errno.name(4000)).isEqualTo("E?4000");
    }

    @Test
    void pipesAreCloseOnExecAndFdOwnershipIsIdempotent() throws Exception {
        int[] p = Posix.pipe();
        try (Arena arena = Arena.ofConfined()) {
            assertThat(LibC.fcntl(CallState.allocate(arena), p[0], Linux.F_GETFD, 0) & Linux.FD_CLOEXEC).isEqualTo(1);
        }
        Fd r = new Fd(p[0]);
        Fd w = new Fd(p[1]);
        assertThat(r.acquire()).isEqualTo(p[0]);
        r.close();
        assertThat(Posix.isOpen(p[0])).as("close deferred while a call is in progress").isTrue();
        assertThat(r.acquire()).isEqualTo(-1);
        r.release();
        assertThat(Posix.isOpen(p[0])).isFalse();
        w.close();
        w.close();
        assertThat(Posix.isOpen(p[1])).isFalse();
    }

    @Test
    void closingAClosedFdIsReportedAsTheBugItIs() {
        assertThatThrownBy(() -> Posix.close(987_654)).isInstanceOf(IllegalStateException.class).hasMessageContaining("EBADF");
    }
}
