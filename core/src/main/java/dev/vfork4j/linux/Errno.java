package dev.vfork4j.linux;

import java.lang.foreign.MemorySegment;

/** Names and descriptions of errno values, as glibc gives them (locale independent). */
public final class Errno {
    private Errno() {}

    /** The symbolic name, {@code "ENOENT"} for 2; {@code "E?"+n} for a value glibc does not know. */
    public static String name(int errno) {
        MemorySegment s = LibC.strerrorname_np(errno);
        return s.equals(MemorySegment.NULL) ? "E?" + errno : LibC.string(s);
    }

    /** The description, {@code "No such file or directory"} for 2. */
    public static String description(int errno) {
        MemorySegment s = LibC.strerrordesc_np(errno);
        return s.equals(MemorySegment.NULL) ? "Unknown error " + errno : LibC.string(s);
    }
}
