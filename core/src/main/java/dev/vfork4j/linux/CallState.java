package dev.vfork4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The errno captured by one native call ({@code Linker.Option.captureCallState("errno")}).
 * Each caller owns its segment: a segment shared between threads would mix up their errnos.
 */
public final class CallState {
    static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private CallState() {}

    /** A fresh capture segment from {@code arena}. */
    public static MemorySegment allocate(Arena arena) {
        return arena.allocate(LAYOUT);
    }

    /** The errno stored in {@code state} by the last call that captured into it. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
