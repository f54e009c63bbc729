package dev.vfork4j.spawn;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/** argv and envp as NULL-terminated arrays of UTF-8 C strings. */
final class NativeStrings {
    private NativeStrings() {}

    static MemorySegment array(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    /**
     * This JVM's own environment, laid out once: {@link System#getenv()} never changes and is
     * what every Command that does not touch its environment passes, so most spawns reuse this
     * instead of copying fifty strings.
     */
    private static volatile MemorySegment inherited; // laid out at first use: a failed malloc is not kept

    static MemorySegment environment(Arena arena, Map<String, String> env) {
        if (env == System.getenv()) {
            MemorySegment envp = inherited;
            if (envp == null) {
                synchronized (NativeStrings.class) {
                    envp = inherited;
                    if (envp == null) {
                        envp = layOut(Arena.global(), env);
                        inherited = envp;
                    }
                }
            }
            return envp;
        }
        return layOut(arena, env);
    }

    private static MemorySegment layOut(Arena arena, Map<String, String> env) {
        MemorySegment array = arena.allocate(ADDRESS, env.size() + 1L);
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            array.setAtIndex(ADDRESS, i++, arena.allocateFrom(e.getKey() + "=" + e.getValue()));
        }
        array.setAtIndex(ADDRESS, i, MemorySegment.NULL);
        return array;
    }
}
