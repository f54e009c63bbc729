package dev.vfork4j.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct epoll_event { uint32_t events; epoll_data_t data; }}: packed (12 bytes) on
 * x86_64, where the kernel declares it {@code __attribute__((packed))}, 16 bytes on aarch64.
 */
public final class EpollEvent {
    private EpollEvent() {}

    public static final StructLayout LAYOUT = layout(Arch.require());

    static StructLayout layout(Arch arch) {
        return arch == Arch.X86_64
            ? MemoryLayout.structLayout(
                ValueLayout.JAVA_INT.withName("events"),
                ValueLayout.JAVA_LONG.withByteAlignment(4).withName("data"))
            : MemoryLayout.structLayout(
                ValueLayout.JAVA_INT.withName("events"),
                MemoryLayout.paddingLayout(4),
                ValueLayout.JAVA_LONG.withName("data"));
    }

    /** Offset of {@code data}, as Arch has it (StructLayoutTest checks it against the layout; no layout path at run time). */
    private static final long DATA = Arch.require().epollDataOffset;

    public static int events(MemorySegment array, long index) {
        return array.get(ValueLayout.JAVA_INT, index * LAYOUT.byteSize());
    }

    public static long data(MemorySegment array, long index) {
        return array.get(ValueLayout.JAVA_LONG_UNALIGNED, index * LAYOUT.byteSize() + DATA);
    }

    public static void set(MemorySegment event, int events, long data) {
        event.set(ValueLayout.JAVA_INT, 0, events);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, DATA, data);
    }
}
