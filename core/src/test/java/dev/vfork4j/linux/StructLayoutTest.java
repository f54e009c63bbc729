package dev.vfork4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemoryLayout;
import org.junit.jupiter.api.Test;

/** The sizes the kernel and glibc use, per architecture. */
class StructLayoutTest {

    @Test
    void epollEventIsPackedOnX86AndAlignedOnAarch64() {
        assertThat(EpollEvent.layout(Arch.X86_64).byteSize()).isEqualTo(12);
        assertThat(EpollEvent.layout(Arch.AARCH64).byteSize()).isEqualTo(16);
        for (Arch a : Arch.values()) {
            assertThat(EpollEvent.layout(a).byteSize()).isEqualTo(a.epollEventSize);
            assertThat(EpollEvent.layout(a).byteOffset(MemoryLayout.PathElement.groupElement("data")))
                .isEqualTo(a.epollDataOffset);
        }
        assertThat(EpollEvent.LAYOUT.byteSize()).isEqualTo(Arch.require().epollEventSize);
    }

    @Test
    void siginfoIs128BytesWithChildFieldsAfterAHole() {
        assertThat(Siginfo.LAYOUT.byteSize()).isEqualTo(128);
        assertThat(Siginfo.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("si_code"))).isEqualTo(8)
            .isEqualTo(Siginfo.SI_CODE);
        assertThat(Siginfo.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("si_pid"))).isEqualTo(16)
            .isEqualTo(Siginfo.SI_PID);
        assertThat(Siginfo.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("si_status"))).isEqualTo(24)
            .isEqualTo(Siginfo.SI_STATUS);
    }

    @Test
    void rusageIs144BytesAndFollowsTheSiginfoOfAReap() {
        assertThat(Rusage.LAYOUT.byteSize()).isEqualTo(144);
        assertThat(Rusage.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("ru_utime_sec"))).isEqualTo(Rusage.UTIME);
        assertThat(Rusage.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("ru_stime_sec"))).isEqualTo(Rusage.STIME);
        assertThat(Siginfo.REAP_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("usage"))).isEqualTo(Siginfo.REAP_USAGE);
    }

    @Test
    void glibcSpawnTypes() {
        assertThat(PosixSpawnTypes.SIGSET_T.byteSize()).isEqualTo(128);
        assertThat(PosixSpawnTypes.FILE_ACTIONS_T.byteSize()).isEqualTo(80);
        assertThat(PosixSpawnTypes.ATTR_T.byteSize()).isEqualTo(336);
    }

    @Test
    void archDetection() {
        assertThat(Arch.detect("amd64")).isEqualTo(Arch.X86_64);
        assertThat(Arch.detect("aarch64")).isEqualTo(Arch.AARCH64);
        assertThat(Arch.detect("riscv64")).isNull();
        assertThat(Arch.X86_64.sysWaitid).isEqualTo(247);
        assertThat(Arch.AARCH64.sysWaitid).isEqualTo(95);
    }

    @Test
    void captureStateHasErrno() {
        assertThat(CallState.LAYOUT.memberLayouts()).anyMatch(l -> l.name().orElse("").equals("errno"));
        assertThat(CallState.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"))).isEqualTo(CallState.ERRNO);
    }
}
