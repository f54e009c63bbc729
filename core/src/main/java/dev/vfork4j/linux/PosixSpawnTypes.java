package dev.vfork4j.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * glibc's opaque posix_spawn types, laid out as glibc declares them so their sizes can be
 * checked; vfork4j only ever passes pointers to them to glibc's own functions.
 */
public final class PosixSpawnTypes {
    private PosixSpawnTypes() {}

    /** {@code sigset_t}: 1024 bits in glibc, whatever the kernel's 64. */
    public static final StructLayout SIGSET_T = MemoryLayout.structLayout(
        MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_LONG).withName("__val"));

    /** {@code posix_spawn_file_actions_t}. */
    public static final StructLayout FILE_ACTIONS_T = MemoryLayout.structLayout(
        ValueLayout.JAVA_INT.withName("__allocated"),
        ValueLayout.JAVA_INT.withName("__used"),
        ValueLayout.ADDRESS.withName("__actions"),
        MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_INT).withName("__pad"));

    /** {@code posix_spawnattr_t}. */
    public static final StructLayout ATTR_T = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("__flags"),
        MemoryLayout.paddingLayout(2),
        ValueLayout.JAVA_INT.withName("__pgrp"),
        SIGSET_T.withName("__sd"),
        SIGSET_T.withName("__ss"),
        ValueLayout.JAVA_INT.withName("__sp"),
        ValueLayout.JAVA_INT.withName("__policy"),
        MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_INT).withName("__pad"));
}
