package dev.vfork4j.spawn;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.vfork4j.linux.PlatformStrings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * argv and envp as NULL-terminated arrays of C strings, encoded as the JDK encodes them
 * ({@link PlatformStrings}: {@code sun.jnu.encoding}).
 */
final class NativeStrings {
    private NativeStrings() {}

    /**
     * The shell a script without {@code #!} is run with, as execvp and the JDK run it: the one
     * place the library names a shell (SecurityTest checks that), and it is never given
     * {@code -c}, only the script's path and the Command's arguments.
     */
    static String shell() {
        return "/bin/sh";
    }

    static MemorySegment array(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, PlatformStrings.cString(arena, strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    /**
     * argv for running {@code script} (a file execve refused with ENOEXEC) with the shell:
     * {"/bin/sh", script, argv[1], ..., NULL}, the shape of glibc's execvp and of the JDK's
     * childproc.c. {@code argv} is an array made by {@link #array} with {@code argc} strings;
     * its strings are shared, not copied.
     */
    static MemorySegment shellArray(Arena arena, MemorySegment shell, MemorySegment script, MemorySegment argv,
                                    int argc) {
        MemorySegment array = arena.allocate(ADDRESS, Math.max(argc, 1) + 2L);
        array.setAtIndex(ADDRESS, 0, shell);
        array.setAtIndex(ADDRESS, 1, script);
        for (int i = 1; i < argc; i++) {
            array.setAtIndex(ADDRESS, i + 1, argv.getAtIndex(ADDRESS, i));
        }
        array.setAtIndex(ADDRESS, Math.max(argc, 1) + 1L, MemorySegment.NULL);
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
            array.setAtIndex(ADDRESS, i++, PlatformStrings.cString(arena, e.getKey() + "=" + e.getValue()));
        }
        array.setAtIndex(ADDRESS, i, MemorySegment.NULL);
        return array;
    }
}
