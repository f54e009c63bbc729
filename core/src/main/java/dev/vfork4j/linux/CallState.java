package dev.vfork4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The errno captured by one native call ({@code Linker.Option.captureCallState("errno")}).
 * Each caller owns its segment: a segment shared between threads would mix up their errnos.
 */
public final class CallState {
    static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
    /**
     * Where errno is in the segment: glibc's capture state on Linux is {@code struct {int errno;}}
     * (StructLayoutTest checks the offset against the layout). A constant, read with a plain
     * {@code get}: a layout path (byteOffset, varHandle) costs a fresh JVM's first spawn some
     * milliseconds, spent making the JDK's LayoutPath method handles.
     */
    static final long ERRNO = 0;

    private CallState() {}

    /** A fresh capture segment from {@code arena}. */
    public static MemorySegment allocate(Arena arena) {
        return arena.allocate(LAYOUT);
    }

    /** The errno stored in {@code state} by the last call that captured into it. */
    public static int errno(MemorySegment state) {
        return state.get(ValueLayout.JAVA_INT, ERRNO);
    }
}
